# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.dnsops.dnssec.plugins.module_utils import _evidence
from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    compute_ds,
    parse_ds,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._rotation import (
    EventHint,
    ParentAddress,
    RegistrarRecordView,
    assess,
)
from ansible_collections.dnsops.dnssec.tests.unit.plugins.module_utils.test__child import (
    ZONE,
    Key,
    child_view,
    publish,
)

NOW = 1_800_000_000.0
TTL = 600
PARENT = (
    ("ns1.test.", "127.0.0.2"),
    ("ns2.test.", "127.0.0.3"),
    ("ns2.test.", "fd53::3"),
)


@pytest.fixture(scope="module")
def keys():
    return {"old": Key(), "new": Key(), "zsk": Key(flags=256), "rogue": Key()}


def child(keys, published, signers, cds=(), cdnskey=()):
    def view(address):
        return publish(
            address,
            [keys[name] for name in published],
            [keys[name] for name in signers],
            cds=[keys[name] for name in cds],
            cdnskey=[keys[name] for name in cdnskey],
            zsk=keys["zsk"],
        )

    return child_view(view("127.0.0.4"), view("127.0.0.5"))


def parent(keys, *sets, failed=None):
    """One DS set per parent address; a single set is served by all of them."""
    if len(sets) == 1:
        sets = sets * len(PARENT)
    result = []
    for (server, address), names in zip(PARENT, sets):
        if address == failed:
            result.append(
                ParentAddress(
                    server, address, False, status="timeout", error="timed out"
                )
            )
            continue
        ds = tuple(
            name if not isinstance(name, str) else keys[name].ds for name in names
        )
        result.append(ParentAddress(server, address, True, ds=ds, ttl=TTL))
    return result


def only(actions, kind):
    return [action for action in actions if action.action == kind]


def evidence_for(keys, seen):
    record = _evidence.DomainEvidence()
    record.ds_first_seen = {
        keys[name].ds.to_text(): when for name, when in seen.items()
    }
    return record


# The walk of a Double-KSK rotation, as DNS alone shows it (CDS names the new KSK).


def test_stable(keys):
    result = assess(
        ZONE, child(keys, ["old"], ["old"], cds=["old"]), parent(keys, ["old"])
    )
    assert result.phase == "stable"
    assert result.actions == []


def test_rotation_started_adds_the_new_ds(keys):
    view = child(keys, ["old", "new"], ["old", "new"], cds=["new"])
    result = assess(ZONE, view, parent(keys, ["old"]), now=NOW)
    assert result.phase == "rotation_started"
    [add] = only(result.actions, "add")
    assert add.ds == keys["new"].ds and add.safe
    assert add.dnskey == keys["new"].dnskey
    # The old DS is named, and is never safe to remove yet: it is the only one.
    [remove] = only(result.actions, "remove")
    assert remove.ds == keys["old"].ds
    assert not remove.safe
    assert "add before remove" in remove.blocked_by
    assert result.actions.index(add) < result.actions.index(remove)


@pytest.mark.parametrize("cds", [["new"], ["old", "new"], []])
def test_rotation_started_under_any_cds(keys, cds):
    view = child(keys, ["old", "new"], ["old", "new"], cds=cds)
    result = assess(ZONE, view, parent(keys, ["old"]), now=NOW)
    assert result.phase == "rotation_started"
    assert [a.ds for a in only(result.actions, "add")] == [keys["new"].ds]
    assert not any(a.safe for a in only(result.actions, "remove"))


def test_submitted_when_some_parent_servers_serve_the_new_ds(keys):
    view = child(keys, ["old", "new"], ["old", "new"], cds=["new"])
    result = assess(
        ZONE, view, parent(keys, ["old", "new"], ["old", "new"], ["old"]), now=NOW
    )
    assert result.phase == "submitted"
    assert only(result.actions, "add") == []
    assert "fd53::3" in result.summary
    assert not any(a.safe for a in only(result.actions, "remove"))


