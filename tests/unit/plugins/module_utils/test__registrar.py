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
    bare_domain,
    quoted_domain,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrars import (
    ADAPTERS,
    make_registrar,
)
from ansible_collections.dnsops.dnssec.tests.unit.plugins.module_utils.registrar_transport import (
    KEY,
    Clock,
    install,
)

DS = make_ds("example.com.", KEY)


class Plain(Registrar):
    name = "plain"
    required_options = ("plain_token",)

    def __init__(self, params, listing=(), **kwargs):
        super().__init__(params, **kwargs)
        self.listing = list(listing)

    def list_records(self, domain):
        return list(self.listing)


def test_every_registrar_of_the_design_has_an_adapter():
    assert sorted(ADAPTERS) == sorted(REGISTRAR_ARGUMENT_SPEC["registrar"]["choices"])
    for name, adapter in ADAPTERS.items():
        assert adapter.name == name


@pytest.mark.parametrize(
    "name, takes, replaces_set, has_api",
    [
        ("dnsimple", "ds", False, True),
        ("gandi", "dnskey", False, True),
        ("ovh", "dnskey", True, True),
        ("namecom", "ds", False, True),
        ("porkbun", "ds", False, True),
        ("route53", "dnskey", False, True),
        ("manual", "ds", False, False),
    ],
)
def test_adapter_declares_what_it_takes_and_how_it_writes(
    name, takes, replaces_set, has_api
):
    adapter = ADAPTERS[name]
    assert adapter.takes == takes
    assert adapter.replaces_set is replaces_set
    assert adapter.has_api is has_api


@pytest.mark.parametrize(
    "name, missing",
    [
        (name, option)
        for name, adapter in sorted(ADAPTERS.items())
        for option in adapter.required_options
    ],
)
def test_missing_credentials_fail_before_any_call(monkeypatch, name, missing):
    transport = install(monkeypatch)
    params = {option: "lab-value" for option in ADAPTERS[name].required_options}
    params[missing] = None
    with pytest.raises(AuthenticationError, match=missing):
        make_registrar(name, params)
    assert transport.sent == []


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


class Answer:
    def __init__(self, status, body, text=""):
        self.status = status
        self.json = body
        self.text = text


@pytest.mark.parametrize(
    "answer, expected",
    [
        (Answer(400, {"message": "Bad digest"}), "Bad digest (HTTP 400)"),
        (Answer(502, None, "<html>\n Bad   Gateway </html>"), "<html> Bad Gateway"),
        (Answer(500, None, ""), "no error text (HTTP 500)"),
        (Answer(400, {"error": "no message member"}, "x"), "x (HTTP 400)"),
    ],
)
def test_error_message_quotes_the_registrar(answer, expected):
    assert Plain.error_message(answer).startswith(expected)


def test_wait_operation_polls_with_growing_pauses_until_done():
    clock = Clock()
    registrar = Plain({"plain_token": "x"}, sleep=clock.sleep, clock=clock)
    answers = iter([False, False, False, True])
    registrar.wait_operation(lambda: next(answers), "the task")
    assert clock.sleeps == [1.0, 2.0, 4.0]


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


def waiting(states, first=None, timeout=60):
    clock = Clock()
    registrar = Plain(
        {"plain_token": "x", "registrar_operation_timeout": timeout},
        sleep=clock.sleep,
        clock=clock,
    )
    reads = iter(states)
    seen = []

    def read():
        seen.append(1)
        return next(reads)

    def wait():
        registrar.wait_until_done(
            "task 7",
            read,
            status_key="status",
            done=("DONE",),
            failed=("error",),
            reason_key="comment",
            first=first,
        )

    return wait, clock, seen


def test_wait_until_done_judges_the_write_answer_then_reads_at_once():
    wait, clock, seen = waiting([{"status": "doing"}, {"status": "done"}], first={})
    wait()
    assert len(seen) == 2
    assert clock.sleeps == [1.0]


def test_wait_until_done_needs_no_read_when_the_write_finished():
    wait, _clock, seen = waiting([], first={"status": "Done"})
    wait()
    assert seen == []


def test_wait_until_done_quotes_the_reason_of_a_failure():
    wait, _clock, _seen = waiting(
        [{"status": "todo"}, {"status": "ERROR", "comment": "refused by the registry"}]
    )
    with pytest.raises(RegistrarError, match="task 7 ended in ERROR: refused by"):
        wait()


def test_wait_until_done_fails_at_the_deadline():
    wait, clock, _seen = waiting([{"status": "todo"}] * 50, timeout=5)
    with pytest.raises(OperationTimeoutError, match="task 7 did not finish within 5"):
        wait()
    assert clock.now == 5.0


def test_key_entry_keeps_the_registry_digest_or_computes_sha256():
    registrar = Plain({"plain_token": "x"})
    key = {"flags": 257, "algorithm": 13, "public_key": KEY.public_key}
    sha384 = make_ds("example.com.", KEY, 4)
    listed = registrar.key_entry(
        "example.com.",
        7,
        key,
        {"key_tag": None, "digest_type": 4, "digest": sha384.digest.lower()},
    )
    assert listed == RegistrarRecord(ds=sha384, dnskey=KEY, record_id="7")
    assert registrar.key_entry("example.com.", None, key).ds == DS
    with pytest.raises(RegistrarError, match="cannot read DS record 9 of example"):
        registrar.key_entry(
            "example.com", 9, dict(key, algorithm=None), what="DS record"
        )


@pytest.mark.parametrize(
    "entry, error",
    [
        ({"tag": DS.key_tag, "alg": 13, "type": 2, "hash": DS.digest}, None),
        ({"tag": DS.key_tag, "alg": 13, "type": 2}, "digest is missing"),
        ("not an object", "not an object"),
    ],
)
def test_ds_entry_reads_the_named_members(entry, error):
    registrar = Plain({"plain_token": "x"})
    fields = ("tag", "alg", "type", "hash")
    if error is None:
        assert registrar.ds_entry("example.com", entry, fields) == DS
        return
    with pytest.raises(RegistrarError, match=f"cannot read a DS record.*{error}"):
        registrar.ds_entry("example.com", entry, fields)


def test_writes_refuse_the_wrong_form_of_record():
    registrar = Plain({"plain_token": "x"})
    with pytest.raises(RegistrarError, match="plain takes DNSKEY data, and DS"):
        registrar.key_of(RegistrarRecord(ds=DS))
    with pytest.raises(RegistrarError, match="plain takes DS data; no DS was given"):
        registrar.ds_of(RegistrarRecord(dnskey=KEY))
    assert registrar.key_of(RegistrarRecord(dnskey=KEY)) == KEY
    assert registrar.ds_of(RegistrarRecord(ds=DS)) == DS


def test_listed_id_is_looked_up_by_key_or_ds():
    listed = RegistrarRecord(ds=DS, dnskey=KEY, record_id="k-1")
    registrar = Plain({"plain_token": "x"}, listing=[listed])
    assert registrar.listed_id("example.com", RegistrarRecord(ds=DS)) == "k-1"
    assert registrar.listed_id("example.com", RegistrarRecord(dnskey=KEY)) == "k-1"
    assert registrar.listed_id("example.com", RegistrarRecord(record_id="k-2")) == (
        "k-2"
    )
    with pytest.raises(RegistrarError, match="is not among the DNSSEC keys"):
        Plain({"plain_token": "x"}).listed_id("example.com", RegistrarRecord(ds=DS))


def test_domain_spellings():
    assert bare_domain("Example.COM.") == "example.com"
    assert quoted_domain("Ex/ample.com.") == "ex%2Fample.com"
