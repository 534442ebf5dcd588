# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

from __future__ import annotations

import pytest
import yaml

from ansible_collections.dnsops.dnssec.plugins.doc_fragments.registrar import (
    ModuleDocFragment,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    make_ds,
    parse_dnskey,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar import (
    REGISTRAR_ARGUMENT_SPEC,
    SECRET_OPTIONS,
    AuthenticationError,
    DomainNotFoundError,
    OperationTimeoutError,
    Registrar,
    RegistrarError,
    RegistrarRecord,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrars import (
    ADAPTERS,
    make_registrar,
)

KEY = parse_dnskey(
    "257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+"
    "KkxLbxILfDLUT0rAK9iUzy1L53eKGQ=="
)


class Plain(Registrar):
    name = "plain"
    required_options = ("plain_token",)

    def list_records(self, domain):
        return []


class Clock:
    def __init__(self):
        self.now = 0.0
        self.pauses = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.pauses.append(seconds)
        self.now += seconds


def test_every_registrar_of_the_design_has_an_adapter():
    assert sorted(ADAPTERS) == sorted(REGISTRAR_ARGUMENT_SPEC["registrar"]["choices"])
    for name, adapter in ADAPTERS.items():
        assert adapter.name == name
        assert adapter.takes in ("ds", "dnskey")
    assert ADAPTERS["ovh"].replaces_set is True
    assert ADAPTERS["gandi"].takes == ADAPTERS["route53"].takes == "dnskey"


def test_unknown_registrar_is_a_clear_error():
    with pytest.raises(RegistrarError, match="unknown registrar 'acme'"):
        make_registrar("acme", {})


def test_every_secret_is_no_log_with_an_environment_fallback():
    for name in SECRET_OPTIONS:
        spec = REGISTRAR_ARGUMENT_SPEC[name]
        assert spec["no_log"] is True, name
        assert spec["fallback"][1] == [name.upper()], name
    for name, spec in REGISTRAR_ARGUMENT_SPEC.items():
        if name not in SECRET_OPTIONS:
            assert not spec.get("no_log"), name


def test_doc_fragment_documents_the_argument_spec_exactly():
    options = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    assert sorted(options) == sorted(REGISTRAR_ARGUMENT_SPEC)
    for name, spec in REGISTRAR_ARGUMENT_SPEC.items():
        doc = options[name]
        assert doc["type"] == spec["type"], name
        assert doc.get("default") == spec.get("default"), name
        assert doc.get("choices") == spec.get("choices"), name
        assert bool(doc.get("required")) == bool(spec.get("required")), name
        fallback = spec.get("fallback")
        if fallback:
            assert f"E({fallback[1][0]})" in " ".join(doc["description"]), name


def test_missing_credentials_name_the_option():
    with pytest.raises(AuthenticationError, match="plain_token"):
        Plain({})


def test_redact_removes_every_secret_value():
    registrar = Plain(
        {"plain_token": "x", "namecom_token": "tok-secret-1", "gandi_token": "g-2345"}
    )
    assert registrar.redact("a tok-secret-1 b g-2345") == "a ******** b ********"


@pytest.mark.parametrize(
    "status, domain, error",
    [
        (401, "", AuthenticationError),
        (403, "", AuthenticationError),
        (404, "example.com", DomainNotFoundError),
        (404, "", RegistrarError),
        (500, "example.com", RegistrarError),
    ],
)
def test_status_to_error(status, domain, error):
    exc = Plain({"plain_token": "x"}).error_for(status, "their words", domain)
    assert exc.__class__ is error
    assert "their words" in str(exc)
    assert exc.status == status


def test_wait_operation_polls_with_growing_pauses_until_done():
    clock = Clock()
    registrar = Plain({"plain_token": "x"}, sleep=clock.sleep, clock=clock)
    answers = iter([False, False, False, True])
    registrar.wait_operation(lambda: next(answers), "the task")
    assert clock.pauses == [1.0, 2.0, 4.0]


def test_wait_operation_fails_at_the_deadline():
    clock = Clock()
    registrar = Plain(
        {"plain_token": "x", "registrar_operation_timeout": 10},
        sleep=clock.sleep,
        clock=clock,
    )
    with pytest.raises(
        OperationTimeoutError, match="the task did not finish within 10"
    ):
        registrar.wait_operation(lambda: False, "the task")
    assert clock.now == 10.0


def test_record_model():
    ds = make_ds("example.com.", KEY)
    record = RegistrarRecord(dnskey=KEY, record_id="7")
    assert record.ds_for("example.com.") == ds
    assert record.key_tag == KEY.key_tag
    assert record.describe() == f"DNSKEY {KEY.to_text()}"
    assert record.to_dict() == {"ds": None, "dnskey": KEY.to_dict(), "record_id": "7"}
    assert RegistrarRecord(ds=ds).describe() == f"DS {ds.to_text()}"
