# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""dnssec_ds_record with registrar=namecom, against the Name.com simulator and the lab.

The module runs through ``ansible``; the simulator's writes land in the lab's
``test.`` zone and every parent server address is asked directly.
"""

from __future__ import annotations

import typing as t

import dns.dnssec
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    dnskey_from_rdata,
    make_ds,
    parse_dnskey,
)
from dnslab.sims.namecom import NameComSimulator
from dnslab.sims.runner import run_module, wait_parent

USER = "lab-user"
TOKEN = "namecom-lab-token-8f3a"


@pytest.fixture()
def namecom(dns_lab) -> t.Iterator[dict[str, t.Any]]:
    zone = dns_lab.children[0]
    original = dns_lab.registry.get_ds(zone)
    sim = NameComSimulator(
        dns_lab.registry.publish,
        credentials=(USER, TOKEN),
        child_keys=dns_lab.child_keys,
    )
    sim.start()
    sim.add_domain(zone, original)
    key = parse_dnskey(dns_lab.child_keys(zone)[0]["dnskey"])
    args = {
        "domain": zone.rstrip("."),
        "registrar": "namecom",
        "namecom_username": USER,
        "namecom_token": TOKEN,
        "namecom_api_url": sim.url,
        "resolvers": [dns_lab.resolver_address],
        "query_timeout": 2,
    }
    try:
        yield {"sim": sim, "zone": zone, "args": args, "key": key, "original": original}
    finally:
        sim.stop()
        dns_lab.registry.set_ds(zone, original)


def stray_ds(zone: str) -> str:
    private = ec.generate_private_key(ec.SECP256R1())
    rdata = dns.dnssec.make_dnskey(private.public_key(), 13, flags=257)
    return make_ds(zone, dnskey_from_rdata(rdata)).to_text()


def test_add_see_everywhere_rerun_unchanged_remove_see_gone(dns_lab, namecom):
    zone, sim = namecom["zone"], namecom["sim"]
    sha384 = make_ds(zone, namecom["key"], 4).to_text()

    result, output = run_module(dict(namecom["args"], records=[sha384]))
    assert result["failed"] is False, output
    assert result["changed"] is True
    assert sha384 in sim.records(zone)
    assert [op["method"] for op in result["operations"]] == ["GET", "POST", "GET"]
    wait_parent(dns_lab, zone, lambda ds_set: sha384 in ds_set)

    again, output = run_module(dict(namecom["args"], records=[sha384]))
    assert again["changed"] is False, output
    assert [op["method"] for op in again["operations"]] == ["GET"]

    removed, output = run_module(
        dict(namecom["args"], records=[sha384], state="absent")
    )
    assert removed["changed"] is True, output
    assert [op["method"] for op in removed["operations"]] == ["GET", "DELETE", "GET"]
    assert sim.records(zone) == namecom["original"]
    wait_parent(dns_lab, zone, lambda ds_set: sha384 not in ds_set and ds_set)


def test_keys_are_turned_into_the_ds_name_com_takes(dns_lab, namecom):
    zone, sim = namecom["zone"], namecom["sim"]
    result, output = run_module(
        dict(namecom["args"], keys=[namecom["key"].to_text()], digest_type=4)
    )
    assert result["changed"] is True, output
    assert make_ds(zone, namecom["key"], 4).to_text() in sim.records(zone)


def test_check_and_diff_mode_make_no_write(dns_lab, namecom):
    sha384 = make_ds(namecom["zone"], namecom["key"], 4).to_text()
    result, output = run_module(
        dict(namecom["args"], records=[sha384]), "--check", "--diff"
    )
    assert result["changed"] is True, output
    assert namecom["sim"].writes() == []
    assert f"+DS {sha384}" in output


def test_unpublished_key_is_refused_and_nothing_changes(dns_lab, namecom):
    result, output = run_module(
        dict(namecom["args"], records=[stray_ds(namecom["zone"])])
    )
    assert result["failed"] is True, result
    assert "DESIGN rule 2" in result["msg"], output
    assert namecom["sim"].writes() == []


def test_removing_the_last_validating_ds_is_refused(dns_lab, namecom):
    result, output = run_module(
        dict(namecom["args"], records=namecom["original"], state="absent")
    )
    assert result["failed"] is True
    assert "DESIGN rule 1" in result["msg"], output
    assert namecom["sim"].writes() == []
    assert dns_lab.registry.get_ds(namecom["zone"]) == namecom["original"]


@pytest.mark.parametrize(
    "record, message",
    [
        ("1234 13 2 NOTHEX", "hexadecimal"),
        ("1234 99 2 " + "AB" * 32, "not a DNSSEC signing algorithm"),
    ],
)
def test_bad_input_is_a_clear_error_before_any_call(dns_lab, namecom, record, message):
    result = run_module(dict(namecom["args"], records=[record]))[0]
    assert result["failed"] is True
    assert message in result["msg"]
    assert namecom["sim"].requests == []


def test_wrong_credentials_change_nothing(dns_lab, namecom):
    result, output = run_module(
        dict(
            namecom["args"], namecom_token="wrong-token-77", records=namecom["original"]
        )
    )
    assert result["failed"] is True
    assert "credentials refused" in result["msg"] and "Unauthorized" in result["msg"]
    assert "wrong-token-77" not in output
    assert namecom["sim"].writes() == []


def test_unknown_domain_is_reported(dns_lab, namecom):
    args = dict(namecom["args"], domain=dns_lab.children[1].rstrip("."))
    result = run_module(dict(args, records=namecom["original"]))[0]
    assert result["failed"] is True
    assert "not found in this account" in result["msg"]
    assert "The requested domain does not exist." in result["msg"]


def test_rate_limit_is_retried(dns_lab, namecom):
    sim = namecom["sim"]
    sim.fault, sim.fault_count = "429", 1
    result, output = run_module(dict(namecom["args"], records=namecom["original"]))
    assert result["failed"] is False, output
    assert result["changed"] is False
    assert len(sim.requests) == 2


def test_registry_sha1_extra_is_tolerated_in_exact(dns_lab, namecom):
    zone, sim = namecom["zone"], namecom["sim"]
    sim.fault = "sha1"
    sha384 = make_ds(zone, namecom["key"], 4).to_text()
    result, output = run_module(dict(namecom["args"], records=[sha384]))
    assert result["changed"] is True, output

    seen = wait_parent(
        dns_lab, zone, lambda ds_set: any(d.split()[2] == "1" for d in ds_set)
    )
    assert all(sha384 in ds_set for ds_set in seen.values())
    exact, output = run_module(
        dict(namecom["args"], records=namecom["original"] + [sha384], state="exact")
    )
    assert exact["changed"] is False, output


def test_a_read_that_times_out_is_retried(dns_lab, namecom):
    sim = namecom["sim"]
    sim.fault, sim.fault_count, sim.timeout_delay = "timeout", 1, 3.0
    result, output = run_module(
        dict(namecom["args"], records=namecom["original"], registrar_timeout=1)
    )
    assert result["failed"] is False, output
    assert result["changed"] is False
    assert len(sim.requests) == 2


def test_a_registrar_that_keeps_failing_is_a_clear_error(dns_lab, namecom):
    sim = namecom["sim"]
    sim.fault = "500"
    result, output = run_module(dict(namecom["args"], records=namecom["original"]))
    assert result["failed"] is True, output
    assert "Internal Server Error" in result["msg"]
    assert result["msg"].startswith("Name.com: ")
    assert sim.writes() == []
