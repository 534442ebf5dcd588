# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

from __future__ import annotations

import base64
import pathlib
import re

import pytest

from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import parse_ds
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar import (
    AuthenticationError,
    DomainNotFoundError,
    RegistrarError,
    RegistrarRecord,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar_namecom import (
    NameComRegistrar,
)

from ansible_collections.dnsops.dnssec.tests.unit.plugins.module_utils.registrar_transport import (
    assert_quotes,
    install,
)

USER = "ops-user"
TOKEN = "namecom-secret-token-0123"
DIGEST = "E2D3C916F6DEEAC73294E8268FB5885044A833FC5459588F4A9184CFC41A5766"
DS = parse_ds(f"2371 13 2 {DIGEST}")
LISTED = {
    "domainName": "example.com",
    "keyTag": 2371,
    "algorithm": 13,
    "digestType": 2,
    "digest": DIGEST.lower(),
}
BASE = "https://api.name.com/core/v1/domains/example.com/dnssec"
SPEC = pathlib.Path(__file__).parents[4] / ".." / "shared" / "specs" / "namecom"


def namecom(monkeypatch, *answers, **params):
    transport = install(monkeypatch, *answers)
    options = {"namecom_username": USER, "namecom_token": TOKEN, "registrar_timeout": 9}
    options.update(params)
    return NameComRegistrar(options, sleep=lambda seconds: None), transport


def basic(user, token):
    return "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()


def test_list_sends_basic_auth_and_reads_records(monkeypatch):
    registrar, transport = namecom(monkeypatch, (200, {"dnssec": [LISTED]}))
    [record] = registrar.list_records("Example.com.")
    request = transport.sent[0]
    assert (request.method, request.url) == ("GET", BASE)
    assert request.headers["Authorization"] == basic(USER, TOKEN)
    assert request.headers["User-Agent"].startswith("dnsops.dnssec/")
    assert record.ds == DS
    assert record.record_id == DIGEST.lower()
    assert registrar.operations == [
        {
            "method": "GET",
            "url": BASE,
            "status": 200,
            "summary": "list the DS records of Example.com.",
        }
    ]


def test_empty_listing(monkeypatch):
    registrar = namecom(monkeypatch, (200, {}))[0]
    assert registrar.list_records("example.com") == []


def test_add_posts_the_ds_as_integers(monkeypatch):
    registrar, transport = namecom(monkeypatch, (200, LISTED))
    registrar.add_record("example.com.", RegistrarRecord(ds=DS))
    request = transport.sent[0]
    assert (request.method, request.url) == ("POST", BASE)
    assert request.headers["Content-Type"] == "application/json"
    assert transport.body(0) == {
        "domainName": "example.com",
        "keyTag": 2371,
        "algorithm": 13,
        "digestType": 2,
        "digest": DIGEST,
    }


def test_remove_deletes_by_the_digest_as_listed(monkeypatch):
    registrar, transport = namecom(monkeypatch, (204, None))
    registrar.remove_record(
        "example.com", RegistrarRecord(ds=DS, record_id=DIGEST.lower())
    )
    request = transport.sent[0]
    assert (request.method, request.url) == ("DELETE", f"{BASE}/{DIGEST.lower()}")
    assert request.body is None


@pytest.mark.parametrize(
    "status, body, error, text",
    [
        (401, {"message": "Unauthorized"}, AuthenticationError, "Unauthorized"),
        (
            403,
            {"message": "Permission denied", "details": "Failed authentication"},
            AuthenticationError,
            "Permission denied: Failed authentication",
        ),
        (
            404,
            {"message": "Not Found", "details": "The requested domain does not exist."},
            DomainNotFoundError,
            "The requested domain does not exist.",
        ),
        (
            400,
            {"message": "This resource already exists."},
            RegistrarError,
            "This resource already exists.",
        ),
    ],
)
def test_errors_quote_namecom_and_never_the_token(
    monkeypatch, status, body, error, text
):
    registrar = namecom(monkeypatch, (status, body))[0]
    with pytest.raises(error) as info:
        registrar.add_record("example.com", RegistrarRecord(ds=DS))
    assert_quotes(info.value, text, "Name.com", [TOKEN], registrar.operations)
    assert info.value.status == status


def test_rate_limit_is_waited_out_and_retried(monkeypatch):
    registrar, transport = namecom(
        monkeypatch,
        (429, {"message": "Rate Limit Exceeded"}, {"Retry-After": "2"}),
        (200, {"dnssec": []}),
    )
    assert registrar.list_records("example.com") == []
    assert len(transport.sent) == 2


def test_api_url_option_replaces_the_base(monkeypatch):
    registrar, transport = namecom(
        monkeypatch, (200, {"dnssec": []}), namecom_api_url="https://api.dev.name.com/"
    )
    registrar.list_records("example.com")
    assert transport.sent[0].url == (
        "https://api.dev.name.com/core/v1/domains/example.com/dnssec"
    )


@pytest.mark.skipif(
    not SPEC.is_dir(), reason="Name.com's OpenAPI description is not here"
)
def test_requests_follow_the_published_openapi_description(monkeypatch):
    yaml = pytest.importorskip("yaml")
    spec = yaml.safe_load((SPEC / "namecom.api.yaml").read_text())
    registrar, transport = namecom(
        monkeypatch, (200, {"dnssec": [LISTED]}), (200, LISTED), (204, None)
    )
    registrar.list_records("example.com")
    registrar.add_record("example.com", RegistrarRecord(ds=DS))
    registrar.remove_record("example.com", RegistrarRecord(ds=DS, record_id=DIGEST))

    operations = {}
    for path, methods in spec["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"
        for method, operation in methods.items():
            operations[(method.upper(), pattern)] = operation
    schemas = spec["components"]["schemas"]
    assert spec["components"]["securitySchemes"]["BasicAuth"]["scheme"] == "basic"
    for request in transport.sent:
        path = request.path_url.split("?")[0]
        found = [
            operation
            for (method, pattern), operation in operations.items()
            if method == request.method and re.match(pattern, path)
        ]
        assert found, f"{request.method} {path} is not in Name.com's API"
        body_spec = found[0].get("requestBody")
        if request.body:
            ref = body_spec["content"]["application/json"]["schema"]["$ref"]
            schema = schemas[ref.rsplit("/", 1)[-1]]
            body = transport.body(transport.sent.index(request))
            assert set(body) <= set(schema["properties"])
            for name, value in body.items():
                kind = schema["properties"][name]["type"]
                assert isinstance(value, {"integer": int, "string": str}[kind]), name
    # The listing the adapter reads has the shape of ListDNSSECsResponse.
    listed = schemas["ListDNSSECsResponse"]
    assert "dnssec" in listed["required"]
    assert set(LISTED) <= set(schemas["DNSSEC"]["properties"])
