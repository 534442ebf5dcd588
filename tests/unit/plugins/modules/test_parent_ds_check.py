# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""Unit tests of the parent_ds_check module: arguments in, result out. No network."""

from __future__ import annotations

import json
import typing as t

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.dnsops.dnssec.plugins.modules import parent_ds_check


class Exit(Exception):
    """Raised instead of the module exiting; carries the result."""

    def __init__(self, result: dict[str, t.Any], failed: bool):
        super().__init__(result)
        self.result = result
        self.failed = failed


def run_module(monkeypatch, args: dict[str, t.Any], outcome) -> Exit:
    seen: dict[str, t.Any] = {}

    def run_check(params):
        seen.update(params)
        return outcome

    def exit_json(self, **kwargs):
        raise Exit(kwargs, False)

    def fail_json(self, **kwargs):
        raise Exit(kwargs, True)

    payload = json.dumps({"ANSIBLE_MODULE_ARGS": args})
    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", to_bytes(payload))
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy", raising=False)
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    monkeypatch.setattr(parent_ds_check, "run_check", run_check)
    with pytest.raises(Exit) as raised:
        parent_ds_check.main()
    raised.value.params = seen  # type: ignore[attr-defined]
    return raised.value


def test_defaults_reach_the_check(monkeypatch) -> None:
    done = run_module(
        monkeypatch,
        {"domain": "example.test", "records": ["1 13 2 " + "AB" * 32]},
        (False, {"changed": False, "holds": True}),
    )
    assert not done.failed
    params = done.params  # type: ignore[attr-defined]
    assert params["state"] == "present"
    assert params["wait_timeout"] == 0
    assert params["validate"] is False
    assert params["query_timeout"] == 5
    assert params["query_retry"] == 2
    assert params["resolvers"] is None
    assert params["parent_servers"] is None


def test_a_state_that_does_not_hold_fails(monkeypatch) -> None:
    done = run_module(
        monkeypatch,
        {"domain": "example.test", "records": ["1 13 2 " + "AB" * 32]},
        (True, {"changed": False, "holds": False, "msg": "192.0.2.1: timeout"}),
    )
    assert done.failed
    assert done.result["msg"] == "192.0.2.1: timeout"
    assert done.result["holds"] is False


def test_check_mode_is_supported(monkeypatch) -> None:
    done = run_module(
        monkeypatch,
        {"domain": "example.test", "state": "exact", "_ansible_check_mode": True},
        (False, {"changed": False, "holds": True}),
    )
    assert not done.failed
    assert done.result["changed"] is False


def test_unknown_state_is_rejected(monkeypatch) -> None:
    done = run_module(
        monkeypatch,
        {"domain": "example.test", "state": "gone"},
        (False, {}),
    )
    assert done.failed
    assert "state" in done.result["msg"]
