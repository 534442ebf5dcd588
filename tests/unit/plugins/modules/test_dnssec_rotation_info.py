# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""Unit tests of the dnssec_rotation_info module: arguments in, result out. No network."""

from __future__ import annotations

import json
import typing as t

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.dnsops.dnssec.plugins.module_utils import _rotation
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar import (
    RegistrarRecord,
)
from ansible_collections.dnsops.dnssec.plugins.modules import dnssec_rotation_info
from ansible_collections.dnsops.dnssec.tests.unit.plugins.module_utils.test__child import (
    ZONE,
    Key,
    child_view,
    publish,
)

TOKEN = "dnsimple-secret-token-value"


class Exit(Exception):
    def __init__(self, result: dict[str, t.Any], failed: bool):
        super().__init__(result)
        self.result = result
        self.failed = failed


@pytest.fixture(scope="module")
def keys():
    return {"old": Key(), "new": Key(), "zsk": Key(flags=256)}


def gathered(keys, published, parent_names):
    def view(address):
        return publish(
            address,
            [keys[n] for n in published],
            [keys[n] for n in published],
            cds=[keys[published[-1]]],
            zsk=keys["zsk"],
        )

    child = child_view(view("127.0.0.4"), view("127.0.0.5"))
    parent = [
        _rotation.ParentAddress(
            "ns1.test.", address, True, tuple(keys[n].ds for n in parent_names), ttl=5
        )
        for address in ("127.0.0.2", "127.0.0.3")
    ]
    return lambda client, domain: _rotation._Domain(
        domain, child, parent, {"zone": "test.", "servers": [], "error": None}
    )


class FakeDnsimple:
    def __init__(self):
        self.calls: list[str] = []

    def list_domains(self):
        self.calls.append("list")
        return []

    def domain_status(self, name):
        self.calls.append(f"status {name}")
        return {"name": name.rstrip("."), "state": "hosted", "dnssec_enabled": True}


class FakeRegistrar:
    name = "gandi"
    has_api = True

    def __init__(self, records):
        self.records = records
        self.calls: list[str] = []

    def list_records(self, domain):
        self.calls.append(domain)
        return self.records


def run(monkeypatch, args, gather, dnsimple=None, registrar=None, check_mode=False):
    monkeypatch.setattr(_rotation, "_gather_dns", gather)
    if dnsimple is not None:
        monkeypatch.setattr(
            _rotation, "dnsimple_client_from_params", lambda params: dnsimple
        )
    if registrar is not None:
        monkeypatch.setattr(_rotation, "make_registrar", lambda name, params: registrar)

    def exit_json(self, **kwargs):
        raise Exit(kwargs, False)

    def fail_json(self, **kwargs):
        raise Exit(kwargs, True)

    args = dict(args)
    if check_mode:
        args["_ansible_check_mode"] = True
    payload = json.dumps({"ANSIBLE_MODULE_ARGS": args})
    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", to_bytes(payload))
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy", raising=False)
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    with pytest.raises(Exit) as raised:
        dnssec_rotation_info.main()
    return raised.value


def test_stable_costs_no_registrar_call(monkeypatch, keys):
    registrar = FakeRegistrar([])
    done = run(
        monkeypatch,
        {"domain": ZONE, "registrar": "gandi", "gandi_token": "x"},
        gathered(keys, ["old"], ["old"]),
        registrar=registrar,
    )
    assert not done.failed and done.result["changed"] is False
    assert [d["phase"] for d in done.result["domains"]] == ["stable"]
    assert registrar.calls == []


def test_dnsimple_list_is_shared(monkeypatch, keys):
    dnsimple = FakeDnsimple()
    done = run(
        monkeypatch,
        {"domains": ["a.test", "b.test", "A.test."], "dnsimple_token": TOKEN},
        gathered(keys, ["old"], ["old"]),
        dnsimple=dnsimple,
    )
    assert [d["domain"] for d in done.result["domains"]] == ["a.test", "b.test"]
    # One list call for the run, one status call per domain.
    assert dnsimple.calls == ["list", "status a.test.", "status b.test."]
    assert done.result["domains"][0]["dnsimple"]["state"] == "hosted"
    assert TOKEN not in json.dumps(done.result)


def test_registrar_view_tells_submitted(monkeypatch, keys):
    registrar = FakeRegistrar(
        [RegistrarRecord(ds=keys["old"].ds), RegistrarRecord(dnskey=keys["new"].dnskey)]
    )
    done = run(
        monkeypatch,
        {"domain": ZONE, "registrar": "gandi", "gandi_token": "x"},
        gathered(keys, ["old", "new"], ["old"]),
        registrar=registrar,
    )
    [entry] = done.result["domains"]
    assert entry["phase"] == "submitted"
    assert registrar.calls == [ZONE.rstrip(".")]
    assert entry["registrar"]["error"] is None
    assert entry["actions"][0]["action"] == "remove"
    assert entry["actions"][0]["safe"] is False


def test_dns_alone_reports_rotation_started(monkeypatch, keys):
    done = run(monkeypatch, {"domain": ZONE}, gathered(keys, ["old", "new"], ["old"]))
    [entry] = done.result["domains"]
    assert entry["phase"] == "rotation_started"
    assert entry["dnsimple"] is None and entry["registrar"] is None
    assert entry["actions"][0]["action"] == "add"
    assert entry["actions"][0]["ds"]["text"] == keys["new"].ds.to_text()


def test_event_names_the_domain(monkeypatch, keys):
    event = {
        "name": "dnssec.rotation_start",
        "request_identifier": "b7d8f2f4-1111-4b4b-9c9c-000000000000",
        "account": {"id": 1},
        "data": {
            "zone": {"name": ZONE.rstrip(".")},
            "delegation_signer_record": {
                "keytag": str(keys["new"].ds.key_tag),
                "algorithm": "13",
                "digest_type": "2",
                "digest": keys["new"].ds.digest,
            },
        },
    }
    done = run(monkeypatch, {"event": event}, gathered(keys, ["old", "new"], ["old"]))
    [entry] = done.result["domains"]
    assert entry["domain"] == ZONE.rstrip(".")
    assert entry["event"]["matches_child"] is True
    assert entry["event"]["agrees"] is True


def test_bad_event_fails(monkeypatch, keys):
    done = run(
        monkeypatch,
        {"domain": ZONE, "event": {"name": "dnssec.rotation_start"}},
        gathered(keys, ["old"], ["old"]),
    )
    assert done.failed
    assert "event" in done.result["msg"]


def test_needs_a_domain(monkeypatch, keys):
    done = run(monkeypatch, {}, gathered(keys, ["old"], ["old"]))
    assert done.failed


def test_check_mode_does_not_write_the_state_file(monkeypatch, keys, tmp_path):
    path = tmp_path / "state.json"
    args = {"domain": ZONE, "state_file": str(path)}
    gather = gathered(keys, ["old", "new"], ["old", "new"])
    done = run(monkeypatch, args, gather, check_mode=True)
    assert not done.failed and not path.exists()
    done = run(monkeypatch, args, gather)
    assert not done.failed and path.exists()
    data = json.loads(path.read_text())
    assert keys["new"].ds.to_text() in data["domains"][ZONE]["ds_first_seen"]
