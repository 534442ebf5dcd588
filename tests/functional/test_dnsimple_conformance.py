# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""The DNSimple client and webhook parser against DNSimple's published fixtures.

The fixtures are raw HTTP messages kept outside the repository, in
``../shared/fixtures/dnsimple`` (``api/`` responses and ``webhooks/`` deliveries).
Every file found there is read: API responses go through the client's response
handling over a fake transport, webhook deliveries through the payload parser.
The module is skipped when the folder is absent.
"""

from __future__ import annotations

import json
import typing as t
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from ansible_collections.dnsops.dnssec.plugins.module_utils._dnsimple import (
    DnsimpleClient,
    DnsimpleError,
    DnsimpleNotFoundError,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import parse_ds
from ansible_collections.dnsops.dnssec.plugins.module_utils._webhook import (
    parse_event,
)

FIXTURES = Path(__file__).resolve().parents[3] / "shared/fixtures/dnsimple"
BASE = "https://api.dnsimple.com"

if not FIXTURES.is_dir():
    pytest.skip(f"DNSimple fixtures not found at {FIXTURES}", allow_module_level=True)

API_FILES = sorted((FIXTURES / "api").rglob("*.http"))
WEBHOOK_FILES = sorted((FIXTURES / "webhooks").rglob("*.http"))


class Message(t.NamedTuple):
    start: str
    headers: dict[str, str]
    body: str


def read_message(path: Path) -> Message:
    text = path.read_text(encoding="utf-8")
    head, unused_sep, body = text.partition("\n\n")
    lines = head.split("\n")
    headers = {}
    for line in lines[1:]:
        name, unused_colon, value = line.partition(":")
        headers[name.strip()] = value.strip()
    return Message(lines[0].strip(), headers, body)


def to_response(message: Message) -> requests.Response:
    _version, status, reason = (message.start.split(" ", 2) + [""])[:3]
    raw = requests.Response()
    raw.status_code = int(status)
    raw.reason = reason
    raw.headers = CaseInsensitiveDict(message.headers)
    raw._content = message.body.encode("utf-8")
    raw.encoding = "utf-8"
    return raw


class Replay:
    """A transport answering each request with the next fixture in line."""

    def __init__(self, *paths: Path) -> None:
        self.paths = list(paths)
        self.requests: list[tuple[str, str]] = []

    def request(self, method: str, url: str, **kwargs: t.Any) -> requests.Response:
        self.requests.append((method, urlsplit(url).path))
        path = self.paths.pop(0) if len(self.paths) > 1 else self.paths[0]
        raw = to_response(read_message(path))
        raw.url = url
        return raw


def client(*paths: Path, account: str | None = "1010") -> DnsimpleClient:
    return DnsimpleClient(
        "fixture-token",
        account=account,
        base_url=BASE,
        session=Replay(*paths),
        retries=0,
        sleep=lambda seconds: None,
    )


def api(name: str) -> Path:
    return FIXTURES / "api" / name


def test_fixtures_are_there():
    assert API_FILES and WEBHOOK_FILES


@pytest.mark.parametrize(
    "path", API_FILES, ids=[str(p.relative_to(FIXTURES)) for p in API_FILES]
)
def test_every_api_response_goes_through_the_response_handling(path):
    message = read_message(path)
    status = int(message.start.split()[1])
    body = json.loads(message.body) if message.body.strip().startswith("{") else None
    dnsimple = client(path)

    if status >= 400:
        with pytest.raises(DnsimpleError) as info:
            dnsimple._call("GET", "/v2/1010/anything")
        assert info.value.status == status
        if body is not None:
            assert body["message"] in info.value.message
            for field in body.get("errors", {}):
                assert f"{field}: " in info.value.message
        else:
            reason = message.start.split(" ", 2)[2]
            assert f"HTTP {status} {reason} from api.dnsimple.com" in info.value.message
            assert "<" not in info.value.message
        return

    response = dnsimple._call("GET", "/v2/1010/anything", expected=(status,))
    assert response.status == status
    if body is None and not message.body.strip():
        assert response.json is None
    elif body is None:
        with pytest.raises(DnsimpleError, match="not the expected JSON"):
            dnsimple._data(response, "GET", "/v2/1010/anything")
    else:
        assert dnsimple._data(response, "GET", "/v2/1010/anything") == body["data"]
    remaining = message.headers.get("x-ratelimit-remaining")
    if remaining is not None:
        assert dnsimple.http.rate_limit.remaining == int(remaining)


def test_pages_are_followed_to_the_last():
    dnsimple = client(
        api("pages-1of3.http"), api("pages-2of3.http"), api("pages-3of3.http")
    )
    items = dnsimple._paged("/v2/1010/domains")
    assert [item["id"] for item in items] == [1, 2, 3, 4, 5]
    assert len(dnsimple.http.session.requests) == 3


def test_whoami_with_an_account_token():
    assert client(api("whoami/success-account.http"), account=None).account_id()


def test_user_token_with_one_account():
    dnsimple = client(
        api("whoami/success-user.http"),
        api("listAccounts/success-account.http"),
        account=None,
    )
    assert dnsimple.account_id() == "123"


def test_user_token_with_several_accounts():
    dnsimple = client(
        api("whoami/success-user.http"),
        api("listAccounts/success-user.http"),
        account=None,
    )
    with pytest.raises(DnsimpleError, match="several accounts"):
        dnsimple.account_id()


def test_list_domains():
    domains = client(api("listDomains/success.http")).list_domains()
    assert [(d.name, d.state) for d in domains] == [
        ("example-alpha.com", "registered"),
        ("example-beta.com", "hosted"),
    ]
    assert domains[1].is_hosted and domains[0].is_registered


def test_get_domain_and_dnssec():
    dnsimple = client(api("getDomain/success.http"), api("getDnssec/success.http"))
    status = dnsimple.domain_status("example-alpha.com")
    assert status["dnssec_enabled"] is True
    assert status["state"] in ("hosted", "registered", "expired")


def test_ds_records():
    records = client(api("listDelegationSignerRecords/success.http")).list_ds_records(
        "example.com"
    )
    assert [
        (r.id, r.ds.key_tag, r.ds.algorithm, r.ds.digest_type) for r in records
    ] == [(24, 44620, 8, 2)]

    created = client(api("createDelegationSignerRecord/created.http")).create_ds_record(
        "example.com", parse_ds("2371 13 2 " + "AB" * 32)
    )
    # The API answers with a lower-case digest; the model keeps upper case.
    assert created.id == 2 and created.ds.digest == created.ds.digest.upper()

    with pytest.raises(DnsimpleError) as info:
        client(
            api("createDelegationSignerRecord/validation-error.http")
        ).create_ds_record("example.com", parse_ds("2371 13 2 " + "AB" * 32))
    assert set(info.value.errors) == {"algorithm", "digest", "digest_type", "keytag"}

    client(api("deleteDelegationSignerRecord/success.http")).delete_ds_record(
        "example.com", 24
    )


def test_webhooks():
    assert [w["url"] for w in client(api("listWebhooks/success.http")).list_webhooks()]
    assert client(api("createWebhook/created.http")).create_webhook("https://x.test")[
        "id"
    ]
    client(api("deleteWebhook/success.http")).delete_webhook(1)


def test_not_found_domain():
    with pytest.raises(DnsimpleNotFoundError, match="Domain `0` not found"):
        client(api("notfound-domain.http")).domain("0")


def test_bad_gateway_page():
    with pytest.raises(DnsimpleError) as info:
        client(api("badgateway.http")).list_webhooks()
    assert "HTTP 502 Bad Gateway from api.dnsimple.com" in info.value.message


def test_success_with_malformed_json():
    with pytest.raises(DnsimpleError, match="not the expected JSON"):
        client(api("success-with-malformed-json.http")).dnssec("example.com")


@pytest.mark.parametrize(
    "path", WEBHOOK_FILES, ids=[str(p.relative_to(FIXTURES)) for p in WEBHOOK_FILES]
)
def test_every_webhook_delivery_parses(path):
    message = read_message(path)
    assert message.start.startswith("POST ")
    event = parse_event(message.body)
    raw = json.loads(message.body)

    assert event.name == path.parent.name == raw["name"]
    assert event.known and event.is_dnssec
    assert event.request_identifier == raw["request_identifier"]
    assert event.zone == raw["data"]["zone"]["name"].lower()
    if event.is_rotation:
        record = raw["data"]["delegation_signer_record"]
        assert event.ds is not None and event.dnskey is not None
        assert event.ds.key_tag == int(record["keytag"])
        assert event.ds.algorithm == int(record["algorithm"])
        assert event.ds.digest_type == int(record["digest_type"])
        assert event.ds.digest == record["digest"].upper()
        assert event.dnskey.algorithm == event.ds.algorithm
    else:
        assert event.ds is None
