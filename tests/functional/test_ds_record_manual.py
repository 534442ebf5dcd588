# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""dnssec_ds_record with registrar=manual: instructions, never a write."""

from __future__ import annotations

from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    make_ds,
    parse_dnskey,
)
from dnslab.sims.runner import run_module


def test_instructions_for_a_person_and_no_change(dns_lab):
    zone = dns_lab.children[0]
    original = dns_lab.registry.get_ds(zone)
    key = parse_dnskey(dns_lab.child_keys(zone)[0]["dnskey"])
    sha384 = make_ds(zone, key, 4)
    args = {
        "domain": zone.rstrip("."),
        "registrar": "manual",
        "resolvers": [dns_lab.resolver_address],
        "records": [sha384.to_text()],
    }
    result, output = run_module(args)
    assert result["failed"] is False, output
    assert result["changed"] is False
    assert result["operations"] == []
    [step] = result["instructions"]
    assert step["action"] == "add"
    assert step["ds"]["key_tag"] == sha384.key_tag
    assert step["ds"]["digest_type"] == 4
    assert step["ds"]["digest"] == sha384.digest
    assert step["dnskey"]["public_key"] == key.public_key
    assert dns_lab.registry.get_ds(zone) == original

    # Nothing to do when the parent already serves it.
    done = run_module(dict(args, records=original))[0]
    assert done["instructions"] == [] and done["changed"] is False

    # Removing the only DS that validates the child is refused, even as advice.
    refused = run_module(dict(args, records=original, state="absent"))[0]
    assert refused["failed"] is True
    assert "safety rule 1" in refused["msg"]
