# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

from __future__ import annotations

import json
import typing as t
from urllib.parse import urlsplit

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from ansible_collections.dnsops.dnssec.plugins.module_utils._dnsimple import (
    DNSIMPLE_ARGUMENT_SPEC,
    DnsimpleAuthenticationError,
    DnsimpleClient,
    DnsimpleError,
    DnsimpleNotFoundError,
    client_from_params,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import parse_ds

TOKEN = "dnsimple_u_VerySecretToken123"
BASE = "https://api.dnsimple.com"
DS_TEXT = "2371 13 2 684A1F049D7D082B7F98691657DA5A65764913DF7F065F6F8C36EDF62D66CA03"


def response(
    status: int = 200, body: t.Any = None, headers: dict[str, str] | None = None
) -> requests.Response:
    raw = requests.Response()
    raw.status_code = status
    raw.headers = CaseInsensitiveDict(headers or {})
    if isinstance(body, str):
        raw._content = body.encode()
    elif body is None:
        raw._content = b""
    else:
        raw._content = json.dumps(body).encode()
        raw.headers.setdefault("Content-Type", "application/json; charset=utf-8")
    raw.encoding = "utf-8"
    return raw


class FakeApi:
    """Answers by (method, path); records method, path, query, JSON body, headers."""

    def __init__(self, routes: dict[tuple[str, str], t.Any]) -> None:
        self.routes = {key: list(value) for key, value in routes.items()}
        self.calls: list[dict[str, t.Any]] = []

    def request(self, method: str, url: str, **kwargs: t.Any) -> requests.Response:
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}" == BASE
        self.calls.append(
            {
                "method": method,
                "path": parts.path,
                "params": kwargs.get("params"),
                "json": kwargs.get("json"),
                "headers": kwargs.get("headers"),
            }
        )
        answers = self.routes[(method, parts.path)]
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        answer.url = url
        return answer


def client(routes: dict[tuple[str, str], t.Any], **kw: t.Any):
    fake = FakeApi(routes)
    kw.setdefault("account", "1010")
    sleeps: list[float] = []
    api = DnsimpleClient(TOKEN, base_url=BASE, session=fake, sleep=sleeps.append, **kw)
    return api, fake, sleeps


def domain(name: str, state: str = "hosted", ident: int = 1) -> dict[str, t.Any]:
    return {"id": ident, "account_id": 1010, "name": name, "state": state}


def page(items: list[t.Any], current: int, total: int) -> dict[str, t.Any]:
    return {
        "data": items,
        "pagination": {
            "current_page": current,
            "per_page": 100,
            "total_entries": 250,
            "total_pages": total,
        },
    }


def test_bearer_token_and_user_agent_are_sent():
    api, fake, unused_sleeps = client(
        {("GET", "/v2/whoami"): [response(200, {"data": {"account": None}})]},
        account=None,
    )
    api.whoami()
    headers = fake.calls[0]["headers"]
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["User-Agent"].startswith("dnsops.dnssec/")


def test_account_from_whoami():
    whoami = {"data": {"user": None, "account": {"id": 42, "email": "a@b"}}}
    api, fake, unused_sleeps = client(
        {("GET", "/v2/whoami"): [response(200, whoami)]}, account=None
    )
    assert api.account_id() == "42"
    assert api.account_id() == "42"
    assert len(fake.calls) == 1


def test_account_from_the_only_account_of_a_user_token():
    whoami = {"data": {"user": {"id": 1}, "account": None}}
    accounts = {"data": [{"id": 123, "name": "John"}]}
    api, unused_fake, unused_sleeps = client(
        {
            ("GET", "/v2/whoami"): [response(200, whoami)],
            ("GET", "/v2/accounts"): [response(200, accounts)],
        },
        account=None,
    )
    assert api.account_id() == "123"


def test_several_accounts_ask_for_the_option():
    whoami = {"data": {"user": {"id": 1}, "account": None}}
    accounts = {"data": [{"id": 123, "name": "John"}, {"id": 456, "name": "Ops"}]}
    api, unused_fake, unused_sleeps = client(
        {
            ("GET", "/v2/whoami"): [response(200, whoami)],
            ("GET", "/v2/accounts"): [response(200, accounts)],
        },
        account=None,
    )
    with pytest.raises(DnsimpleError) as info:
        api.account_id()
    assert "dnsimple_account" in info.value.message
    assert "123 (John)" in info.value.message and "456 (Ops)" in info.value.message


