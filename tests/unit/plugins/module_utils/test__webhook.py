# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

from __future__ import annotations

import copy
import json
import typing as t

import pytest

from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    DNSKEY,
    DSRecord,
    ds_matches_key,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._webhook import (
    WebhookError,
    parse_event,
)

# An ECDSA P-256 KSK and its SHA-256 DS, for the zone example.net.
PUBLIC_KEY = "u50ur7kRx8fmCN9qmcqfAWg5Pdq22/etoyWW0IU63lSkcypQwugemwqd0qXB1Ga6C4k4p1d1exyiB+YXeUE6zg=="
KEYTAG = "26786"
DIGEST = "18F93FDC9A397604E387B4B1B1CAB675D389738A5A9DDAE6222846E69641D187"


def envelope(name: str, data: dict[str, t.Any]) -> dict[str, t.Any]:
    return {
        "name": name,
        "api_version": "v2",
        "request_identifier": "0f6a0b7e-5c43-4f3e-9d2a-2b4a7c1e9f10",
        "account": {"id": 1010, "display": "Ops", "identifier": "ops"},
        "actor": {"id": "", "entity": "dnsimple", "pretty": "support@dnsimple.com"},
        "data": data,
    }


def rotation(name: str = "dnssec.rotation_start") -> dict[str, t.Any]:
    return envelope(
        name,
        {
            "zone": {"id": 7, "name": "Example.NET", "account_id": 1010},
            "dnssec": {"enabled": True},
            "delegation_signer_record": {
                "id": None,
                "digest": DIGEST,
                "keytag": KEYTAG,
                "algorithm": "13",
                "domain_id": 7,
                "public_key": PUBLIC_KEY,
                "digest_type": "2",
                "created_at": None,
                "updated_at": None,
            },
        },
    )


@pytest.mark.parametrize("name", ["dnssec.rotation_start", "dnssec.rotation_complete"])
def test_rotation_events_give_typed_records(name):
    event = parse_event(rotation(name))

    assert event.name == name
    assert event.known and event.is_dnssec and event.is_rotation
    assert event.zone == "example.net"
    assert event.account_id == "1010"
    assert event.ds == DSRecord(26786, 13, 2, DIGEST)
    assert event.dnskey == DNSKEY(257, 3, 13, PUBLIC_KEY)
    assert event.to_dict()["ds"]["key_tag"] == 26786
    assert event.dnskey.key_tag == event.ds.key_tag
    assert ds_matches_key("example.net", event.ds, event.dnskey)


@pytest.mark.parametrize("form", [json.dumps, lambda d: json.dumps(d).encode()])
def test_json_text_and_bytes_parse_like_dicts(form):
    assert parse_event(form(rotation())) == parse_event(rotation())


@pytest.mark.parametrize("name", ["dnssec.create", "dnssec.delete"])
def test_dnssec_create_and_delete_carry_the_zone_only(name):
    event = parse_event(
        envelope(name, {"zone": {"name": "example.net"}, "dnssec": {"enabled": True}})
    )
    assert event.zone == "example.net"
    assert event.ds is None and event.dnskey is None
    assert event.is_dnssec and not event.is_rotation and event.known
    assert event.dnssec == {"enabled": True}


def test_known_non_dnssec_event():
    event = parse_event(envelope("zone_record.create", {"zone_record": {"id": 1}}))
    assert event.known and not event.is_dnssec and event.zone is None


def test_unknown_event_parses_as_unknown():
    event = parse_event(envelope("dnssec.something_new", {"anything": [1, 2]}))
    assert not event.known
    assert event.is_dnssec and not event.is_rotation
    assert event.ds is None


def test_missing_public_key_gives_no_dnskey():
    payload = rotation()
    payload["data"]["delegation_signer_record"]["public_key"] = None
    event = parse_event(payload)
    assert event.dnskey is None and event.ds is not None


def _without(path: str) -> dict[str, t.Any]:
    payload = copy.deepcopy(rotation())
    *parents, last = path.split(".")
    node = payload
    for part in parents:
        node = node[part]
    del node[last]
    return payload


def _with(path: str, value: t.Any) -> dict[str, t.Any]:
    payload = copy.deepcopy(rotation())
    *parents, last = path.split(".")
    node = payload
    for part in parents:
        node = node[part]
    node[last] = value
    return payload


DS = "data.delegation_signer_record"


@pytest.mark.parametrize(
    "payload, field",
    [
        (_without("name"), "name"),
        (_without("request_identifier"), "request_identifier"),
        (_with("request_identifier", ""), "request_identifier"),
        (_without("account"), "account"),
        (_without("account.id"), "account.id"),
        (_with("account", "1010"), "account"),
        (_without("data"), "data"),
        (_with("data", []), "data"),
        (_without("data.zone"), "data.zone"),
        (_without("data.zone.name"), "data.zone.name"),
        (_without(DS), DS),
        (_without(f"{DS}.digest"), f"{DS}.digest"),
        (_with(f"{DS}.digest", "XYZ"), f"{DS}.digest"),
        (_with(f"{DS}.digest", DIGEST[:40]), f"{DS}.digest"),
        (_with(f"{DS}.keytag", "sixty"), f"{DS}.keytag"),
        (_with(f"{DS}.keytag", "70000"), f"{DS}.keytag"),
        (_with(f"{DS}.algorithm", None), f"{DS}.algorithm"),
        (_with(f"{DS}.algorithm", "NOPE"), f"{DS}.algorithm"),
        (_with(f"{DS}.digest_type", "x"), f"{DS}.digest_type"),
        (_with(f"{DS}.digest_type", ["2"]), f"{DS}.digest_type"),
        (_with(f"{DS}.public_key", "not base64!"), f"{DS}.public_key"),
    ],
)
def test_malformed_payloads_name_the_field(payload, field):
    with pytest.raises(WebhookError) as info:
        parse_event(payload)
    assert info.value.field == field
    assert str(info.value).startswith(field)


@pytest.mark.parametrize("payload", ["{not json", b"\xff\xfe", "[1, 2]", 42])
def test_non_objects_are_rejected(payload):
    with pytest.raises(WebhookError, match="payload"):
        parse_event(payload)
