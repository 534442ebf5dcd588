# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""dnssec_ds_record against the registrar simulators: bad input, faults, quirks.

Bad input, failing and slow registrars over every simulator of
``dnslab.sims.cases``, then what only the registrars that take DS data, or
only one registrar, do.  The scenarios every registrar shares are in
``test_ds_record_registrars.py``.
"""

from __future__ import annotations

import pytest

from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    make_ds,
    parse_dnskey,
)
from dnslab.sims import ds_text
from dnslab.sims.cases import (
    ALL,
    ASYNCHRONOUS,
    BY_NAME,
    DS_TAKERS,
    assert_failed_quoting,
    only,
    public_key,
    request_json,
    stray_key,
)
from dnslab.sims.runner import parent_ds, wait_parent, wait_parent_set

# Minutes of lab work: handed to a worker before the short modules (see dnslab.pytest_plugin).
pytestmark = pytest.mark.long_module


@pytest.mark.parametrize(
    "case, record, message",
    [
        pytest.param(BY_NAME[name], record, message, id=f"{name}-{message[:3]}")
        for name in BY_NAME
        for record, message in (
            ("1234 13 2 NOTHEX", "hexadecimal"),
            ("1234 99 2 " + "AB" * 32, "not a DNSSEC signing algorithm"),
        )
    ],
    indirect=["case"],
)
def test_bad_input_is_a_clear_error_before_any_call(case, record, message):
    result, output = case.run(records=[record])

    assert result["failed"] is True, output
    assert message in result["msg"]
    assert case.sim.requests == []


@pytest.mark.parametrize(
    "case, fault",
    [
        pytest.param(BY_NAME[name], fault, id=f"{name}-{fault}")
        for name in BY_NAME
        for fault in ("429", "500", "timeout")
        # DNSimple's 429 means the hourly quota is spent: its reset is most of an
        # hour away, which the HTTP layer reports rather than waits out.
        if (name, fault) != ("dnsimple", "429")
    ],
    indirect=["case"],
)
def test_a_failed_read_is_retried(case, fault):
    case.seed()
    case.sim.fault, case.sim.fault_count, case.sim.timeout_delay = fault, 1, 3.0

    result, output = case.run(records=[case.key["ds"]], registrar_timeout=1)

    assert result["failed"] is False, output
    assert result["changed"] is False
    assert case.sim.fault is None, "the fault never happened"
    first, second = case.sim.requests[:2]
    assert (first.method, first.path, first.text) == (
        second.method,
        second.path,
        second.text,
    )
    assert case.writes() == []


@pytest.mark.parametrize("case", ALL, indirect=True)
def test_a_registrar_that_keeps_failing_is_a_clear_error(case):
    case.seed()
    case.sim.fault = "500"

    result, output = case.run(records=[case.key["ds"]])

    assert_failed_quoting(case, result, output, "500")


@pytest.mark.parametrize("case", only(*ASYNCHRONOUS), indirect=True)
def test_operation_that_stays_pending_is_a_failure(case):
    case.empty()
    case.sim.fault = "pending"

    result, output = case.run(keys=[case.key["dnskey"]], registrar_operation_timeout=3)

    assert result["failed"] is True, output
    assert "did not finish within 3 seconds" in result["msg"]
    assert parent_ds(case.lab, case.zone) == {
        address: [] for address in case.lab.parent_addresses
    }


# -- registrars that take DS data ---------------------------------------------


@pytest.mark.parametrize("case", only(*DS_TAKERS), indirect=True)
def test_keys_are_turned_into_the_ds_the_registrar_takes(case):
    key = parse_dnskey(case.key["dnskey"])

    result, output = case.run(keys=[key.to_text()], digest_type=4)

    assert result["changed"] is True, output
    assert make_ds(case.zone, key, 4).to_text() in case.sim.records(case.zone)


@pytest.mark.parametrize("case", only("namecom", "dnsimple"), indirect=True)
def test_a_second_digest_is_added_then_removed_again(case):
    case.seed()
    sha256 = case.key["ds"]
    sha384 = make_ds(case.zone, parse_dnskey(case.key["dnskey"]), 4).to_text()

    added, output = case.run(records=[sha256, sha384])

    assert added["failed"] is False, output
    assert added["changed"] is True
    assert len(case.writes()) == 1
    wait_parent_set(case.lab, case.zone, [sha256, sha384])

    again, output = case.run(records=[sha256, sha384])

    assert again["changed"] is False, output
    assert len(case.writes()) == 1

    removed, output = case.run(records=[sha384], state="absent")

    assert removed["changed"] is True, output
    assert case.sim.records(case.zone) == [sha256]
    wait_parent_set(case.lab, case.zone, [sha256])


# -- one registrar only --------------------------------------------------------


@pytest.mark.parametrize("case", only("porkbun"), indirect=True)
def test_porkbun_delete_by_tag_that_takes_the_validating_ds_along_is_refused(case):
    case.seed()
    sha384 = make_ds(case.zone, parse_dnskey(case.key["dnskey"]), 4).to_text()
    added, output = case.run(records=[sha384])
    assert added["changed"] is True, output
    wait_parent(case.lab, case.zone, lambda ds_set: sha384 in ds_set)

    result, output = case.run(records=[sha384], state="absent")

    assert result["failed"] is True, output
    assert "safety rule 1" in result["msg"]
    # The removal would have taken the SHA-256 DS of the same key tag along.
    assert case.key["ds"] in result["msg"]
    assert case.sim.requests_to("POST", "deleteDnssecRecord") == []


@pytest.mark.parametrize("case", only("ovh"), indirect=True)
def test_ovh_keeps_a_key_added_elsewhere_between_read_and_write(case):
    case.empty()
    other = stray_key()
    case.sim.after_list = lambda service: case.sim.add_key(service, other)

    result, output = case.run(keys=[case.key["dnskey"]])

    assert result["failed"] is False, output
    assert case.sim.after_list is None, "the race hook never ran"
    (post,) = case.sim.requests_to("POST", "/dsRecord")
    sent = [key["publicKey"] for key in request_json(post)["keys"]]
    assert public_key(other) in sent
    assert sorted(key["publicKey"] for key in case.sim.records(case.zone)) == sorted(
        [public_key(case.key["dnskey"]), public_key(other)]
    )
    assert len(result["after"]) == 2
    wait_parent_set(case.lab, case.zone, [case.key["ds"], ds_text(case.zone, other)])


@pytest.mark.parametrize("case", only("ovh"), indirect=True)
def test_ovh_removal_replaces_the_set_with_what_stays(case):
    case.seed()

    result, output = case.run(
        records=[case.key["ds"]], state="absent", allow_unsafe=True
    )

    assert result["changed"] is True, output
    (post,) = case.sim.requests_to("POST", "/dsRecord")
    assert request_json(post) == {"keys": []}