def test_submitted_when_the_registrar_has_the_new_ds(keys):
    view = child(keys, ["old", "new"], ["old", "new"], cds=["new"])
    registrar = [
        RegistrarRecordView(ds=keys["old"].ds),
        RegistrarRecordView(ds=keys["new"].ds),
    ]
    result = assess(ZONE, view, parent(keys, ["old"]), registrar=registrar, now=NOW)
    assert result.phase == "submitted"
    assert only(result.actions, "add") == []


def test_rotation_started_when_the_registrar_lacks_it(keys):
    view = child(keys, ["old", "new"], ["old", "new"], cds=["new"])
    registrar = [RegistrarRecordView(dnskey=keys["old"].dnskey)]
    result = assess(ZONE, view, parent(keys, ["old"]), registrar=registrar, now=NOW)
    assert result.phase == "rotation_started"
    assert [a.ds for a in only(result.actions, "add")] == [keys["new"].ds]


def test_published_without_evidence_waits(keys):
    view = child(keys, ["old", "new"], ["old", "new"], cds=["new"])
    result = assess(ZONE, view, parent(keys, ["old", "new"]), now=NOW)
    assert result.phase == "published"
    [remove] = result.actions
    assert remove.action == "remove" and remove.ds == keys["old"].ds
    assert not remove.safe
    assert "no evidence" in remove.blocked_by
    assert remove.safe_in_seconds is None


def test_published_with_rotation_complete_is_safe(keys):
    view = child(keys, ["old", "new"], ["old", "new"], cds=["new"])
    event = EventHint("dnssec.rotation_complete", ZONE.rstrip("."), ds=keys["old"].ds)
    result = assess(ZONE, view, parent(keys, ["old", "new"]), event=event, now=NOW)
    [remove] = result.actions
    assert remove.safe and remove.blocked_by is None
    assert result.event["matches_child"] and result.event["agrees"]


def test_rotation_complete_for_another_domain_is_no_evidence(keys):
    view = child(keys, ["old", "new"], ["old", "new"], cds=["new"])
    event = EventHint("dnssec.rotation_complete", "other.test", ds=keys["old"].ds)
    result = assess(ZONE, view, parent(keys, ["old", "new"]), event=event, now=NOW)
    [remove] = result.actions
    assert not remove.safe
    assert result.event["applies"] is False


@pytest.mark.parametrize(
    "age, safe, left",
    [
        (10, False, TTL - 10),
        (TTL - 1, False, 1),
        (TTL, True, None),
        (TTL * 3, True, None),
    ],
)
def test_published_with_evidence_waits_for_the_ttl(keys, age, safe, left):
    view = child(keys, ["old", "new"], ["old", "new"], cds=["new"])
    record = evidence_for(keys, {"old": NOW - 10 * TTL, "new": NOW - age})
    result = assess(ZONE, view, parent(keys, ["old", "new"]), evidence=record, now=NOW)
    [remove] = result.actions
    assert remove.safe is safe
    assert remove.safe_in_seconds == left
    if left is not None:
        assert remove.blocked_by == f"waiting for the DS TTL ({left} s left)"
    else:
        assert remove.blocked_by is None


def test_evidence_restarts_when_the_new_ds_left_a_parent_server(keys):
    view = child(keys, ["old", "new"], ["old", "new"], cds=["new"])
    record = evidence_for(keys, {"old": NOW - 10 * TTL, "new": NOW - 10 * TTL})
    # One address lost the new DS: its record goes.
    assess(
        ZONE,
        view,
        parent(keys, ["old", "new"], ["old", "new"], ["old"]),
        evidence=record,
        now=NOW,
    )
    assert keys["new"].ds.to_text() not in record.ds_first_seen
    result = assess(
        ZONE, view, parent(keys, ["old", "new"]), evidence=record, now=NOW + 5
    )
    assert not result.actions[0].safe
    assert "waiting for the DS TTL" in result.actions[0].blocked_by


