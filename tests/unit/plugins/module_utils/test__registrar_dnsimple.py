# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

from __future__ import annotations

import pytest

from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import parse_ds
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar import (
    AuthenticationError,
    DomainNotFoundError,
    RegistrarError,
    RegistrarRecord,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar_dnsimple import (
    DnsimpleRegistrar,
)
from ansible_collections.dnsops.dnssec.tests.unit.plugins.module_utils.registrar_transport import (
    KEY,
    assert_quotes,
    install,
)

TOKEN = "dnsimple-secret-token-42"
DIGEST = "C1F5B4D6A7E8F90123456789ABCDEF0123456789ABCDEF0123456789ABCDEF01"
DS = parse_ds(f"24556 13 2 {DIGEST}")
BASE = "https://api.dnsimple.com/v2/1010/domains/example.com/ds_records"
ITEM = {
    "id": 24,
    "domain_id": 1010,
    "algorithm": "13",
    "digest": DIGEST,
    "digest_type": "2",
    "keytag": "24556",
    "public_key": None,
    "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
}
PAGE = {"current_page": 1, "per_page": 100, "total_entries": 1, "total_pages": 1}


def dnsimple(monkeypatch, *answers):
    transport = install(monkeypatch, *answers)
    options = {"dnsimple_token": TOKEN, "dnsimple_account": "1010"}
    return DnsimpleRegistrar(options, sleep=lambda seconds: None), transport


def test_list_reads_ds_records_with_their_ids(monkeypatch):
    registrar, transport = dnsimple(
        monkeypatch, (200, {"data": [ITEM], "pagination": PAGE})
    )
    [record] = registrar.list_records("example.com.")
    request = transport.sent[0]
    assert request.method == "GET"
    assert request.url.split("?")[0] == BASE
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert record == RegistrarRecord(ds=DS, record_id="24")
    assert registrar.operations[0]["url"] == BASE
    assert registrar.operations[0]["status"] == 200


def test_add_sends_the_public_key_when_known(monkeypatch):
    created = dict(ITEM, public_key=KEY.public_key)
    registrar, transport = dnsimple(monkeypatch, (201, {"data": created}))
    registrar.add_record("example.com", RegistrarRecord(ds=DS, dnskey=KEY))
    request = transport.sent[0]
    assert (request.method, request.url) == ("POST", BASE)
    assert transport.body(0) == {
        "algorithm": "13",
        "digest": DIGEST,
        "digest_type": "2",
        "keytag": "24556",
        "public_key": KEY.public_key,
    }


def test_remove_deletes_by_id(monkeypatch):
    registrar, transport = dnsimple(monkeypatch, (204, None))
    registrar.remove_record("example.com", RegistrarRecord(ds=DS, record_id="24"))
    assert (transport.sent[0].method, transport.sent[0].url) == ("DELETE", f"{BASE}/24")


@pytest.mark.parametrize(
    "status, body, error",
    [
        (401, {"message": "Authentication failed"}, AuthenticationError),
        (404, {"message": "Domain `example.com` not found"}, DomainNotFoundError),
        (
            400,
            {"message": "Validation failed", "errors": {"digest": ["is invalid"]}},
            RegistrarError,
        ),
    ],
)
def test_errors_are_mapped_and_quote_dnsimple(monkeypatch, status, body, error):
    registrar = dnsimple(monkeypatch, (status, body))[0]
    with pytest.raises(error) as info:
        registrar.add_record("example.com", RegistrarRecord(ds=DS))
    assert info.type is error
    assert_quotes(
        info.value, body["message"], "DNSimple", [TOKEN], registrar.operations
    )
    assert registrar.operations[-1]["status"] == status
