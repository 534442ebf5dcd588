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
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar_porkbun import (
    PorkbunRegistrar,
)
from ansible_collections.dnsops.dnssec.tests.unit.plugins.module_utils.registrar_transport import (
    assert_quotes,
    install,
)

KEY = "pk1_0123456789abcdef"
SECRET = "sk1_fedcba9876543210"
DIGEST = "15E445BD08128BDC213E25F1C8227DF4CB35186CAC701C1C335B2C406D5530DC"
DS = parse_ds(f"64087 13 2 {DIGEST}")
DS384 = parse_ds("64087 13 4 " + "AB" * 48)
OTHER = parse_ds("2371 13 2 " + "CD" * 32)
BASE = "https://api.porkbun.com/api/json/v3/dns"
AUTH = {"secretapikey": SECRET, "apikey": KEY}


def porkbun(monkeypatch, *answers, **params):
    transport = install(monkeypatch, *answers)
    options = {"porkbun_api_key": KEY, "porkbun_secret_api_key": SECRET}
    options.update(params)
    return PorkbunRegistrar(options, sleep=lambda seconds: None), transport


def test_list_posts_the_keys_and_reads_the_object_keyed_by_tag(monkeypatch):
    listing = {
        "status": "SUCCESS",
        "records": {
            "64087": {
                "keyTag": "64087",
                "alg": "13",
                "digestType": "2",
                "digest": DIGEST,
            }
        },
    }
    registrar, transport = porkbun(monkeypatch, (200, listing))
    [record] = registrar.list_records("example.com.")
    request = transport.sent[0]
    assert (request.method, request.url) == (
        "POST",
        f"{BASE}/getDnssecRecords/example.com",
    )
    assert request.headers["Content-Type"] == "application/json"
    assert transport.body(0) == AUTH
    assert record == RegistrarRecord(ds=DS, record_id="64087")
    # The URL recorded in operations never holds the keys.
    assert KEY not in str(registrar.operations) and SECRET not in str(
        registrar.operations
    )


def test_list_accepts_an_empty_answer(monkeypatch):
    registrar = porkbun(monkeypatch, (200, {"status": "SUCCESS", "records": []}))[0]
    assert registrar.list_records("example.com") == []


def test_add_sends_the_ds_fields_as_strings(monkeypatch):
    registrar, transport = porkbun(monkeypatch, (200, {"status": "SUCCESS"}))
    registrar.add_record("example.com", RegistrarRecord(ds=DS))
    request = transport.sent[0]
    assert (request.method, request.url) == (
        "POST",
        f"{BASE}/createDnssecRecord/example.com",
    )
    assert transport.body(0) == dict(
        AUTH, keyTag="64087", alg="13", digestType="2", digest=DIGEST
    )


def test_remove_deletes_by_key_tag(monkeypatch):
    registrar, transport = porkbun(monkeypatch, (200, {"status": "SUCCESS"}))
    registrar.remove_record("example.com", RegistrarRecord(ds=DS, record_id="64087"))
    request = transport.sent[0]
    assert (request.method, request.url) == (
        "POST",
        f"{BASE}/deleteDnssecRecord/example.com/64087",
    )
    assert transport.body(0) == AUTH


def test_a_removal_takes_every_record_with_the_tag():
    registrar = PorkbunRegistrar(
        {"porkbun_api_key": KEY, "porkbun_secret_api_key": SECRET}
    )
    records = [
        RegistrarRecord(ds=DS),
        RegistrarRecord(ds=DS384),
        RegistrarRecord(ds=OTHER),
    ]
    assert registrar.removal_siblings(records, records[0]) == records[:2]


@pytest.mark.parametrize(
    "status, message, error",
    [
        (400, "Invalid API key. (002)", AuthenticationError),
        (400, "Domain is not opted in to API access.", AuthenticationError),
        (400, "Invalid domain.", DomainNotFoundError),
        (400, "Invalid digest.", RegistrarError),
    ],
)
def test_errors_quote_porkbun_and_never_the_keys(monkeypatch, status, message, error):
    answer = (status, {"status": "ERROR", "message": message})
    registrar = porkbun(monkeypatch, answer)[0]
    with pytest.raises(error) as info:
        registrar.add_record("example.com", RegistrarRecord(ds=DS))
    assert_quotes(info.value, message, "Porkbun", [KEY, SECRET], registrar.operations)
    assert info.type is error


def test_a_200_without_success_is_an_error(monkeypatch):
    registrar = porkbun(monkeypatch, (200, {"status": "ERROR", "message": "odd"}))[0]
    with pytest.raises(RegistrarError, match="odd"):
        registrar.list_records("example.com")


def test_a_read_is_retried_after_a_server_error(monkeypatch):
    registrar, transport = porkbun(
        monkeypatch,
        (500, {"status": "ERROR", "message": "Internal server error."}),
        (200, {"status": "SUCCESS", "records": {}}),
    )
    assert registrar.list_records("example.com") == []
    assert len(transport.sent) == 2


def test_a_create_is_not_repeated_after_a_server_error(monkeypatch):
    # A POST that failed with 500 may have been carried out: no blind retry.
    registrar, transport = porkbun(
        monkeypatch, (500, {"status": "ERROR", "message": "Internal server error."})
    )
    with pytest.raises(RegistrarError, match="Internal server error"):
        registrar.add_record("example.com", RegistrarRecord(ds=DS))
    assert len(transport.sent) == 1
