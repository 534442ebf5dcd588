# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import make_ds
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar import (
    AuthenticationError,
    DomainNotFoundError,
    RegistrarError,
    RegistrarRecord,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar_gandi import (
    GandiRegistrar,
)
from ansible_collections.dnsops.dnssec.tests.unit.plugins.module_utils.registrar_transport import (
    KEY,
    assert_quotes,
    install,
)

TOKEN = "pat_0123456789abcdef-secret"
BASE = "https://api.gandi.net"
DOMAIN = "example.com"
DS = make_ds(DOMAIN, KEY, 2)
LISTED = {
    "id": 4107,
    "algorithm": 13,
    "type": "ksk",
    "public_key": KEY.public_key,
    "keytag": DS.key_tag,
    "digest_type": 2,
    "digest": DS.digest.lower(),
}


def gandi(monkeypatch, *answers: tuple[int, t.Any], **params: t.Any):
    transport = install(monkeypatch, *answers)
    options = {"gandi_token": TOKEN, "gandi_api_url": None, "registrar_timeout": 7}
    options.update(params)
    registrar = GandiRegistrar(options, sleep=lambda seconds: None)
    return registrar, transport


def test_list_sends_bearer_token_and_reads_gandi_digest(monkeypatch):
    registrar, transport = gandi(monkeypatch, (200, [LISTED]))

    records = registrar.list_records(DOMAIN)

    request = transport.sent[0]
    assert request.method == "GET"
    assert request.url == f"{BASE}/v5/domain/domains/example.com/dnskeys"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.body is None
    assert records == [RegistrarRecord(ds=DS, dnskey=KEY, record_id=str(LISTED["id"]))]
    assert registrar.operations == [
        {
            "method": "GET",
            "url": f"{BASE}/v5/domain/domains/example.com/dnskeys",
            "status": 200,
            "summary": "list the DNSSEC keys of example.com",
        }
    ]


def test_list_computes_sha256_when_gandi_gives_no_digest(monkeypatch):
    entry = {
        key: value
        for key, value in LISTED.items()
        if key not in ("digest", "digest_type")
    }
    registrar, _transport = gandi(monkeypatch, (200, [entry]))

    (record,) = registrar.list_records(DOMAIN + ".")

    assert record.dnskey == KEY
    assert record.ds == DS


def test_list_keeps_registry_digest_of_another_type(monkeypatch):
    sha384 = make_ds(DOMAIN, KEY, 4)
    entry = dict(LISTED, digest_type=4, digest=sha384.digest)
    registrar, _transport = gandi(monkeypatch, (200, [entry]))

    (record,) = registrar.list_records(DOMAIN)

    assert record.ds == sha384


def test_api_url_option_points_elsewhere(monkeypatch):
    registrar, transport = gandi(
        monkeypatch, (200, []), gandi_api_url="http://127.0.0.1:8080/"
    )

    assert registrar.list_records(DOMAIN) == []
    assert transport.sent[0].url == (
        "http://127.0.0.1:8080/v5/domain/domains/example.com/dnskeys"
    )


def test_add_posts_dnskey_data(monkeypatch):
    registrar, transport = gandi(monkeypatch, (201, {"message": "DNSSEC key created"}))

    registrar.add_record(DOMAIN, RegistrarRecord(ds=DS, dnskey=KEY))

    request = transport.sent[0]
    assert request.method == "POST"
    assert request.url == f"{BASE}/v5/domain/domains/example.com/dnskeys"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Content-Type"] == "application/json"
    assert transport.body(0) == {
        "algorithm": 13,
        "type": "ksk",
        "public_key": KEY.public_key,
    }
    assert registrar.operations[0]["status"] == 201


def test_add_refuses_ds_only_record_without_a_call(monkeypatch):
    registrar, transport = gandi(monkeypatch)

    with pytest.raises(RegistrarError, match="takes DNSKEY data"):
        registrar.add_record(DOMAIN, RegistrarRecord(ds=DS))

    assert transport.sent == []


def test_remove_deletes_by_id(monkeypatch):
    registrar, transport = gandi(monkeypatch, (204, None))

    registrar.remove_record(
        DOMAIN, RegistrarRecord(ds=DS, dnskey=KEY, record_id=LISTED["id"])
    )

    request = transport.sent[0]
    assert request.method == "DELETE"
    assert request.url == (
        f"{BASE}/v5/domain/domains/example.com/dnskeys/{LISTED['id']}"
    )
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_remove_without_id_looks_it_up_first(monkeypatch):
    registrar, transport = gandi(monkeypatch, (200, [LISTED]), (204, None))

    registrar.remove_record(DOMAIN, RegistrarRecord(ds=DS))

    assert [(r.method, r.url.rsplit("/", 1)[-1]) for r in transport.sent] == [
        ("GET", "dnskeys"),
        ("DELETE", str(LISTED["id"])),
    ]


def test_remove_of_unknown_key_fails_without_delete(monkeypatch):
    registrar, transport = gandi(monkeypatch, (200, []))

    with pytest.raises(RegistrarError, match="is not among the DNSSEC keys"):
        registrar.remove_record(DOMAIN, RegistrarRecord(ds=DS))

    assert [request.method for request in transport.sent] == ["GET"]


def gandi_error(status: int, message: str, obj: str, cause: str) -> dict:
    return {"code": status, "message": message, "object": obj, "cause": cause}


@pytest.mark.parametrize(
    "status, body, error, text",
    [
        (
            401,
            gandi_error(
                401, "The access token is invalid.", "HTTPUnauthorized", "Unauthorized"
            ),
            AuthenticationError,
            "Unauthorized: The access token is invalid.",
        ),
        (
            403,
            gandi_error(
                403, "Access was denied to this resource.", "HTTPForbidden", "Forbidden"
            ),
            AuthenticationError,
            "Access was denied to this resource.",
        ),
        (
            404,
            gandi_error(
                404,
                "The domain example.com does not exist.",
                "HTTPNotFound",
                "Not Found",
            ),
            DomainNotFoundError,
            "The domain example.com does not exist.",
        ),
        (
            400,
            dict(
                gandi_error(400, "Bad Request", "HTTPBadRequest", "Bad Request"),
                errors=[
                    {
                        "location": "body",
                        "name": "flags",
                        "description": "Must be one of 256, 257",
                    }
                ],
            ),
            RegistrarError,
            "Bad Request: Must be one of 256, 257",
        ),
    ],
)
def test_errors_quote_gandi_and_never_the_token(monkeypatch, status, body, error, text):
    registrar, _transport = gandi(monkeypatch, (status, body))

    with pytest.raises(error) as caught:
        registrar.list_records(DOMAIN)

    assert_quotes(caught.value, text, "Gandi", [TOKEN], registrar.operations)
    assert registrar.operations[0]["status"] == status


def test_rate_limit_is_retried(monkeypatch):
    registrar, transport = gandi(
        monkeypatch,
        (
            429,
            gandi_error(
                429, "Too many requests", "HTTPTooManyRequests", "Too Many Requests"
            ),
        ),
        (200, [LISTED]),
    )

    assert len(registrar.list_records(DOMAIN)) == 1
    assert len(transport.sent) == 2


def test_unreadable_listing_is_an_error(monkeypatch):
    registrar, _transport = gandi(monkeypatch, (200, {"not": "a list"}))

    with pytest.raises(RegistrarError, match="not a list"):
        registrar.list_records(DOMAIN)
