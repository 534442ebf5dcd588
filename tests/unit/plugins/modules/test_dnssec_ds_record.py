# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""Unit tests of the dnssec_ds_record module: arguments in, result out. No network."""

from __future__ import annotations

import json
import typing as t

import pytest
import yaml
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.dnsops.dnssec.plugins.module_utils._ds_change import (
    SafetyError,
)
from ansible_collections.dnsops.dnssec.plugins.modules import dnssec_ds_record

DS = "2371 13 2 " + "AB" * 32


class Exit(Exception):
    """Raised instead of the module exiting; carries the result."""

    def __init__(self, result: dict[str, t.Any], failed: bool):
        super().__init__(result)
        self.result = result
        self.failed = failed


class FakeChange:
    """Stands in for DsChange; records how the module built it."""

    built: list[dict[str, t.Any]] = []
    outcome: t.Callable[[], dict[str, t.Any]] = dict

    def __init__(self, registrar, dns, domain, wanted, **kwargs):
        self.warnings = ["a warning"]
        FakeChange.built.append(
            dict(kwargs, registrar=registrar, domain=domain, wanted=wanted)
        )

    def run(self):
        return FakeChange.outcome()


def run_module(monkeypatch, args, outcome=None, check=False, diff=False) -> Exit:
    FakeChange.built = []
    result = {
        "changed": True,
        "before": [],
        "after": [],
        "operations": [],
        "diff": {"before": "", "after": f"DS {DS}\n"},
    }
    FakeChange.outcome = outcome or (lambda: dict(result))

    def exit_json(self, **kwargs):
        raise Exit(kwargs, False)

    def fail_json(self, **kwargs):
        raise Exit(kwargs, True)

    args = dict(args, _ansible_check_mode=check, _ansible_diff=diff)
    payload = json.dumps({"ANSIBLE_MODULE_ARGS": args})
    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", to_bytes(payload))
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy", raising=False)
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    monkeypatch.setattr(dnssec_ds_record, "DsChange", FakeChange)
    with pytest.raises(Exit) as raised:
        dnssec_ds_record.main()
    return raised.value


BASE = {
    "domain": "example.com",
    "registrar": "namecom",
    "namecom_username": "user",
    "namecom_token": "token-1234",
}


def test_defaults_and_check_mode_reach_the_change(monkeypatch):
    done = run_module(monkeypatch, dict(BASE, records=[DS]), check=True)
    assert not done.failed
    [built] = FakeChange.built
    assert built["state"] == "present"
    assert built["digest_type"] == 2
    assert built["allow_unsafe"] is False
    assert built["check_mode"] is True
    assert built["registrar"].name == "namecom"
    assert built["wanted"][0].ds.key_tag == 2371
    assert "diff" not in done.result


def test_diff_is_returned_in_diff_mode(monkeypatch):
    done = run_module(monkeypatch, dict(BASE, records=[DS]), diff=True)
    assert done.result["diff"]["after"] == f"DS {DS}\n"


def test_malformed_record_fails_before_any_change(monkeypatch):
    done = run_module(monkeypatch, dict(BASE, records=["1 13 2 XYZ"]))
    assert done.failed
    assert "hexadecimal" in done.result["msg"]
    assert FakeChange.built == []


def test_missing_credentials_fail_before_any_change(monkeypatch):
    monkeypatch.delenv("NAMECOM_TOKEN", raising=False)
    args = {k: v for k, v in BASE.items() if k != "namecom_token"}
    done = run_module(monkeypatch, dict(args, records=[DS]))
    assert done.failed
    assert "namecom_token" in done.result["msg"]
    assert FakeChange.built == []


def test_credentials_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("NAMECOM_TOKEN", "env-token-5678")
    args = {k: v for k, v in BASE.items() if k != "namecom_token"}
    done = run_module(monkeypatch, dict(args, records=[DS]))
    assert not done.failed
    assert FakeChange.built[0]["registrar"].params["namecom_token"] == "env-token-5678"


def test_sha1_digest_type_is_not_a_choice(monkeypatch):
    done = run_module(monkeypatch, dict(BASE, records=[DS], digest_type=1))
    assert done.failed
    assert "digest_type" in done.result["msg"]


def test_records_or_keys_is_required(monkeypatch):
    done = run_module(monkeypatch, dict(BASE))
    assert done.failed
    assert "records" in done.result["msg"] and "keys" in done.result["msg"]


def test_a_refusal_fails_with_the_partial_result(monkeypatch):
    partial = {"changed": False, "before": [{"ds": None}], "diff": {"before": ""}}

    def refuse():
        raise SafetyError("refusing ... (safety rule 1)", partial)

    done = run_module(monkeypatch, dict(BASE, records=[DS], state="absent"), refuse)
    assert done.failed
    assert "safety rule 1" in done.result["msg"]
    assert done.result["before"] == [{"ds": None}]
    assert "diff" not in done.result


def test_documentation_matches_the_argument_spec():
    doc = yaml.safe_load(dnssec_ds_record.DOCUMENTATION)
    spec = dnssec_ds_record.argument_spec()
    own = set(doc["options"])
    # The rest comes from the registrar and resolver doc fragments.
    assert own == {"domain", "records", "keys", "state", "digest_type", "allow_unsafe"}
    for name in own:
        assert doc["options"][name]["type"] == spec[name]["type"], name
        assert doc["options"][name].get("default") == spec[name].get("default"), name
        assert doc["options"][name].get("choices") == spec[name].get("choices"), name