def test_unknown_parent_keeps_the_evidence_unchanged(keys):
    view = child(keys, ["old", "new"], ["old", "new"], cds=["new"])
    record = evidence_for(keys, {"old": NOW - 100})
    result = assess(
        ZONE,
        view,
        parent(keys, ["old", "new"], failed="fd53::3"),
        evidence=record,
        now=NOW,
    )
    assert result.phase == "unknown"
    assert result.actions == []
    assert record.ds_first_seen == {keys["old"].ds.to_text(): NOW - 100}


def test_retiring_from_dns_alone(keys):
    view = child(keys, ["old", "new"], ["old", "new"], cds=["new"])
    event = EventHint("dnssec.rotation_complete", ZONE, ds=keys["old"].ds)
    result = assess(
        ZONE,
        view,
        parent(keys, ["new"], ["new"], ["old", "new"]),
        event=event,
        now=NOW,
    )
    assert result.phase == "retiring"
    [remove] = result.actions
    assert remove.ds == keys["old"].ds and remove.safe


def test_retiring_with_the_registrar_view(keys):
    view = child(keys, ["old", "new"], ["old", "new"], cds=["new"])
    registrar = [RegistrarRecordView(ds=keys["new"].ds)]
    result = assess(
        ZONE, view, parent(keys, ["old", "new"]), registrar=registrar, now=NOW
    )
    assert result.phase == "retiring"
    assert result.actions == []


def test_complete_while_the_child_still_signs_with_the_old_ksk(keys):
    view = child(keys, ["old", "new"], ["old", "new"], cds=["new"])
    record = evidence_for(keys, {"old": NOW - 900, "new": NOW - 900})
    # The old DS leaves the parent servers: the record remembers it.
    result = assess(ZONE, view, parent(keys, ["new"]), evidence=record, now=NOW)
    assert keys["old"].ds.to_text() in record.retired_ds
    assert result.phase == "complete"
    assert result.actions == []
    assert [k.key_tag for k in result.retiring] == [keys["old"].dnskey.key_tag]


def test_complete_from_the_rotation_complete_event(keys):
    view = child(keys, ["old", "new"], ["old", "new"], cds=["new"])
    event = EventHint("dnssec.rotation_complete", ZONE, ds=keys["old"].ds)
    result = assess(ZONE, view, parent(keys, ["new"]), event=event, now=NOW)
    assert result.phase == "complete"


def test_a_second_signing_ksk_without_history_is_not_complete(keys):
    # A new KSK that signs before the CDS names it looks the same in DNS.
    view = child(keys, ["old", "new"], ["old", "new"], cds=["old"])
    result = assess(ZONE, view, parent(keys, ["old"]), now=NOW)
    assert result.phase == "stable"
    assert result.actions == []


def test_stable_again_once_the_old_ksk_is_gone(keys):
    result = assess(
        ZONE, child(keys, ["new"], ["new"], cds=["new"]), parent(keys, ["new"])
    )
    assert result.phase == "stable"


def test_registry_extra_digests_are_tolerated(keys):
    sha1 = compute_ds(ZONE, keys["old"].dnskey, 1)
    sha384 = compute_ds(ZONE, keys["old"].dnskey, 4)
    result = assess(
        ZONE,
        child(keys, ["old"], ["old"]),
        parent(keys, [keys["old"].ds, sha1, sha384]),
    )
    assert result.phase == "stable" and result.actions == []


def test_a_sha1_ds_alone_does_not_count(keys):
    sha1 = compute_ds(ZONE, keys["old"].dnskey, 1)
    result = assess(ZONE, child(keys, ["old"], ["old"]), parent(keys, [sha1]), now=NOW)
    assert result.phase == "broken"


# Two KSKs named by the child: which one retires.


def test_two_target_ksks_and_nothing_to_tell_them_apart(keys):
    view = child(keys, ["old", "new"], ["old", "new"], cds=["old", "new"])
    result = assess(ZONE, view, parent(keys, ["old", "new"]), now=NOW)
    assert result.phase == "published"
    assert result.actions == []


def test_rotation_start_event_names_the_new_ksk(keys):
    view = child(keys, ["old", "new"], ["old", "new"], cds=["old", "new"])
    event = EventHint("dnssec.rotation_start", ZONE, ds=keys["new"].ds)
    result = assess(ZONE, view, parent(keys, ["old", "new"]), event=event, now=NOW)
    assert [k.key_tag for k in result.target] == [keys["new"].dnskey.key_tag]
    assert [a.ds for a in only(result.actions, "remove")] == [keys["old"].ds]


