# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

from __future__ import annotations

import typing as t

import dns.dnssec
import dns.rrset
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from ansible_collections.dnsops.dnssec.plugins.module_utils import _ds_change
from ansible_collections.dnsops.dnssec.plugins.module_utils._child import (
    ChildAddressView,
    ChildView,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._dns import QueryResult
from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    DSRecord,
    RecordError,
    compute_ds,
    dnskey_from_rdata,
    make_ds,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._ds_change import (
    ChangeError,
    DsChange,
    ParentEvidence,
    SafetyError,
    Wanted,
    parse_wanted,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._parent import ParentView
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar import (
    Registrar,
    RegistrarRecord,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar_manual import (
    ManualRegistrar,
)

ZONE = "example.test."


def new_key(flags: int = 257):
    private = ec.generate_private_key(ec.SECP256R1())
    rdata = dns.dnssec.make_dnskey(
        private.public_key(), dns.dnssec.Algorithm.ECDSAP256SHA256, flags=flags
    )
    return dnskey_from_rdata(rdata)


OLD = new_key()
NEW = new_key()
STRAY = new_key()
OLD_DS = make_ds(ZONE, OLD)
NEW_DS = make_ds(ZONE, NEW)
STRAY_DS = make_ds(ZONE, STRAY)


class FakeRegistrar(Registrar):
    """A per-record (or replace-the-set) registrar kept in memory."""

    name = "fake"
    takes = "ds"

    def __init__(self, records=(), takes="ds", replaces=False, by_tag=False):
        super().__init__({})
        self.store: list[RegistrarRecord] = list(records)
        self.calls: list[tuple[str, t.Any]] = []
        self.takes = takes  # type: ignore[misc]
        self.replaces_set = replaces  # type: ignore[misc]
        self.by_tag = by_tag
        self.before_write: t.Callable[[], None] | None = None

    def list_records(self, domain):
        self.calls.append(("list", None))
        return list(self.store)

    def add_record(self, domain, record):
        self.calls.append(("add", record))
        self.store.append(record)

    def remove_record(self, domain, record):
        self.calls.append(("remove", record))
        self.store = [
            r for r in self.store if r not in self.removal_siblings(self.store, record)
        ]

    def removal_siblings(self, records, record):
        if self.by_tag:
            return [r for r in records if r.key_tag == record.key_tag]
        return [record]

    def replace_records(self, domain, records):
        self.calls.append(("replace", list(records)))
        self.store = list(records)

    @property
    def writes(self):
        return [call for call in self.calls if call[0] != "list"]


def child_view(keys=(OLD,), signing=(OLD,), answered=True, addresses=2):
    views = []
    for index in range(addresses):
        views.append(
            ChildAddressView(
                server=f"ns{index}.test.",
                address=f"127.53.6.{4 + index}",
                status="answer" if answered else "timeout",
                answered=answered,
                error=None if answered else "timeout for DNSKEY",
                dnskeys=list(keys) if answered else [],
                signing_ksks=list(signing) if answered else [],
            )
        )
    return ChildView(domain=ZONE, addresses=views)


def parent_view(*per_address: t.Sequence[DSRecord] | None) -> ParentEvidence:
    results = []
    for index, ds_set in enumerate(per_address):
        if ds_set is None:
            results.append(
                QueryResult(
                    "ns.test.", f"127.53.6.{2 + index}", "timeout", error="timeout"
                )
            )
            continue
        rrset = (
            dns.rrset.from_text(ZONE, 3, "IN", "DS", *[ds.to_text() for ds in ds_set])
            if ds_set
            else None
        )
        results.append(
            QueryResult(
                "ns.test.",
                f"127.53.6.{2 + index}",
                "answer" if ds_set else "nodata",
                rcode="NOERROR",
                flags=["QR", "AA"],
                rrset=rrset,
            )
        )
    return ParentEvidence(ParentView(ZONE, "test.", results))


@pytest.fixture
def world(monkeypatch):
    """The child and parent views the gate sees; tests change them."""
    state = {"child": child_view(), "parent": parent_view([OLD_DS], [OLD_DS])}
    monkeypatch.setattr(
        _ds_change, "gather_child", lambda client, domain: state["child"]
    )
    monkeypatch.setattr(
        _ds_change, "gather_parent", lambda client, domain: state["parent"]
    )
    return state


def run(registrar, wanted, state="present", **kwargs):
    change = DsChange(registrar, None, ZONE, wanted, state=state, **kwargs)
    return change.run()


def ds_rec(ds):
    return RegistrarRecord(ds=ds, record_id=ds.digest)


# -- parsing ---------------------------------------------------------------


@pytest.mark.parametrize(
    "value, error",
    [
        ("1 13 2 ZZZZ", "hexadecimal"),
        ("12345 13 2 ABCD", "64 hex digits"),
        ("12345 99 2 " + "A" * 64, "algorithm 99 is not a DNSSEC signing algorithm"),
        ("12345 13 9 " + "A" * 64, "digest type 9 is not a known"),
        ("nonsense", "cannot read a DS record"),
        ({"key_tag": 1, "algorithm": 13, "digest_type": 2}, "digest is missing"),
    ],
)
def test_malformed_records_are_refused_with_the_field(value, error):
    with pytest.raises(RecordError, match=error):
        parse_wanted([value], None)


def test_key_without_zone_flag_is_refused():
    key = new_key(flags=1)
    with pytest.raises(RecordError, match="Zone Key bit"):
        parse_wanted(None, [key.to_text()])


def test_records_and_keys_are_read_and_deduplicated():
    wanted = parse_wanted([OLD_DS.to_text(), OLD_DS.to_dict()], [NEW.to_text()])
    assert wanted == [Wanted(ds=OLD_DS), Wanted(dnskey=NEW)]


# -- planning --------------------------------------------------------------


def test_present_adds_only_the_missing_record(world):
    world["child"] = child_view(keys=(OLD, NEW), signing=(OLD, NEW))
    registrar = FakeRegistrar([ds_rec(OLD_DS)])
    result = run(registrar, [Wanted(ds=OLD_DS), Wanted(ds=NEW_DS)])
    assert result["changed"] is True
    assert [call[0] for call in registrar.writes] == ["add"]
    assert registrar.writes[0][1].ds == NEW_DS
    # The key is sent along when the child publishes it (DNSimple's public_key).
    assert registrar.writes[0][1].dnskey == NEW
    assert [r["ds"]["text"] for r in result["after"]] == [
        OLD_DS.to_text(),
        NEW_DS.to_text(),
    ]
    assert result["diff"]["before"] == f"DS {OLD_DS.to_text()}\n"


def test_second_run_changes_nothing_and_writes_nothing(world):
    registrar = FakeRegistrar([ds_rec(OLD_DS)])
    result = run(registrar, [Wanted(ds=OLD_DS)])
    assert result["changed"] is False
    assert registrar.writes == []


def test_keys_become_ds_with_the_chosen_digest_type(world):
    world["child"] = child_view(keys=(OLD, NEW), signing=(OLD, NEW))
    registrar = FakeRegistrar([ds_rec(OLD_DS)])
    run(registrar, [Wanted(dnskey=NEW)], digest_type=4)
    added = registrar.writes[0][1]
    assert added.ds == make_ds(ZONE, NEW, 4)
    assert added.ds.digest_type == 4


def test_sha1_is_never_generated():
    with pytest.raises(ChangeError, match="never generated"):
        DsChange(FakeRegistrar(), None, ZONE, [], digest_type=1)


def test_a_given_sha1_ds_is_never_submitted(world):
    sha1 = compute_ds(ZONE, OLD, 1)
    registrar = FakeRegistrar([])
    with pytest.raises(SafetyError, match="never submitted"):
        run(registrar, [Wanted(ds=sha1)], allow_unsafe=True)
    assert registrar.writes == []


def test_dnskey_registrar_gets_the_child_key_for_a_ds(world):
    world["child"] = child_view(keys=(OLD, NEW), signing=(OLD, NEW))
    registrar = FakeRegistrar([RegistrarRecord(dnskey=OLD)], takes="dnskey")
    result = run(registrar, [Wanted(ds=NEW_DS)])
    assert registrar.writes[0][1].dnskey == NEW
    assert result["changed"] is True
    # The DS of a key the registrar already holds is recognised from the key.
    registrar.calls.clear()
    assert run(registrar, [Wanted(ds=OLD_DS)])["changed"] is False


def test_exact_keeps_registry_added_digests_of_wanted_keys(world):
    sha1 = compute_ds(ZONE, OLD, 1)
    registrar = FakeRegistrar([ds_rec(OLD_DS), ds_rec(sha1)])
    result = run(registrar, [Wanted(ds=OLD_DS)], state="exact")
    assert result["changed"] is False
    assert registrar.writes == []


def test_exact_adds_before_it_removes(world):
    world["child"] = child_view(keys=(OLD, NEW), signing=(OLD, NEW))
    world["parent"] = parent_view([OLD_DS, NEW_DS], [OLD_DS, NEW_DS])
    registrar = FakeRegistrar([ds_rec(OLD_DS), ds_rec(STRAY_DS)])
    run(registrar, [Wanted(ds=OLD_DS), Wanted(ds=NEW_DS)], state="exact")
    assert [call[0] for call in registrar.writes] == ["add", "remove"]
    assert registrar.writes[1][1].ds == STRAY_DS


def test_check_mode_makes_no_write(world):
    world["child"] = child_view(keys=(OLD, NEW), signing=(OLD, NEW))
    registrar = FakeRegistrar([ds_rec(OLD_DS)])
    result = run(registrar, [Wanted(ds=NEW_DS)], check_mode=True)
    assert result["changed"] is True
    assert registrar.writes == []
    assert [r["ds"]["text"] for r in result["after"]] == [
        OLD_DS.to_text(),
        NEW_DS.to_text(),
    ]


def test_read_back_that_disagrees_fails(world):
    world["child"] = child_view(keys=(OLD, NEW), signing=(OLD, NEW))

    class Forgetful(FakeRegistrar):
        def add_record(self, domain, record):
            self.calls.append(("add", record))

    registrar = Forgetful([ds_rec(OLD_DS)])
    with pytest.raises(ChangeError, match="does not list it") as info:
        run(registrar, [Wanted(ds=NEW_DS)])
    assert info.value.result["changed"] is True
    assert info.value.result["operations"] is registrar.operations


# -- the safety gate -------------------------------------------------------


def test_rule2_refuses_a_ds_for_an_unpublished_key(world):
    registrar = FakeRegistrar([ds_rec(OLD_DS)])
    with pytest.raises(SafetyError, match="safety rule 2"):
        run(registrar, [Wanted(ds=STRAY_DS)])
    assert registrar.writes == []


def test_rule2_refuses_a_key_published_but_not_signing(world):
    world["child"] = child_view(keys=(OLD, NEW), signing=(OLD,))
    registrar = FakeRegistrar([ds_rec(OLD_DS)])
    with pytest.raises(SafetyError, match="safety rule 2"):
        run(registrar, [Wanted(dnskey=NEW)])
    assert registrar.writes == []


def test_rule2_refuses_when_a_child_server_does_not_answer(world):
    world["child"] = child_view(answered=False)
    registrar = FakeRegistrar([])
    with pytest.raises(SafetyError, match="not every child server address answered"):
        run(registrar, [Wanted(ds=OLD_DS)])
    assert registrar.writes == []


def test_rule2_refuses_when_child_servers_disagree(world):
    view = child_view(keys=(OLD, NEW), signing=(OLD, NEW))
    view.addresses[1].signing_ksks = [OLD]
    world["child"] = view
    registrar = FakeRegistrar([ds_rec(OLD_DS)])
    with pytest.raises(SafetyError, match="disagree"):
        run(registrar, [Wanted(ds=NEW_DS)])
    assert registrar.writes == []


def test_rule1_refuses_removing_the_last_validating_ds(world):
    registrar = FakeRegistrar([ds_rec(OLD_DS), ds_rec(STRAY_DS)])
    with pytest.raises(SafetyError, match="safety rule 1"):
        run(registrar, [Wanted(ds=OLD_DS)], state="absent")
    assert registrar.writes == []


def test_rule1_a_key_whose_records_all_go_keeps_no_chain(world):
    # A registrar that holds keys: removing the only key leaves the parent's DS
    # of it in place for a while, but nothing at the registrar vouches for it.
    registrar = FakeRegistrar([RegistrarRecord(dnskey=OLD)], takes="dnskey")
    with pytest.raises(SafetyError, match="safety rule 1"):
        run(registrar, [Wanted(dnskey=OLD)], state="absent")
    assert registrar.writes == []


def test_rule1_refuses_removal_while_the_successor_is_not_on_every_parent(world):
    world["child"] = child_view(keys=(OLD, NEW), signing=(OLD, NEW))
    # The new DS is at the registrar but one parent server does not serve it yet.
    world["parent"] = parent_view([OLD_DS, NEW_DS], [OLD_DS])
    registrar = FakeRegistrar([ds_rec(OLD_DS), ds_rec(NEW_DS)])
    with pytest.raises(SafetyError, match="safety rule 1"):
        run(registrar, [Wanted(ds=NEW_DS)], state="exact")
    assert registrar.writes == []


def test_rule1_allows_removal_once_the_successor_is_everywhere(world):
    world["child"] = child_view(keys=(OLD, NEW), signing=(OLD, NEW))
    world["parent"] = parent_view([OLD_DS, NEW_DS], [OLD_DS, NEW_DS])
    registrar = FakeRegistrar([ds_rec(OLD_DS), ds_rec(NEW_DS)])
    result = run(registrar, [Wanted(ds=OLD_DS)], state="absent")
    assert [call[0] for call in registrar.writes] == ["remove"]
    assert [r["ds"]["text"] for r in result["after"]] == [NEW_DS.to_text()]


def test_rule1_removing_the_only_served_digest_of_a_staying_key_is_refused(world):
    # The registrar holds the key's SHA-256 and SHA-384 DS, the parent serves only
    # the SHA-256 one: removing it leaves nothing served that validates.
    new_sha384 = make_ds(ZONE, NEW, 4)
    world["child"] = child_view(keys=(NEW,), signing=(NEW,))
    world["parent"] = parent_view([NEW_DS], [NEW_DS])
    registrar = FakeRegistrar([ds_rec(NEW_DS), ds_rec(new_sha384)])
    with pytest.raises(SafetyError, match="safety rule 1"):
        run(registrar, [Wanted(ds=NEW_DS)], state="absent")
    assert registrar.writes == []


def test_rule1_a_sha1_ds_does_not_count_as_validating(world):
    sha1_new = compute_ds(ZONE, NEW, 1)
    world["child"] = child_view(keys=(OLD, NEW), signing=(OLD, NEW))
    world["parent"] = parent_view([OLD_DS, sha1_new], [OLD_DS, sha1_new])
    registrar = FakeRegistrar([ds_rec(OLD_DS), ds_rec(sha1_new)])
    with pytest.raises(SafetyError, match="safety rule 1"):
        run(registrar, [Wanted(ds=OLD_DS)], state="absent")


def test_rule3_unknown_parent_answers_block_a_removal(world):
    world["child"] = child_view(keys=(OLD, NEW), signing=(OLD, NEW))
    world["parent"] = parent_view([OLD_DS, NEW_DS], None)
    registrar = FakeRegistrar([ds_rec(OLD_DS), ds_rec(NEW_DS)])
    with pytest.raises(SafetyError, match="safety rule 3"):
        run(registrar, [Wanted(ds=OLD_DS)], state="absent")
    assert registrar.writes == []


def test_removal_by_key_tag_is_judged_by_its_whole_effect(world):
    # Porkbun-like: removing the SHA-384 DS of OLD also removes its SHA-256 DS.
    old384 = make_ds(ZONE, OLD, 4)
    registrar = FakeRegistrar([ds_rec(OLD_DS), ds_rec(old384)], by_tag=True)
    with pytest.raises(SafetyError, match="safety rule 1"):
        run(registrar, [Wanted(ds=old384)], state="absent")
    assert registrar.writes == []


def test_by_tag_removal_adds_back_a_wanted_sibling(world):
    world["parent"] = parent_view([OLD_DS], [OLD_DS])
    old384 = make_ds(ZONE, OLD, 4)
    registrar = FakeRegistrar([ds_rec(OLD_DS), ds_rec(old384)], by_tag=True)
    # exact {OLD_DS} with a tolerated SHA-384 sibling: nothing to do.
    assert run(registrar, [Wanted(ds=OLD_DS)], state="exact")["changed"] is False


def test_allow_unsafe_skips_the_chain_checks(world):
    registrar = FakeRegistrar([ds_rec(OLD_DS)])
    change = DsChange(
        registrar, None, ZONE, [Wanted(ds=OLD_DS)], state="absent", allow_unsafe=True
    )
    result = change.run()
    assert [call[0] for call in registrar.writes] == ["remove"]
    assert result["after"] == []
    assert "allow_unsafe" in change.warnings[0]


def test_rule10_refuses_an_algorithm_that_does_not_sign(world):
    change = DsChange(FakeRegistrar(), None, ZONE, [], state="present")
    rsa = DSRecord(
        key_tag=OLD_DS.key_tag, algorithm=8, digest_type=2, digest=OLD_DS.digest
    )
    # Passes rule 2 only through a forged match, to reach the algorithm check.
    change._signs = lambda record, signing: True  # type: ignore[method-assign]
    with pytest.raises(SafetyError, match="safety rule 10"):
        change.gate([ds_rec(OLD_DS)], [RegistrarRecord(ds=rsa)], [])


# -- replace-the-set registrars ---------------------------------------------


def racing(registrar, meanwhile):
    """Run ``meanwhile`` right before the fresh read that precedes the write."""
    original_list = registrar.list_records
    reads = []

    def racing_list(domain):
        reads.append(domain)
        if len(reads) == 2:
            meanwhile()
        return original_list(domain)

    registrar.list_records = racing_list  # type: ignore[method-assign]
    return reads


def test_replace_keeps_a_record_added_between_read_and_write(world):
    world["child"] = child_view(keys=(OLD, NEW, STRAY), signing=(OLD, NEW, STRAY))
    world["parent"] = parent_view([OLD_DS, NEW_DS], [OLD_DS, NEW_DS])
    registrar = FakeRegistrar(
        [RegistrarRecord(dnskey=OLD), RegistrarRecord(dnskey=NEW)],
        takes="dnskey",
        replaces=True,
    )
    # Someone else adds a key after the plan was made.
    reads = racing(
        registrar, lambda: registrar.store.append(RegistrarRecord(dnskey=STRAY))
    )
    result = run(registrar, [Wanted(dnskey=OLD)], state="absent")
    replaced = [call[1] for call in registrar.writes if call[0] == "replace"][0]
    assert {record.dnskey.key_tag for record in replaced} == {
        NEW.key_tag,
        STRAY.key_tag,
    }
    assert len(reads) == 3  # plan, fresh read before the write, read-back
    assert result["changed"] is True


def test_replace_rejudges_the_fresh_set(world):
    world["child"] = child_view(keys=(OLD, NEW), signing=(OLD, NEW))
    world["parent"] = parent_view([OLD_DS, NEW_DS], [OLD_DS, NEW_DS])
    registrar = FakeRegistrar(
        [RegistrarRecord(dnskey=OLD), RegistrarRecord(dnskey=NEW)],
        takes="dnskey",
        replaces=True,
    )

    def remove_new():
        # Someone else removed the new key since the plan.
        registrar.store = [RegistrarRecord(dnskey=OLD)]

    reads = racing(registrar, remove_new)
    with pytest.raises(SafetyError, match="safety rule 1"):
        run(registrar, [Wanted(dnskey=OLD)], state="absent")
    assert len(reads) == 2
    assert registrar.writes == []


# -- manual ------------------------------------------------------------------


def test_manual_returns_instructions_against_the_parent_set(world):
    world["child"] = child_view(keys=(OLD, NEW), signing=(OLD, NEW))
    world["parent"] = parent_view([OLD_DS], [OLD_DS])
    result = run(ManualRegistrar({}), [Wanted(ds=NEW_DS)])
    assert result["changed"] is False
    assert result["operations"] == []
    [step] = result["instructions"]
    assert step["action"] == "add"
    assert step["ds"]["key_tag"] == NEW_DS.key_tag
    assert step["ds"]["digest"] == NEW_DS.digest
    assert step["ds"]["digest_type_name"] == "SHA-256"


def test_manual_refuses_instructions_that_break_the_chain(world):
    with pytest.raises(SafetyError, match="safety rule 1"):
        run(ManualRegistrar({}), [Wanted(ds=OLD_DS)], state="absent")


def test_exact_adds_now_and_leaves_an_unsafe_removal_for_later(world):
    world["child"] = child_view(keys=(OLD, NEW), signing=(OLD, NEW))
    world["parent"] = parent_view([OLD_DS], [OLD_DS])
    registrar = FakeRegistrar([ds_rec(OLD_DS)])
    with pytest.raises(SafetyError, match="the removals wait:.*safety rule 1") as info:
        run(registrar, [Wanted(ds=NEW_DS)], state="exact")
    assert [call[0] for call in registrar.writes] == ["add"]
    assert info.value.result["changed"] is True
    assert info.value.result["removed"] == []