def test_list_domains_reads_every_page_once():
    first = [domain(f"d{i}.example", ident=i) for i in range(100)]
    second = [domain(f"e{i}.example", "registered", 100 + i) for i in range(100)]
    third = [domain("last.example", ident=999)]
    api, fake, unused_sleeps = client(
        {
            ("GET", "/v2/1010/domains"): [
                response(200, page(first, 1, 3)),
                response(200, page(second, 2, 3)),
                response(200, page(third, 3, 3)),
            ]
        }
    )

    domains = api.list_domains()
    assert len(domains) == 201
    assert [call["params"]["page"] for call in fake.calls] == [1, 2, 3]
    assert all(call["params"]["per_page"] == 100 for call in fake.calls)

    # Later questions about domains are answered from the list.
    assert api.list_domains()[-1].name == "last.example"
    assert api.domain("E5.example.").state == "registered"
    assert len(fake.calls) == 3


def test_list_domains_passes_name_like():
    api, fake, unused_sleeps = client(
        {("GET", "/v2/1010/domains"): [response(200, page([], 1, 1))]}
    )
    assert api.list_domains(name_like="example") == []
    assert fake.calls[0]["params"]["name_like"] == "example"


def test_domain_status_combines_state_and_dnssec():
    api, fake, unused_sleeps = client(
        {
            ("GET", "/v2/1010/domains/example.com"): [
                response(200, {"data": domain("example.com")})
            ],
            ("GET", "/v2/1010/domains/example.com/dnssec"): [
                response(200, {"data": {"enabled": True, "active": True}})
            ],
        }
    )
    status = api.domain_status("Example.com.")
    assert status == {
        "name": "example.com",
        "id": 1,
        "state": "hosted",
        "hosted": True,
        "registered": False,
        "dnssec_enabled": True,
        "dnssec_active": True,
    }
    api.dnssec("example.com")
    assert len(fake.calls) == 2


def test_unknown_domain_carries_dnsimples_message():
    api, unused_fake, unused_sleeps = client(
        {
            ("GET", "/v2/1010/domains/nope.example"): [
                response(404, {"message": "Domain `nope.example` not found"})
            ]
        }
    )
    with pytest.raises(DnsimpleNotFoundError) as info:
        api.domain("nope.example")
    assert "Domain `nope.example` not found" in info.value.message
    assert info.value.status == 404


def test_bad_token_is_an_authentication_error_without_the_token():
    api, fake, unused_sleeps = client(
        {("GET", "/v2/whoami"): [response(401, {"message": "Authentication failed"})]},
        account=None,
    )
    with pytest.raises(DnsimpleAuthenticationError) as info:
        api.account_id()
    assert "Authentication failed" in info.value.message
    assert info.value.status == 401
    assert TOKEN not in info.value.message
    # A 401 is final: it is not retried.
    assert len(fake.calls) == 1


def test_missing_token_fails_before_any_call():
    with pytest.raises(DnsimpleAuthenticationError, match="DNSIMPLE_TOKEN"):
        DnsimpleClient("", base_url=BASE)


def test_429_waits_for_the_reset_then_continues():
    quota = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1000000030"}
    api, fake, sleeps = client(
        {
            ("GET", "/v2/1010/domains/example.com/dnssec"): [
                response(429, {"message": "quota exceeded"}, quota),
                response(200, {"data": {"enabled": False, "active": False}}),
            ]
        },
        clock=lambda: 1_000_000_000.0,
    )
    assert api.dnssec("example.com")["enabled"] is False
    assert sleeps == [30.0]
    assert len(fake.calls) == 2


def test_5xx_is_retried_and_the_html_502_reported_briefly():
    page_502 = "<html><head><title>502 Bad Gateway</title></head><body></body></html>"
    html = {"Content-Type": "text/html"}
    api, fake, sleeps = client(
        {("GET", "/v2/1010/webhooks"): [response(502, page_502, html)] * 4},
        retries=3,
    )
    with pytest.raises(DnsimpleError) as info:
        api.list_webhooks()
    assert "HTTP 502 Bad Gateway from api.dnsimple.com" in info.value.message
    assert "<html>" not in info.value.message
    assert len(fake.calls) == 4
    assert len(sleeps) == 3


def test_5xx_then_success():
    api, fake, unused_sleeps = client(
        {
            ("GET", "/v2/1010/webhooks"): [
                response(500, {"message": "Internal error"}),
                response(200, {"data": [{"id": 1, "url": "https://h.example/x"}]}),
            ]
        }
    )
    assert api.list_webhooks() == [{"id": 1, "url": "https://h.example/x"}]
    assert len(fake.calls) == 2