def test_evidence_order_names_the_new_ksk(keys):
    view = child(keys, ["old", "new"], ["old", "new"], cds=["old", "new"])
    record = evidence_for(keys, {"old": NOW - 9000, "new": NOW - 2 * TTL})
    result = assess(ZONE, view, parent(keys, ["old", "new"]), evidence=record, now=NOW)
    [remove] = result.actions
    assert remove.ds == keys["old"].ds and remove.safe


# The bad phases.


def test_broken_when_only_a_wrong_ds_is_at_the_parent(keys):
    view = child(keys, ["old"], ["old"], cds=["old"])
    event = EventHint("dnssec.rotation_complete", ZONE)
    result = assess(ZONE, view, parent(keys, ["rogue"]), event=event, now=NOW)
    assert result.phase == "broken"
    [add] = only(result.actions, "add")
    assert add.ds == keys["old"].ds and add.safe
    [remove] = only(result.actions, "remove")
    assert remove.ds == keys["rogue"].ds and not remove.safe


def test_broken_on_one_parent_server_only(keys):
    view = child(keys, ["old"], ["old"])
    result = assess(ZONE, view, parent(keys, ["old"], ["old"], ["rogue"]), now=NOW)
    assert result.phase == "broken"
    assert "fd53::3" in result.summary


def test_broken_wins_over_a_silent_parent_server(keys):
    view = child(keys, ["old"], ["old"])
    result = assess(ZONE, view, parent(keys, ["rogue"], failed="127.0.0.3"), now=NOW)
    assert result.phase == "broken"


def test_broken_when_the_parent_has_ds_for_an_unsigned_child(keys):
    view = child_view(publish_unsigned("127.0.0.4"))
    result = assess(ZONE, view, parent(keys, ["old"]), now=NOW)
    assert result.phase == "broken"


def publish_unsigned(address):
    from ansible_collections.dnsops.dnssec.plugins.module_utils import _child
    from ansible_collections.dnsops.dnssec.tests.unit.plugins.module_utils.test__child import (
        result,
    )

    return _child.address_view(ZONE, result(address), result(address), result(address))


def test_unsigned(keys):
    result = assess(ZONE, child_view(publish_unsigned("127.0.0.4")), parent(keys, []))
    assert result.phase == "unsigned"
    assert result.actions == []


def test_signed_child_without_ds_is_an_insecure_delegation(keys):
    result = assess(ZONE, child(keys, ["old"], ["old"], cds=["old"]), parent(keys, []))
    assert result.phase == "unsigned"
    [add] = result.actions
    assert add.action == "add" and add.ds == keys["old"].ds and add.safe


def test_inconsistent_child_servers(keys):
    first = publish("127.0.0.4", [keys["old"], keys["new"]], [keys["old"], keys["new"]])
    second = publish("127.0.0.5", [keys["old"]], [keys["old"]])
    result = assess(ZONE, child_view(first, second), parent(keys, ["old"]), now=NOW)
    assert result.phase == "inconsistent"
    assert result.actions == []


@pytest.mark.parametrize("failed", ["127.0.0.2", "127.0.0.3", "fd53::3"])
def test_unknown_when_a_parent_server_does_not_answer(keys, failed):
    view = child(keys, ["old", "new"], ["old", "new"], cds=["new"])
    result = assess(ZONE, view, parent(keys, ["old", "new"], failed=failed), now=NOW)
    assert result.phase == "unknown"
    assert failed in result.summary
    assert result.actions == []


def test_unknown_without_parent_servers(keys):
    result = assess(ZONE, child(keys, ["old"], ["old"]), [], now=NOW)
    assert result.phase == "unknown"


# Events are hints (safety rule 9).


