# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""dnssec_ds_record against every registrar simulator and the lab: the scenarios.

The module runs through ``ansible`` as an operator would.  Each simulator's
writes land in the lab's ``test.`` zone, and every parent server address is
asked for the DS set directly.  The scenarios run over the table of
``dnslab.sims.cases``; bad input, faults and what only some registrars do are
in ``test_ds_record_registrar_specifics.py``.
"""

from __future__ import annotations

import pytest

from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import parse_dnskey
from dnslab.sims import ds_text
from dnslab.sims.cases import (
    ALL,
    BY_NAME,
    ENV_SECRETS,
    OPTION_SECRETS,
    assert_failed_quoting,
    stray_key,
)
from dnslab.sims.runner import run_module, wait_parent, wait_parent_set

# Minutes of lab work: handed to a worker before the short modules (see dnslab.pytest_plugin).
pytestmark = pytest.mark.long_module

# -- every registrar ----------------------------------------------------------


@pytest.mark.parametrize("case", ALL, indirect=True)
def test_add_reaches_every_parent_server_then_nothing_to_do(case):
    case.empty()

    result, output = case.run(keys=[case.key["dnskey"]])

    assert result["failed"] is False, output
    assert result["changed"] is True
    assert result["before"] == []
    assert [entry["ds"]["text"] for entry in result["after"]] == [case.key["ds"]]
    (add,) = case.writes()
    case.registrar.check_add(case.sim, add, case.key)
    wait_parent_set(case.lab, case.zone, [case.key["ds"]])

    again, output = case.run(keys=[case.key["dnskey"]])

    assert again["failed"] is False, output
    assert again["changed"] is False
    assert len(case.writes()) == 1


@pytest.mark.parametrize("case", ALL, indirect=True)
def test_last_validating_ds_is_kept_unless_overridden(case):
    case.seed()
    absent = {"records": [case.key["ds"]], "state": "absent"}

    refused, output = case.run(**absent)

    assert refused["failed"] is True, output
    assert "safety rule 1" in refused["msg"]
    assert case.writes() == []
    assert len(case.sim.records(case.zone)) == 1
    wait_parent_set(case.lab, case.zone, [case.key["ds"]])

    removed, output = case.run(allow_unsafe=True, **absent)

    assert removed["failed"] is False, output
    assert removed["changed"] is True
    assert removed["after"] == []
    assert len(case.writes()) == 1
    assert case.sim.records(case.zone) == []
    wait_parent_set(case.lab, case.zone, [])


@pytest.mark.parametrize("case", ALL, indirect=True)
def test_check_and_diff_mode_make_no_write(case):
    case.empty()
    key = parse_dnskey(case.key["dnskey"])
    added = (
        f"DS {case.key['ds']}"
        if case.registrar.takes == "ds"
        else (f"DNSKEY {key.to_text()}")
    )

    result, output = case.run("--check", "--diff", keys=[case.key["dnskey"]])

    assert result["failed"] is False, output
    assert result["changed"] is True
    assert case.writes() == []
    assert f"+{added}" in output


@pytest.mark.parametrize(
    "case, form",
    [
        pytest.param(BY_NAME[name], form, id=f"{name}-{form}")
        for name in BY_NAME
        for form in ("keys", "records")
    ],
    indirect=["case"],
)
def test_a_key_the_child_does_not_publish_is_refused(case, form):
    stray = stray_key()
    given = (
        {"keys": [stray]}
        if form == "keys"
        else {"records": [ds_text(case.zone, stray)]}
    )

    result, output = case.run(**given)

    assert result["failed"] is True, output
    if form == "records" and case.registrar.takes == "dnskey":
        # No key to send: the child publishes none that the DS was made from.
        assert "takes DNSKEY data, and no key the child servers" in result["msg"]
    else:
        assert "safety rule 2" in result["msg"]
    assert case.writes() == []


@pytest.mark.parametrize("case", ALL, indirect=True)
def test_wrong_credentials_change_nothing_and_never_show_a_secret(case):
    wrong = case.registrar.wrong
    # ansible-core's error report quotes the start of an ad-hoc task's arguments
    # (the module cannot mask that), so the secrets come after the domain.
    args = case.args(records=[case.key["ds"]])
    for name, marker in OPTION_SECRETS.items():
        args.setdefault(name, marker)
    args.update(wrong)
    environment = {**ENV_SECRETS, **case.registrar.wrong_env}

    result, output = run_module(args, "-vvvv", env=environment)

    assert_failed_quoting(case, result, output, *case.registrar.refused_words)
    # The wrong credentials really reached the registrar, so a leak could show.
    assert case.registrar.carried(case.sim, case.sim.requests[-1])
    markers = list(OPTION_SECRETS.values()) + list(ENV_SECRETS.values())
    markers += list(wrong.values()) + list(case.registrar.wrong_env.values())
    leaked = [marker for marker in markers if marker in output or marker in str(result)]
    assert leaked == []


@pytest.mark.parametrize("case", ALL, indirect=True)
def test_unknown_domain_is_reported(case):
    other = case.lab.children[1].rstrip(".")

    result, output = case.run(domain=other, records=[case.key["ds"]])

    assert_failed_quoting(
        case,
        result,
        output,
        f"domain {other}",
        "not found",
        case.registrar.unknown_words.format(domain=other),
    )


@pytest.mark.parametrize("case", ALL, indirect=True)
def test_registry_sha1_extra_is_tolerated(case):
    case.empty()
    case.sim.fault = "sha1"

    result, output = case.run(keys=[case.key["dnskey"]])

    assert result["failed"] is False, output
    assert result["changed"] is True
    seen = wait_parent(
        case.lab, case.zone, lambda ds_set: any(d.split()[2] == "1" for d in ds_set)
    )
    assert all(case.key["ds"] in ds_set for ds_set in seen.values())

    again, output = case.run(keys=[case.key["dnskey"]], state="exact")

    assert again["failed"] is False, output
    assert again["changed"] is False
    assert len(case.writes()) == 1
