# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""parent_ds_check against the DNS lab: real parent servers, lag and faults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import typing as t

import pytest

from ansible_collections.dnsops.dnssec.plugins.module_utils import _dns, _parent
from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    compute_ds,
    make_ds,
    parse_dnskey,
    parse_ds,
)

# A DS of no key: what a registry could hold by mistake.
STRANGER = "12345 13 2 " + "5A" * 32


def params(lab, domain: str, records: list[t.Any], **extra: t.Any) -> dict[str, t.Any]:
    values = {
        "domain": domain,
        "records": records,
        "state": "present",
        "wait_timeout": 0,
        "parent_servers": None,
        "validate": False,
        "resolvers": [lab.resolver_address],
        "query_timeout": 1.0,
        "query_retry": 1,
    }
    values.update(extra)
    return values


def settle(lab, domain: str, ds_set: list[str]) -> None:
    """Wait until every parent server address serves exactly ``ds_set``."""
    client = _dns.DnsClient([lab.resolver_address], query_timeout=1.0)
    records = [parse_ds(text) for text in ds_set]
    waited = _parent.wait_for(client, domain, records, "exact", 30)
    assert waited.judgement.holds, waited.judgement.message(waited.view)


@pytest.fixture
def restore_ds(clean_faults):
    """Put back the DS set of every child zone the test changed."""
    lab = clean_faults
    saved = {zone: lab.registry.get_ds(zone) for zone in lab.children}
    yield lab
    lab.faults.clear()
    for zone, ds_set in saved.items():
        if lab.registry.get_ds(zone) != ds_set:
            lab.registry.set_ds(zone, ds_set)
        settle(lab, zone, ds_set)


def test_present_on_every_address_of_every_parent_server(dns_lab) -> None:
    domain = dns_lab.children[0]
    ds_set = dns_lab.registry.get_ds(domain)
    failed, result = _parent.run_check(params(dns_lab, domain, ds_set))

    assert not failed, result["msg"]
    assert result["holds"] is True
    assert result["parent_zone"] == "test."
    assert sorted(s["address"] for s in result["servers"]) == sorted(
        dns_lab.parent_addresses
    )
    assert dns_lab.addresses.tld_secondary6 in result["records"][0]["served_by"]
    for server in result["servers"]:
        assert server["status"] == "answer"
        assert "AA" in server["flags"] and "DO" in server["flags"]
        assert server["records"] == ds_set
        assert server["ttl"] == dns_lab.ds_ttl


def test_child_whose_parent_is_two_labels_up(dns_lab) -> None:
    domain = "example.co.test."
    assert domain in dns_lab.children
    ds_set = dns_lab.registry.get_ds(domain)
    failed, result = _parent.run_check(params(dns_lab, domain, ds_set))
    assert not failed, result["msg"]
    assert result["parent_zone"] == "test."
    assert len(result["servers"]) == 3


def test_absent_when_no_parent_server_serves_it(dns_lab) -> None:
    failed, result = _parent.run_check(
        params(dns_lab, dns_lab.children[0], [STRANGER], state="absent")
    )
    assert not failed, result["msg"]
    assert (
        result["records"][0]["missing_from"] and not result["records"][0]["served_by"]
    )


def test_lagging_secondary_then_caught_up_within_wait_timeout(restore_ds) -> None:
    lab = restore_ds
    domain = lab.children[0]
    secondary = lab.addresses.tld_secondary
    lab.freeze(secondary)
    lab.registry.add_ds(domain, STRANGER)
    # The primary and the IPv6 secondary catch up; the frozen one does not.
    client = _dns.DnsClient([lab.resolver_address], query_timeout=1.0)
    primary_and_v6 = [lab.addresses.tld_primary, lab.addresses.tld_secondary6]
    _parent.wait_for(
        client,
        domain,
        [parse_ds(STRANGER)],
        "present",
        20,
        parent_servers=primary_and_v6,
    )

    failed, result = _parent.run_check(params(lab, domain, [STRANGER]))
    assert failed
    assert result["outcome"] == "fails"
    assert result["records"][0]["missing_from"] == [secondary]
    assert result["disagreeing"] == [secondary]
    assert secondary in result["msg"]

    timer = threading.Timer(2.0, lab.thaw, [secondary])
    timer.start()
    try:
        failed, result = _parent.run_check(
            params(lab, domain, [STRANGER], wait_timeout=40)
        )
    finally:
        timer.join()
    assert not failed, result["msg"]
    assert result["checks"] > 1
    assert sorted(result["records"][0]["served_by"]) == sorted(lab.parent_addresses)


