# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""dnssec_rotation_info against the DNS lab: a real Double-KSK rotation, phase by phase.

The lab's signer rotates the child's KSK the way DNSimple does; the DS changes at
the parent are made by hand through the lab's registry, so each phase can be held
and observed.  The last child zone is left to the bad phases.
"""

from __future__ import annotations

import time
import typing as t
import uuid

import pytest

from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    make_ds,
    parse_dnskey,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._rotation import (
    run_rotation_info,
)

# A DS of no key: what a registry could hold by mistake.
STRANGER = "12345 13 2 " + "5A" * 32


def params(lab, domains: list[str], **extra: t.Any) -> dict[str, t.Any]:
    values: dict[str, t.Any] = {
        "domain": None,
        "domains": domains,
        "event": None,
        "state_file": None,
        "registrar": None,
        "dnsimple_token": None,
        "resolvers": [lab.resolver_address],
        "query_timeout": 1.0,
        "query_retry": 1,
    }
    values.update(extra)
    return values


def info(lab, domain: str, **extra: t.Any) -> dict[str, t.Any]:
    failed, result = run_rotation_info(params(lab, [domain], **extra))
    assert not failed, result.get("msg")
    [entry] = result["domains"]
    return entry


def wait_phase(lab, domain: str, phase: str, timeout: float = 40, **extra) -> dict:
    """Run the module until it reports ``phase``; return that entry."""
    deadline = time.monotonic() + timeout
    seen = []
    while True:
        entry = info(lab, domain, **extra)
        if not seen or seen[-1] != entry["phase"]:
            seen.append(entry["phase"])
        if entry["phase"] == phase:
            return entry
        assert time.monotonic() < deadline, f"{domain}: phases {seen}, never {phase}"
        time.sleep(0.3)


def payload(name: str, zone: str, ds: dict[str, str]) -> dict[str, t.Any]:
    """A DNSimple webhook body as the signer's event would arrive."""
    return {
        "name": name,
        "api_version": "v2",
        "request_identifier": str(uuid.uuid4()),
        "account": {"id": 1, "display": "Lab", "identifier": "lab"},
        "actor": {"id": "", "entity": "dnsimple", "pretty": "support@dnsimple.com"},
        "data": {
            "zone": {"name": zone.rstrip(".")},
            "dnssec": {"enabled": True},
            "delegation_signer_record": dict(ds, id=None),
        },
    }


def ds_of(entry: dict, kind: str) -> list[str]:
    return [a["ds"]["text"] for a in entry["actions"] if a["action"] == kind]


def safe_of(entry: dict, kind: str) -> list[bool]:
    return [a["safe"] for a in entry["actions"] if a["action"] == kind]


@pytest.fixture
def lab(clean_faults):
    lab = clean_faults
    saved = {zone: lab.registry.get_ds(zone) for zone in lab.children}
    yield lab
    lab.faults.clear()
    for zone, ds_set in saved.items():
        if lab.registry.get_ds(zone) != ds_set:
            lab.registry.set_ds(zone, ds_set)


