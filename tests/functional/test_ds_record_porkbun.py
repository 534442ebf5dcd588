# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""dnssec_ds_record with registrar=porkbun, against the Porkbun simulator and the lab."""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    make_ds,
    parse_dnskey,
)
from dnslab.sims.porkbun import PorkbunSimulator
from dnslab.sims.runner import run_module, wait_parent

API_KEY = "pk1_lab-porkbun-0c9e"
SECRET = "sk1_lab-porkbun-77d1"


@pytest.fixture()
def porkbun(dns_lab) -> t.Iterator[dict[str, t.Any]]:
    zone = dns_lab.children[0]
    original = dns_lab.registry.get_ds(zone)
    sim = PorkbunSimulator(
        dns_lab.registry.publish,
        credentials=(API_KEY, SECRET),
        child_keys=dns_lab.child_keys,
    )
    sim.start()
    sim.add_domain(zone, original)
    args = {
        "domain": zone.rstrip("."),
        "registrar": "porkbun",
        "porkbun_api_url": sim.url,
        "resolvers": [dns_lab.resolver_address],
        "query_timeout": 2,
    }
    env = {"PORKBUN_API_KEY": API_KEY, "PORKBUN_SECRET_API_KEY": SECRET}
    key = parse_dnskey(dns_lab.child_keys(zone)[0]["dnskey"])
    try:
        yield {
            "sim": sim,
            "zone": zone,
            "args": args,
            "env": env,
            "key": key,
            "original": original,
        }
    finally:
        sim.stop()
        dns_lab.registry.set_ds(zone, original)


def test_add_rerun_remove_with_credentials_from_the_environment(dns_lab, porkbun):
    zone, sim, env = porkbun["zone"], porkbun["sim"], porkbun["env"]
    # A second KSK is needed to remove a DS by key tag without losing the chain;
    # SHA-384 of the current key shares its tag, so exact with both is the test.
    sha384 = make_ds(zone, porkbun["key"], 4).to_text()

    result, output = run_module(dict(porkbun["args"], records=[sha384]), env=env)
    assert result["failed"] is False, output
    assert result["changed"] is True
    assert sha384 in sim.records(zone)
    create = sim.requests_to("POST", "createDnssecRecord")[0].json()
    assert create["apikey"] == API_KEY and create["digestType"] == "4"
    wait_parent(dns_lab, zone, lambda ds_set: sha384 in ds_set)

    again, output = run_module(dict(porkbun["args"], records=[sha384]), env=env)
    assert again["changed"] is False, output
    assert len(sim.requests_to("POST", "createDnssecRecord")) == 1


def test_delete_by_tag_that_takes_the_validating_ds_along_is_refused(dns_lab, porkbun):
    zone, sim, env = porkbun["zone"], porkbun["sim"], porkbun["env"]
    sha384 = make_ds(zone, porkbun["key"], 4).to_text()
    run_module(dict(porkbun["args"], records=[sha384]), env=env)
    wait_parent(dns_lab, zone, lambda ds_set: sha384 in ds_set)

    result, output = run_module(
        dict(porkbun["args"], records=[sha384], state="absent"), env=env
    )
    assert result["failed"] is True, output
    assert "DESIGN rule 1" in result["msg"]
    # The removal would have taken the SHA-256 DS of the same key tag along.
    assert porkbun["original"][0] in result["msg"]
    assert sim.requests_to("POST", "deleteDnssecRecord") == []


def test_wrong_keys_and_unknown_domain(dns_lab, porkbun):
    result, output = run_module(
        dict(porkbun["args"], records=porkbun["original"]),
        env={
            "PORKBUN_API_KEY": "pk1_wrong-key-xyz",
            "PORKBUN_SECRET_API_KEY": "sk1_wrong",
        },
    )
    assert result["failed"] is True
    assert "credentials refused" in result["msg"] and "Invalid API key" in result["msg"]
    assert "pk1_wrong-key-xyz" not in output

    other = dict(porkbun["args"], domain=dns_lab.children[1].rstrip("."))
    result = run_module(dict(other, records=porkbun["original"]), env=porkbun["env"])[0]
    assert result["failed"] is True
    assert "Invalid domain." in result["msg"] and "not found" in result["msg"]
    assert porkbun["sim"].writes() == [
        r for r in porkbun["sim"].requests if "getDnssecRecords" in r.path
    ]


def test_server_error_on_a_read_is_retried(dns_lab, porkbun):
    sim = porkbun["sim"]
    sim.fault, sim.fault_count = "500", 1
    result, output = run_module(
        dict(porkbun["args"], records=porkbun["original"]), env=porkbun["env"]
    )
    assert result["failed"] is False, output
    assert result["changed"] is False
    assert len(sim.requests) == 2
