# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""dnssec_ds_record with registrar=dnsimple (a domain registered at DNSimple)."""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    make_ds,
    parse_dnskey,
)
from dnslab.dnsimple_sim import DnsimpleSimulator
from dnslab.sims.runner import run_module, wait_parent

TOKEN = "dnsimple-lab-token-3b6e"


@pytest.fixture()
def dnsimple(dns_lab) -> t.Iterator[dict[str, t.Any]]:
    zone = dns_lab.children[0]
    original = dns_lab.registry.get_ds(zone)
    sim = DnsimpleSimulator(token=TOKEN, publish=dns_lab.registry.publish)
    sim.start()
    sim.add_domain(zone, state="registered")
    sim.add_domain(dns_lab.children[1], state="hosted")
    key = parse_dnskey(dns_lab.child_keys(zone)[0]["dnskey"])
    args = {
        "domain": zone.rstrip("."),
        "registrar": "dnsimple",
        "dnsimple_token": TOKEN,
        "dnsimple_account": str(sim.account_id),
        "dnsimple_api_url": sim.url,
        "resolvers": [dns_lab.resolver_address],
        "query_timeout": 2,
    }
    try:
        yield {"sim": sim, "zone": zone, "args": args, "key": key, "original": original}
    finally:
        sim.stop()
        dns_lab.registry.set_ds(zone, original)


def test_add_rerun_remove(dns_lab, dnsimple):
    zone, sim = dnsimple["zone"], dnsimple["sim"]
    sha256 = make_ds(zone, dnsimple["key"], 2).to_text()
    sha384 = make_ds(zone, dnsimple["key"], 4).to_text()

    result, output = run_module(
        dict(dnsimple["args"], keys=[dnsimple["key"].to_text()])
    )
    assert result["failed"] is False, output
    assert result["changed"] is True
    assert sim.records(zone) == [sha256]
    # The key data goes along for the TLDs that want it.
    assert sim.requests_to("POST", "ds_records")[0].json()["public_key"] == (
        dnsimple["key"].public_key
    )

    added, output = run_module(dict(dnsimple["args"], records=[sha256, sha384]))
    assert added["changed"] is True, output
    wait_parent(dns_lab, zone, lambda ds_set: ds_set == sorted([sha256, sha384]))

    again, output = run_module(dict(dnsimple["args"], records=[sha256, sha384]))
    assert again["changed"] is False, output

    removed, output = run_module(
        dict(dnsimple["args"], records=[sha384], state="absent")
    )
    assert removed["changed"] is True, output
    assert sim.records(zone) == [sha256]
    wait_parent(dns_lab, zone, lambda ds_set: ds_set == [sha256])


def test_a_hosted_domain_is_not_registered_at_dnsimple(dns_lab, dnsimple):
    args = dict(dnsimple["args"], domain="unknown-domain.test")
    result = run_module(dict(args, records=dnsimple["original"]))[0]
    assert result["failed"] is True
    assert "not found" in result["msg"]


def test_wrong_token(dns_lab, dnsimple):
    result, output = run_module(
        dict(
            dnsimple["args"],
            dnsimple_token="wrong-dnsimple-token",
            records=dnsimple["original"],
        )
    )
    assert result["failed"] is True
    assert "credentials refused" in result["msg"]
    assert "wrong-dnsimple-token" not in output