def test_200_with_html_body_is_an_error():
    html = "<html><head><title>200 OK</title></head></html>"
    api, unused_fake, unused_sleeps = client(
        {
            ("GET", "/v2/1010/domains/x.example/dnssec"): [
                response(200, html, {"Content-Type": "text/html"})
            ]
        }
    )
    with pytest.raises(DnsimpleError, match="not the expected JSON"):
        api.dnssec("x.example")


def test_list_ds_records_parses_string_fields():
    record = {
        "id": 24,
        "domain_id": 1010,
        "algorithm": "13",
        "digest": DS_TEXT.split()[3].lower(),
        "digest_type": "2",
        "keytag": "2371",
        "public_key": None,
    }
    api, unused_fake, unused_sleeps = client(
        {
            ("GET", "/v2/1010/domains/example.com/ds_records"): [
                response(200, page([record], 1, 1))
            ]
        }
    )
    records = api.list_ds_records("example.com")
    assert [(r.id, r.ds) for r in records] == [(24, parse_ds(DS_TEXT))]
    assert records[0].dnskey is None


def test_create_ds_record_sends_dnsimples_shape():
    created = {
        "id": 2,
        "algorithm": "13",
        "digest": DS_TEXT.split()[3],
        "digest_type": "2",
        "keytag": "2371",
        "public_key": None,
    }
    api, fake, unused_sleeps = client(
        {
            ("POST", "/v2/1010/domains/example.com/ds_records"): [
                response(201, {"data": created})
            ]
        }
    )
    record = api.create_ds_record("example.com", parse_ds(DS_TEXT))
    assert record.id == 2 and record.ds == parse_ds(DS_TEXT)
    assert fake.calls[0]["json"] == {
        "algorithm": "13",
        "digest": DS_TEXT.split()[3],
        "digest_type": "2",
        "keytag": "2371",
    }


def test_create_ds_record_is_not_repeated_after_a_502():
    api, fake, unused_sleeps = client(
        {
            ("POST", "/v2/1010/domains/example.com/ds_records"): [
                response(502, "", {"Content-Type": "text/html"})
            ]
        }
    )
    with pytest.raises(DnsimpleError):
        api.create_ds_record("example.com", parse_ds(DS_TEXT))
    assert len(fake.calls) == 1


def test_validation_error_lists_the_fields():
    body = {
        "message": "Validation failed",
        "errors": {"digest": ["can't be blank"], "keytag": ["can't be blank"]},
    }
    api, unused_fake, unused_sleeps = client(
        {("POST", "/v2/1010/domains/example.com/ds_records"): [response(400, body)]}
    )
    with pytest.raises(DnsimpleError) as info:
        api.create_ds_record("example.com", parse_ds(DS_TEXT))
    assert "Validation failed" in info.value.message
    assert "digest: can't be blank" in info.value.message
    assert info.value.errors == body["errors"]


def test_delete_ds_record_and_webhooks():
    api, fake, unused_sleeps = client(
        {
            ("DELETE", "/v2/1010/domains/example.com/ds_records/24"): [response(204)],
            ("POST", "/v2/1010/webhooks"): [
                response(201, {"data": {"id": 7, "url": "https://h.example/x"}})
            ],
            ("DELETE", "/v2/1010/webhooks/7"): [response(204)],
        }
    )
    api.delete_ds_record("example.com", 24)
    assert api.create_webhook("https://h.example/x")["id"] == 7
    api.delete_webhook(7)
    assert [(c["method"], c["path"]) for c in fake.calls] == [
        ("DELETE", "/v2/1010/domains/example.com/ds_records/24"),
        ("POST", "/v2/1010/webhooks"),
        ("DELETE", "/v2/1010/webhooks/7"),
    ]
    assert fake.calls[1]["json"] == {"url": "https://h.example/x"}


def test_client_from_params_and_argument_spec():
    assert DNSIMPLE_ARGUMENT_SPEC["dnsimple_token"]["no_log"] is True
    assert DNSIMPLE_ARGUMENT_SPEC["dnsimple_token"]["fallback"][1] == ["DNSIMPLE_TOKEN"]
    assert DNSIMPLE_ARGUMENT_SPEC["dnsimple_api_url"]["default"] == BASE
    api = client_from_params(
        {
            "dnsimple_token": TOKEN,
            "dnsimple_account": "99",
            "dnsimple_api_url": "https://api.sandbox.dnsimple.com/v2/",
        }
    )
    assert api.base_url == "https://api.sandbox.dnsimple.com"
    assert api.account_id() == "99"
