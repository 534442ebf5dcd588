# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""A whole KSK rotation carried out with dnssec_ds_record, with the resolver watched.

The lab's DNSimple-like signer rolls the KSK of a child zone; the module, through
the Name.com simulator, adds the new DS and removes the old one.  A lagging parent
server must hold the removal back (safety rules 1 and 6), and the validating
resolver must never answer SERVFAIL for the zone.
"""

from __future__ import annotations

from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import parse_ds
from dnslab.sims.namecom import NameComSimulator
from dnslab.sims.runner import run_module, wait_parent

USER, TOKEN = "lab-user", "namecom-lab-token-safety"


def test_rotation_through_the_module_keeps_the_chain(dns_lab):
    zone = dns_lab.children[-1]
    lagging = dns_lab.parent_addresses[1]
    sim = NameComSimulator(dns_lab.registry.publish, credentials=(USER, TOKEN))
    sim.start()
    sim.add_domain(zone, dns_lab.registry.get_ds(zone))
    args = {
        "domain": zone.rstrip("."),
        "registrar": "namecom",
        "namecom_username": USER,
        "namecom_token": TOKEN,
        "namecom_api_url": sim.url,
        "resolvers": [dns_lab.resolver_address],
        "query_timeout": 2,
    }
    meter = dns_lab.meter([zone])
    meter.start()
    try:
        dns_lab.signer.start_rotation(zone)
        state = dns_lab.signer.wait(zone, "waiting_new_ds", timeout=120)
        new_ds = parse_ds(state["new_ds"]).to_text()
        old_ds = parse_ds(state["old_ds"]).to_text()

        # One parent server lags: the new DS is added, the old one must stay.
        dns_lab.freeze(lagging)
        try:
            first, output = run_module(dict(args, records=[new_ds], state="exact"))
            assert first["failed"] is True, output
            assert first["changed"] is True
            assert (
                "the removals wait" in first["msg"] and "safety rule 1" in first["msg"]
            )
            assert sorted(sim.records(zone)) == sorted([old_ds, new_ds])
            assert sim.requests_to("DELETE") == []

            early, output = run_module(dict(args, records=[old_ds], state="absent"))
            assert early["failed"] is True, output
            assert "safety rule 1" in early["msg"]
            assert sim.requests_to("DELETE") == []
        finally:
            dns_lab.thaw(lagging)

        wait_parent(dns_lab, zone, lambda ds_set: new_ds in ds_set)
        second, output = run_module(dict(args, records=[new_ds], state="exact"))
        assert second["failed"] is False, output
        assert second["changed"] is True
        assert sim.records(zone) == [new_ds]
        wait_parent(dns_lab, zone, lambda ds_set: ds_set == [new_ds])

        dns_lab.signer.wait(zone, "done", timeout=120)
        third, output = run_module(dict(args, records=[new_ds], state="exact"))
        assert third["changed"] is False, output
    finally:
        meter.stop()
        sim.stop()
    assert meter.queries > 0
    assert meter.servfail_count == 0, meter.failures