def test_missing_only_on_the_ipv6_only_server(restore_ds) -> None:
    lab = restore_ds
    domain = lab.children[0]
    v6 = lab.addresses.tld_secondary6
    lab.freeze(v6)
    lab.registry.add_ds(domain, STRANGER)
    client = _dns.DnsClient([lab.resolver_address], query_timeout=1.0)
    v4 = [lab.addresses.tld_primary, lab.addresses.tld_secondary]
    _parent.wait_for(
        client, domain, [parse_ds(STRANGER)], "present", 20, parent_servers=v4
    )

    failed, result = _parent.run_check(params(lab, domain, [STRANGER]))
    assert failed
    assert result["holds"] is False
    assert result["records"][0]["missing_from"] == [v6]
    assert sorted(result["records"][0]["served_by"]) == sorted(v4)
    lab.thaw(v6)


@pytest.mark.parametrize(
    "mode, status", [("drop", "timeout"), ("servfail", "servfail")]
)
def test_dead_or_failing_server_is_neither_present_nor_absent(
    clean_faults, mode: str, status: str
) -> None:
    lab = clean_faults
    domain = lab.children[0]
    ds_set = lab.registry.get_ds(domain)
    broken = lab.addresses.tld_secondary
    lab.faults.set(broken, mode)

    failed, present = _parent.run_check(params(lab, domain, ds_set, query_timeout=0.5))
    assert failed
    assert present["outcome"] == "unknown"
    assert present["records"][0]["unknown"] == [broken]
    entry = [s for s in present["servers"] if s["address"] == broken][0]
    assert entry["status"] == status
    assert broken in present["msg"]

    failed, absent = _parent.run_check(
        params(lab, domain, ds_set, state="absent", query_timeout=0.5)
    )
    assert failed
    assert absent["outcome"] in ("unknown", "fails")
    assert broken in absent["disagreeing"]


def test_extra_registry_digests_next_to_the_expected_one(restore_ds) -> None:
    lab = restore_ds
    domain = lab.children[1]
    key = [k for k in lab.child_keys(domain) if k["signing"]][0]
    dnskey = parse_dnskey(key["dnskey"])
    expected = make_ds(domain, dnskey).to_text()
    extras = [
        make_ds(domain, dnskey, 4).to_text(),
        compute_ds(domain, dnskey, 1).to_text(),
    ]
    lab.registry.set_ds(domain, [expected, *extras])
    settle(lab, domain, [expected, *extras])

    failed, result = _parent.run_check(params(lab, domain, [expected], validate=True))
    assert not failed, result["msg"]
    assert result["records"][0]["validates"] is True
    assert result["chain"]["outcome"] == "holds"

    failed, result = _parent.run_check(params(lab, domain, [expected], state="exact"))
    assert failed
    assert result["outcome"] == "fails"


def test_wrong_sha256_next_to_a_right_sha1_is_flagged(restore_ds) -> None:
    lab = restore_ds
    domain = lab.children[1]
    key = [k for k in lab.child_keys(domain) if k["signing"]][0]
    dnskey = parse_dnskey(key["dnskey"])
    sha1 = compute_ds(domain, dnskey, 1).to_text()
    wrong = f"{dnskey.key_tag} {dnskey.algorithm} 2 " + "0F" * 32
    lab.registry.set_ds(domain, [sha1, wrong])
    settle(lab, domain, [sha1, wrong])

    failed, result = _parent.run_check(
        params(lab, domain, [sha1, wrong], validate=True)
    )
    assert failed
    assert result["outcome"] == "holds"
    assert result["holds"] is False
    assert result["chain"]["outcome"] == "fails"
    by_text = {r["text"]: r for r in result["records"]}
    assert by_text[sha1]["matches_child_key"] is True
    assert by_text[sha1]["validates"] is False
    assert by_text[wrong]["matches_child_key"] is False
    assert "SHA-1" in result["msg"]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"records": ["1234 13 2 NOTHEX"]}, "digest must be hexadecimal"),
        ({"domain": "no-such-zone.test."}, "does not exist"),
        (
            {"resolvers": ["127.53.255.250"], "query_timeout": 0.3},
            "is the resolver reachable",
        ),
    ],
)
def test_bad_input_gives_a_clear_error(dns_lab, change, message) -> None:
    values = params(dns_lab, dns_lab.children[0], [STRANGER])
    values.update(change)
    failed, result = _parent.run_check(values)
    assert failed
    assert message in result["msg"]


def test_module_runs_as_ansible_runs_it(dns_lab, tmp_path) -> None:
    domain = dns_lab.children[0]
    args = tmp_path / "args.json"
    args.write_text(
        json.dumps(
            {
                "ANSIBLE_MODULE_ARGS": {
                    "domain": domain,
                    "records": dns_lab.registry.get_ds(domain),
                    "resolvers": [dns_lab.resolver_address],
                    "_ansible_check_mode": True,
                }
            }
        )
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ansible_collections.dnsops.dnssec.plugins.modules.parent_ds_check",
            str(args),
        ],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=60,
        check=False,
    )
    result = json.loads(done.stdout)
    assert result["holds"] is True, result
    assert result["changed"] is False
    assert result["parent_zone"] == "test."