def test_forged_event_matches_nothing_and_adds_nothing(keys):
    view = child(keys, ["old"], ["old"], cds=["old"])
    forged = EventHint("dnssec.rotation_start", ZONE, ds=keys["rogue"].ds)
    result = assess(ZONE, view, parent(keys, ["old"]), event=forged, now=NOW)
    assert result.phase == "stable"
    assert result.actions == []
    assert result.event["matches_child"] is False
    assert result.event["agrees"] is False


def test_forged_event_during_a_rotation_changes_no_action(keys):
    view = child(keys, ["old", "new"], ["old", "new"], cds=["old", "new"])
    forged = EventHint("dnssec.rotation_start", ZONE, ds=keys["rogue"].ds)
    plain = assess(ZONE, view, parent(keys, ["old"]), now=NOW)
    hinted = assess(ZONE, view, parent(keys, ["old"]), event=forged, now=NOW)
    assert [a.to_dict() for a in hinted.actions] == [a.to_dict() for a in plain.actions]
    assert keys["rogue"].ds not in [a.ds for a in hinted.actions]
    assert hinted.event["matches_child"] is False


def test_event_for_a_key_that_is_published_but_not_signing(keys):
    # Rule 2: publishing is not enough, the key must sign the DNSKEY RRset.
    view = child(keys, ["old", "new"], ["old"], cds=["old"])
    event = EventHint("dnssec.rotation_start", ZONE, ds=keys["new"].ds)
    result = assess(ZONE, view, parent(keys, ["old"]), event=event, now=NOW)
    assert result.event["matches_child"] is False
    assert only(result.actions, "add") == []


def test_cds_naming_a_key_that_does_not_sign_adds_nothing(keys):
    view = child(keys, ["old", "new"], ["old"], cds=["new"])
    result = assess(ZONE, view, parent(keys, ["old"]), now=NOW)
    assert result.phase == "stable"
    assert only(result.actions, "add") == []


def test_cdnskey_selects_the_target(keys):
    view = child(keys, ["old", "new"], ["old", "new"], cdnskey=["new"])
    result = assess(ZONE, view, parent(keys, ["old"]), now=NOW)
    assert result.target_source == "the CDNSKEY RRset"
    assert [a.ds for a in only(result.actions, "add")] == [keys["new"].ds]


# Rule 1: the only DS that validates is never removed.


@pytest.mark.parametrize(
    "sets",
    [
        (["old"],),
        (["old", "new"], ["old", "new"], ["old"]),
        (["old", "rogue"],),
    ],
)
def test_the_only_validating_ds_is_never_safe_to_remove(keys, sets):
    view = child(keys, ["old", "new"], ["old", "new"], cds=["new"])
    event = EventHint("dnssec.rotation_complete", ZONE, ds=keys["old"].ds)
    record = evidence_for(keys, {"old": NOW - 10**6, "new": NOW - 10**6})
    result = assess(
        ZONE, view, parent(keys, *sets), event=event, evidence=record, now=NOW
    )
    [old] = [a for a in only(result.actions, "remove") if a.ds == keys["old"].ds]
    assert not old.safe


def test_removal_checks_every_parent_address(keys):
    # The new DS is everywhere, but one address serves it only as SHA-1.
    view = child(keys, ["old", "new"], ["old", "new"], cds=["new"])
    sha1 = compute_ds(ZONE, keys["new"].dnskey, 1)
    event = EventHint("dnssec.rotation_complete", ZONE)
    result = assess(
        ZONE,
        view,
        parent(keys, ["old", "new"], ["old", "new"], [keys["old"].ds, sha1]),
        event=event,
        now=NOW,
    )
    removes = only(result.actions, "remove")
    assert removes and not any(action.safe for action in removes)


def test_registrar_only_leftover_is_removed(keys):
    view = child(keys, ["new"], ["new"], cds=["new"])
    registrar = [
        RegistrarRecordView(ds=keys["new"].ds),
        RegistrarRecordView(dnskey=keys["old"].dnskey),
    ]
    event = EventHint("dnssec.rotation_complete", ZONE)
    result = assess(
        ZONE, view, parent(keys, ["new"]), registrar=registrar, event=event, now=NOW
    )
    [remove] = result.actions
    assert remove.ds == keys["old"].ds and remove.safe