def test_a_whole_rotation_walks_every_phase_in_order(clean_faults, tmp_path):
    # It ends stable on the new KSK: the DS set is not put back afterwards.
    lab = clean_faults
    zone = lab.children[0]
    state_file = str(tmp_path / "state.json")
    phases = []

    stable = info(lab, zone, state_file=state_file)
    phases.append(stable["phase"])
    assert stable["actions"] == []
    assert stable["child"]["consistent"] and len(stable["child"]["signing_ksks"]) == 1
    [old_tag] = stable["child"]["signing_ksks"]
    [old_ds] = lab.registry.get_ds(zone)

    lab.signer.start_rotation(zone)
    lab.signer.wait(zone, "waiting_new_ds")
    # The CDS RRset names the new KSK a moment after it starts signing.
    started = wait_phase(lab, zone, "rotation_started", state_file=state_file)
    phases.append(started["phase"])
    [new_ds] = ds_of(started, "add")
    assert safe_of(started, "add") == [True]
    # The old DS is named, but it is the only one that validates now.
    assert ds_of(started, "remove") == [old_ds] and safe_of(started, "remove") == [
        False
    ]
    new_key = parse_dnskey(
        [a for a in started["actions"] if a["action"] == "add"][0]["dnskey"]["text"]
    )
    assert make_ds(zone, new_key).to_text() == new_ds
    assert started["rotation"]["window"] == "add"

    # The registry publishes the new DS; the secondaries lag behind.
    lab.registry.add_ds(zone, new_ds, delay=6)
    submitted = info(lab, zone, state_file=state_file)
    phases.append(submitted["phase"])
    assert ds_of(submitted, "add") == []
    assert not any(safe_of(submitted, "remove"))

    published = wait_phase(lab, zone, "published", state_file=state_file)
    phases.append(published["phase"])
    [remove] = [a for a in published["actions"] if a["action"] == "remove"]
    assert remove["ds"]["text"] == old_ds and remove["ds"]["key_tag"] == old_tag
    assert not remove["safe"]
    assert remove["blocked_by"].startswith("waiting for the DS TTL")
    # Without a state file or an event, nothing proves the TTL has passed.
    assert "no evidence" in ds_blocked(info(lab, zone))

    time.sleep(lab.ds_ttl + 1)
    later = info(lab, zone, state_file=state_file)
    assert later["phase"] == "published"
    assert safe_of(later, "remove") == [True]

    # DNSimple's rotation_complete is evidence too, without a state file.
    lab.signer.wait(zone, "waiting_old_ds_gone")
    complete_event = [e for e in lab.signer.events if e[1].endswith("complete")][-1]
    # Hold the signer so that the old KSK stays until the test lets it go.
    lab.signer.stop()
    hinted = info(
        lab, zone, event=payload("dnssec.rotation_complete", zone, complete_event[3])
    )
    assert hinted["event"]["matches_child"] and hinted["event"]["agrees"]
    assert safe_of(hinted, "remove") == [True]

    lab.registry.remove_ds(zone, old_ds, delay=6)
    retiring = info(lab, zone, state_file=state_file)
    phases.append(retiring["phase"])

    complete = wait_phase(lab, zone, "complete", state_file=state_file)
    phases.append(complete["phase"])
    assert complete["actions"] == []
    assert [k["key_tag"] for k in complete["target"]["retiring_ksks"]] == [old_tag]

    lab.knot["child-primary"].knotc("zone-ksk-submitted", zone)
    again = wait_phase(lab, zone, "stable", state_file=state_file)
    phases.append(again["phase"])
    assert again["rotation"] is None

    assert phases == [
        "stable",
        "rotation_started",
        "submitted",
        "published",
        "retiring",
        "complete",
        "stable",
    ]
    # The validating resolver still answers for the zone.
    assert lab.resolve(f"www.{zone}", "A").rcode() == 0


def ds_blocked(entry: dict) -> str:
    [blocked] = [a["blocked_by"] for a in entry["actions"] if a["action"] == "remove"]
    return blocked


def test_forged_event_is_not_trusted(lab):
    zone = lab.children[-1]
    forged = {
        "keytag": "12345",
        "algorithm": "13",
        "digest_type": "2",
        "digest": "5A" * 32,
        "public_key": None,
    }
    entry = info(lab, zone, event=payload("dnssec.rotation_start", zone, forged))
    assert entry["phase"] == "stable"
    assert entry["event"]["matches_child"] is False
    assert entry["event"]["agrees"] is False
    assert ds_of(entry, "add") == []


def test_broken_when_only_a_wrong_ds_is_at_the_parent(lab):
    zone = lab.children[-1]
    [good] = lab.registry.get_ds(zone)
    lab.registry.set_ds(zone, [STRANGER])
    entry = wait_phase(lab, zone, "broken")
    assert ds_of(entry, "add") == [good] and safe_of(entry, "add") == [True]
    assert ds_of(entry, "remove") == [STRANGER]
    assert safe_of(entry, "remove") == [False]


def test_unsigned_delegation_without_ds(lab):
    zone = lab.children[-1]
    [good] = lab.registry.get_ds(zone)
    lab.registry.set_ds(zone, [])
    entry = wait_phase(lab, zone, "unsigned")
    assert ds_of(entry, "add") == [good]


@pytest.mark.parametrize("index", [0, 1, 2])
def test_unknown_when_a_parent_server_does_not_answer(lab, index):
    zone = lab.children[-1]
    address = lab.parent_addresses[index]
    lab.faults.set(address, "drop")
    entry = info(lab, zone)
    assert entry["phase"] == "unknown"
    assert address in entry["summary"]
    assert entry["actions"] == []


def test_many_domains_at_once(lab):
    failed, result = run_rotation_info(params(lab, list(lab.children)))
    assert not failed
    assert [e["domain"] + "." for e in result["domains"]] == list(lab.children)
    assert {e["phase"] for e in result["domains"]} == {"stable"}


def test_inconsistent_when_child_servers_disagree(lab):
    # Runs last on its zone: it leaves that zone with a second KSK.
    zone = lab.children[-1]
    secondary = lab.child_addresses[1]
    lab.freeze(secondary)
    try:
        lab.knot["child-primary"].knotc("zone-key-rollover", zone, "ksk")
        entry = wait_phase(lab, zone, "inconsistent", timeout=20)
        assert entry["actions"] == []
        lines = entry["child"]["disagreements"]
        assert lines and all(
            any(address in line for address in lab.child_addresses) for line in lines
        )
    finally:
        lab.thaw(secondary)
    settled = wait_phase(lab, zone, "rotation_started", timeout=30)
    assert len(settled["child"]["signing_ksks"]) == 2