# Timing and the evidence file.


def test_rotation_timing_from_the_evidence(keys):
    record = _evidence.DomainEvidence()
    view = child(keys, ["old", "new"], ["old", "new"], cds=["new"])
    first = assess(ZONE, view, parent(keys, ["old"]), evidence=record, now=NOW)
    assert first.rotation["elapsed_seconds"] == 0
    assert first.rotation["window"] == "add"
    later = assess(ZONE, view, parent(keys, ["old"]), evidence=record, now=NOW + 3600)
    assert later.rotation["elapsed_seconds"] == 3600
    assert later.rotation["window_left_seconds"] == 7 * 86400 - 3600
    published = assess(
        ZONE, view, parent(keys, ["old", "new"]), evidence=record, now=NOW + 7200
    )
    assert published.rotation["window"] == "remove"
    assert published.rotation["window_left_seconds"] == 7 * 86400
    stable = assess(
        ZONE, child(keys, ["new"], ["new"]), parent(keys, ["new"]), evidence=record
    )
    assert stable.rotation is None
    assert record.rotation_started_at is None


def test_rotation_timing_unknown_without_evidence(keys):
    view = child(keys, ["old", "new"], ["old", "new"], cds=["new"])
    result = assess(ZONE, view, parent(keys, ["old"]), now=NOW)
    assert result.rotation["started_at"] is None
    assert result.rotation["window_left_seconds"] is None


def test_evidence_store_round_trip(tmp_path):
    path = str(tmp_path / "sub" / "state.json")
    store = _evidence.EvidenceStore(path)
    store.load()
    record = store.domain("Example.test")
    record.observe_parent(["1 13 2 AA"], NOW)
    assert store.save()
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"

    other = _evidence.EvidenceStore(path)
    other.load()
    assert other.domain("example.test.").ds_first_seen == {"1 13 2 AA": NOW}
    other.domain("example.test.").observe_parent(["1 13 2 AA"], NOW + 50)
    assert not other.save()

    # A concurrent run's record of another domain survives this run's save.
    third = _evidence.EvidenceStore(path)
    third.load()
    third.domain("b.test.").observe_parent(["2 13 2 BB"], NOW)
    record.observe_parent(["1 13 2 AA", "3 13 2 CC"], NOW + 10)
    third.save()
    store.save()
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    assert set(data["domains"]) == {"example.test.", "b.test."}
    assert data["domains"]["example.test."]["ds_first_seen"]["1 13 2 AA"] == NOW


def test_evidence_store_refuses_a_foreign_file(tmp_path):
    path = tmp_path / "state.json"
    path.write_text("[1, 2]")
    store = _evidence.EvidenceStore(str(path))
    with pytest.raises(_evidence.EvidenceError, match="state.json"):
        store.load()
    path.write_text("{not json")
    with pytest.raises(_evidence.EvidenceError, match="not valid JSON"):
        store.load()


def test_without_a_path_nothing_is_written():
    store = _evidence.EvidenceStore(None)
    store.load()
    store.domain("a.test").observe_parent(["1 13 2 AA"], NOW)
    assert store.save() is False


def test_parse_ds_shape_of_actions(keys):
    view = child(keys, ["old", "new"], ["old", "new"], cds=["new"])
    result = assess(ZONE, view, parent(keys, ["old"]), now=NOW)
    data = result.to_dict()
    add = data["actions"][0]
    assert set(add) == {
        "action",
        "ds",
        "dnskey",
        "reason",
        "safe",
        "blocked_by",
        "safe_in_seconds",
    }
    assert parse_ds(add["ds"]["text"]) == keys["new"].ds


def test_broken_while_the_good_ds_is_leaving_still_adds_it(keys):
    view = child(keys, ["old"], ["old"])
    result = assess(ZONE, view, parent(keys, ["rogue"], ["old"], ["old"]), now=NOW)
    assert result.phase == "broken"
    assert [a.ds for a in only(result.actions, "add")] == [keys["old"].ds]
