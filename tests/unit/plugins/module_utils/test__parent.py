# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""Unit tests of the parent's view: judgements, waiting, chain check. No network."""

from __future__ import annotations

import typing as t

import dns.dnssec
import dns.name
import dns.rdata
import dns.rrset
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from ansible_collections.dnsops.dnssec.plugins.module_utils import _dns, _parent
from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    dnskey_from_rdata,
    make_ds,
    parse_ds,
)

DOMAIN = "example.co.test."
DS_A = parse_ds("11111 13 2 " + "AA" * 32)
DS_B = parse_ds("22222 13 2 " + "BB" * 32)
DS_EXTRA = parse_ds("11111 13 4 " + "CC" * 48)
ADDRESSES = ["192.0.2.2", "192.0.2.3", "2001:db8::3"]


def answer(address: str, records: t.Sequence[t.Any]) -> _dns.QueryResult:
    rrset = dns.rrset.from_text_list(
        DOMAIN, 3600, "IN", "DS", [ds.to_text() for ds in records]
    )
    return _dns.QueryResult(
        f"ns-{address}.test.", address, "answer", "NOERROR", ["QR", "AA"], rrset
    )


def nodata(address: str) -> _dns.QueryResult:
    return _dns.QueryResult(f"ns-{address}.test.", address, "nodata", "NOERROR")


def failure(address: str, status: str) -> _dns.QueryResult:
    return _dns.QueryResult(
        f"ns-{address}.test.", address, status, error=f"{status} happened"
    )


def view(*results: _dns.QueryResult) -> _parent.ParentView:
    return _parent.ParentView(DOMAIN, "test.", list(results))


# present


def test_present_everywhere_holds() -> None:
    judgement = _parent.present(
        view(*(answer(a, [DS_A, DS_B]) for a in ADDRESSES)), [DS_A]
    )
    assert judgement.outcome == "holds"
    assert judgement.holds
    assert judgement.records[0].served_by == ADDRESSES
    assert judgement.records[0].missing_from == []
    assert judgement.disagreeing == []


def test_present_tolerates_extra_registry_digests() -> None:
    results = [answer(a, [DS_A, DS_EXTRA]) for a in ADDRESSES]
    assert _parent.present(view(*results), [DS_A]).holds


def test_present_matches_digests_case_insensitively() -> None:
    lower = parse_ds("11111 13 2 " + "aa" * 32)
    assert _parent.present(view(answer(ADDRESSES[0], [DS_A])), [lower]).holds


def test_present_missing_on_one_address_fails_and_names_it() -> None:
    results = [
        answer(ADDRESSES[0], [DS_A]),
        answer(ADDRESSES[1], [DS_A]),
        nodata(ADDRESSES[2]),
    ]
    v = view(*results)
    judgement = _parent.present(v, [DS_A])
    assert judgement.outcome == "fails"
    assert not judgement.holds
    assert judgement.disagreeing == ["2001:db8::3"]
    assert judgement.records[0].missing_from == ["2001:db8::3"]
    message = judgement.message(v)
    assert "2001:db8::3" in message and "lacks 11111 13 2" in message
    assert "1 of 3" in message


def test_present_needs_every_record_on_every_address() -> None:
    results = [answer(a, [DS_A]) for a in ADDRESSES]
    judgement = _parent.present(view(*results), [DS_A, DS_B])
    assert judgement.outcome == "fails"
    assert judgement.records[1].missing_from == ADDRESSES


@pytest.mark.parametrize(
    "status",
    ["timeout", "servfail", "refused", "not_authoritative", "referral", "error"],
)
def test_a_failed_address_is_never_present(status: str) -> None:
    results = [
        answer(ADDRESSES[0], [DS_A]),
        answer(ADDRESSES[1], [DS_A]),
        failure(ADDRESSES[2], status),
    ]
    judgement = _parent.present(view(*results), [DS_A])
    assert judgement.outcome == "unknown"
    assert not judgement.holds
    assert judgement.records[0].unknown == ["2001:db8::3"]
    assert judgement.disagreeing == ["2001:db8::3"]


@pytest.mark.parametrize(
    "status",
    ["timeout", "servfail", "refused", "not_authoritative", "referral", "error"],
)
def test_a_failed_address_is_never_absent(status: str) -> None:
    results = [
        nodata(ADDRESSES[0]),
        nodata(ADDRESSES[1]),
        failure(ADDRESSES[2], status),
    ]
    judgement = _parent.absent(view(*results), [DS_A])
    assert judgement.outcome == "unknown"
    assert not judgement.holds


def test_unknown_wins_over_fails() -> None:
    results = [nodata(ADDRESSES[0]), failure(ADDRESSES[1], "timeout")]
    assert _parent.present(view(*results), [DS_A]).outcome == "unknown"


def test_no_address_is_unknown() -> None:
    judgement = _parent.present(view(), [DS_A])
    assert judgement.outcome == "unknown"
    assert "no parent server address" in judgement.message(view())


# absent


def test_absent_holds_when_no_address_serves_it() -> None:
    results = [answer(ADDRESSES[0], [DS_B]), nodata(ADDRESSES[1])]
    results.append(_dns.QueryResult("ns.test.", ADDRESSES[2], "nxdomain", "NXDOMAIN"))
    assert _parent.absent(view(*results), [DS_A]).holds


def test_absent_fails_while_one_address_still_serves_it() -> None:
    results = [nodata(ADDRESSES[0]), answer(ADDRESSES[1], [DS_A]), nodata(ADDRESSES[2])]
    v = view(*results)
    judgement = _parent.absent(v, [DS_A])
    assert judgement.outcome == "fails"
    assert judgement.records[0].served_by == ["192.0.2.3"]
    assert "still serves 11111 13 2" in judgement.message(v)


# exact


def test_exact_holds_for_the_same_set() -> None:
    results = [answer(a, [DS_B, DS_A]) for a in ADDRESSES]
    assert _parent.exact(view(*results), [DS_A, DS_B]).holds


def test_exact_fails_on_an_extra_record() -> None:
    results = [answer(a, [DS_A, DS_EXTRA]) for a in ADDRESSES]
    judgement = _parent.exact(view(*results), [DS_A])
    assert judgement.outcome == "fails"
    assert judgement.disagreeing == ADDRESSES


def test_exact_empty_set_means_no_ds() -> None:
    assert _parent.exact(view(*(nodata(a) for a in ADDRESSES)), []).holds
    assert not _parent.exact(view(answer(ADDRESSES[0], [DS_A])), []).holds


def test_judge_by_name_and_unknown_state() -> None:
    v = view(answer(ADDRESSES[0], [DS_A]))
    assert _parent.judge(v, [DS_A], "present").holds
    assert not _parent.judge(v, [DS_A], "absent").holds
    with pytest.raises(ValueError, match="state must be"):
        _parent.judge(v, [DS_A], "gone")


def test_view_sets() -> None:
    v = view(answer(ADDRESSES[0], [DS_A, DS_B]), answer(ADDRESSES[1], [DS_A]))
    assert v.served_anywhere() == [DS_A, DS_B]
    assert v.served_everywhere() == [DS_A]
    assert (
        view(
            answer(ADDRESSES[0], [DS_A]), failure(ADDRESSES[1], "timeout")
        ).served_everywhere()
        == []
    )
    entry = v.to_dict()[0]
    assert entry["records"] == [DS_A.to_text(), DS_B.to_text()]
    assert entry["address"] == ADDRESSES[0]


# check_parent and wait_for


class FakeClient:
    """A DnsClient stand-in that serves a script of DS sets, one per check."""

    def __init__(self, script: list[list[_dns.QueryResult]]):
        self.script = script
        self.checks = 0
        self.found: list[str] = []
        self.given: list[t.Sequence[str]] = []

    def find_parent(self, domain):
        self.found.append(domain.to_text())
        return "test.", [_dns.ServerAddress("ns.test.", a) for a in ADDRESSES]

    def server_addresses(self, names):
        self.given.append(names)
        return [_dns.ServerAddress(n, n) for n in names]

    def query_all(self, targets, qname, rdtype):
        assert rdtype == "DS"
        results = self.script[min(self.checks, len(self.script) - 1)]
        self.checks += 1
        return results


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.pauses: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds


def test_check_parent_discovers_the_parent() -> None:
    client = FakeClient([[answer(a, [DS_A]) for a in ADDRESSES]])
    v = _parent.check_parent(client, "example.co.test")
    assert v.parent_zone == "test."
    assert v.domain == DOMAIN
    assert client.found == [DOMAIN]


def test_check_parent_with_given_servers_skips_discovery() -> None:
    client = FakeClient([[answer(a, [DS_A]) for a in ADDRESSES]])
    v = _parent.check_parent(client, DOMAIN, parent_servers=["192.0.2.2"])
    assert client.found == []
    assert client.given == [["192.0.2.2"]]
    # Without SOA or RRSIG in the answers, the name above stands in.
    assert v.parent_zone == "co.test."


def test_wait_checks_once_with_zero_timeout() -> None:
    client = FakeClient([[nodata(a) for a in ADDRESSES]])
    clock = Clock()
    waited = _parent.wait_for(
        client, DOMAIN, [DS_A], "present", 0, sleep=clock.sleep, clock=clock
    )
    assert waited.checks == 1
    assert not waited.judgement.holds
    assert clock.pauses == []


def test_wait_until_a_lagging_server_catches_up() -> None:
    lagging = [
        answer(ADDRESSES[0], [DS_A]),
        answer(ADDRESSES[1], [DS_A]),
        nodata(ADDRESSES[2]),
    ]
    caught_up = [answer(a, [DS_A]) for a in ADDRESSES]
    client = FakeClient([lagging, lagging, lagging, caught_up])
    clock = Clock()
    seen = []
    waited = _parent.wait_for(
        client,
        DOMAIN,
        [DS_A],
        "present",
        60,
        progress=lambda v, j, n: seen.append((j.outcome, n)),
        sleep=clock.sleep,
        clock=clock,
    )
    assert waited.judgement.holds
    assert waited.checks == 4
    assert clock.pauses == [1.0, 2.0, 4.0]
    assert seen == [("fails", 1), ("fails", 2), ("fails", 3)]


def test_wait_pauses_grow_to_thirty_seconds_and_stop_at_the_deadline() -> None:
    client = FakeClient([[nodata(a) for a in ADDRESSES]])
    clock = Clock()
    waited = _parent.wait_for(
        client, DOMAIN, [DS_A], "present", 100, sleep=clock.sleep, clock=clock
    )
    assert clock.pauses == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 9.0]
    assert clock.now == 100.0
    assert not waited.judgement.holds
    assert waited.judgement.outcome == "fails"
    assert waited.checks == 9


def test_pauses_sequence() -> None:
    pauses = _parent.pauses()
    assert [next(pauses) for step in range(8)] == [1, 2, 4, 8, 16, 30, 30, 30]


# The module's entry point.


def run(monkeypatch, script, **params):
    client = FakeClient(script)
    monkeypatch.setattr(_parent, "client_from_params", lambda p: client)
    defaults = {
        "domain": DOMAIN,
        "records": [DS_A.to_text()],
        "state": "present",
        "wait_timeout": 0,
        "parent_servers": None,
        "validate": False,
        "resolvers": ["192.0.2.53"],
        "query_timeout": 1.0,
        "query_retry": 0,
    }
    defaults.update(params)
    return _parent.run_check(defaults)


def test_run_check_reports_success(monkeypatch) -> None:
    failed, result = run(monkeypatch, [[answer(a, [DS_A]) for a in ADDRESSES]])
    assert not failed
    assert result["holds"] is True
    assert result["changed"] is False
    assert result["outcome"] == "holds"
    assert result["parent_zone"] == "test."
    assert [s["address"] for s in result["servers"]] == ADDRESSES
    assert result["records"][0]["served_by"] == ADDRESSES
    assert result["records"][0]["text"] == DS_A.to_text()


def test_run_check_fails_with_the_report(monkeypatch) -> None:
    results = [
        answer(ADDRESSES[0], [DS_A]),
        nodata(ADDRESSES[1]),
        failure(ADDRESSES[2], "servfail"),
    ]
    failed, result = run(monkeypatch, [results])
    assert failed
    assert result["holds"] is False
    assert result["outcome"] == "unknown"
    assert "192.0.2.3" in result["msg"] and "servfail happened" in result["msg"]
    assert result["disagreeing"] == ["192.0.2.3", "2001:db8::3"]


def test_run_check_accepts_dnsimple_payload_records(monkeypatch) -> None:
    payload = {
        "id": None,
        "keytag": "11111",
        "algorithm": "13",
        "digest_type": "2",
        "digest": "AA" * 32,
        "public_key": "mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==",
    }
    failed, result = run(
        monkeypatch, [[answer(a, [DS_A]) for a in ADDRESSES]], records=[payload]
    )
    assert not failed
    assert result["records"][0]["key_tag"] == 11111


@pytest.mark.parametrize(
    "params, message",
    [
        ({"records": ["11111 13 2 XYZ"]}, "records item 1: digest must be hexadecimal"),
        ({"records": [DS_A.to_text(), "1 2"]}, "records item 2: cannot read a DS"),
        ({"records": []}, "needs at least one DS record for state present"),
        ({"records": [], "state": "absent"}, "for state absent"),
        ({"wait_timeout": -1}, "wait_timeout must be 0 or more"),
    ],
)
def test_run_check_bad_input(monkeypatch, params, message) -> None:
    failed, result = run(monkeypatch, [[nodata(a) for a in ADDRESSES]], **params)
    assert failed
    assert message in result["msg"]
    assert result["holds"] is False


def test_run_check_resolution_error(monkeypatch) -> None:
    class Missing(FakeClient):
        def find_parent(self, domain):
            raise _dns.ResolutionError(f"{domain} does not exist")

    monkeypatch.setattr(_parent, "client_from_params", lambda p: Missing([]))
    failed, result = _parent.run_check(
        {"domain": "nope.test", "records": [DS_A.to_text()], "state": "present"}
    )
    assert failed
    assert result["msg"] == "nope.test. does not exist"


# Chain of trust.


def signed_dnskey(zone: str, signers: int = 1, extra_keys: int = 0):
    """A DNSKEY RRset signed by the first ``signers`` KSKs, with its RRSIGs."""
    name = dns.name.from_text(zone)
    private = [
        ec.generate_private_key(ec.SECP256R1()) for index in range(signers + extra_keys)
    ]
    keys = [dns.dnssec.make_dnskey(p.public_key(), 13, flags=257) for p in private]
    rrset = dns.rrset.from_rdata_list(name, 300, keys)
    sigs = [
        dns.dnssec.sign(rrset, p, name, key, lifetime=3600)
        for p, key in zip(private[:signers], keys[:signers])
    ]
    rrsigs = dns.rrset.from_rdata_list(name, 300, sigs)
    return rrset, rrsigs, [dnskey_from_rdata(k) for k in keys]


class ChainClient:
    def __init__(self, results):
        self.results = results

    def child_servers(self, domain):
        return [_dns.ServerAddress("ns.child.", r.address) for r in self.results]

    def query_all(self, targets, qname, rdtype):
        assert rdtype == "DNSKEY"
        return self.results


def dnskey_answer(address, rrset, rrsigs):
    return _dns.QueryResult(
        "ns.child.", address, "answer", "NOERROR", ["QR", "AA"], rrset, rrsigs
    )


def test_chain_holds_with_a_matching_sha256_ds() -> None:
    rrset, rrsigs, keys = signed_dnskey(DOMAIN)
    good = make_ds(DOMAIN, keys[0])
    chain = _parent.check_chain(
        ChainClient([dnskey_answer("192.0.2.4", rrset, rrsigs)]),
        view(answer(ADDRESSES[0], [good, DS_B])),
    )
    assert chain.outcome == "holds"
    assert chain.validating[ADDRESSES[0]] == [good]
    assert chain.matches_child_key(DOMAIN, good)
    assert not chain.matches_child_key(DOMAIN, DS_B)


def test_chain_flags_a_wrong_sha256_next_to_a_right_sha1() -> None:
    rrset, rrsigs, keys = signed_dnskey(DOMAIN)
    sha1 = parse_ds(
        dns.dnssec.make_ds(
            DOMAIN, rrset[0], "SHA1", policy=dns.dnssec.allow_all_policy
        ).to_text()
    )
    wrong = parse_ds(f"{keys[0].key_tag} 13 2 " + "DE" * 32)
    v = view(answer(ADDRESSES[0], [sha1, wrong]))
    chain = _parent.check_chain(
        ChainClient([dnskey_answer("192.0.2.4", rrset, rrsigs)]), v
    )
    assert chain.outcome == "fails"
    assert chain.matches_child_key(DOMAIN, sha1)
    assert not chain.validates(DOMAIN, sha1)
    assert not chain.matches_child_key(DOMAIN, wrong)
    assert "SHA-1" in chain.reasons[0] and ADDRESSES[0] in chain.reasons[0]


def test_chain_ignores_a_published_key_that_does_not_sign() -> None:
    rrset, rrsigs, keys = signed_dnskey(DOMAIN, signers=1, extra_keys=1)
    standby = make_ds(DOMAIN, keys[1])
    chain = _parent.check_chain(
        ChainClient([dnskey_answer("192.0.2.4", rrset, rrsigs)]),
        view(answer(ADDRESSES[0], [standby])),
    )
    assert chain.outcome == "fails"
    assert chain.matches_child_key(DOMAIN, standby)
    assert not chain.validates(DOMAIN, standby)


def test_chain_needs_every_child_address_to_sign_with_the_key() -> None:
    rrset, rrsigs, keys = signed_dnskey(DOMAIN)
    good = make_ds(DOMAIN, keys[0])
    unsigned = dnskey_answer("192.0.2.5", rrset, None)
    chain = _parent.check_chain(
        ChainClient([dnskey_answer("192.0.2.4", rrset, rrsigs), unsigned]),
        view(answer(ADDRESSES[0], [good])),
    )
    assert chain.signing_keys == []
    assert chain.outcome == "fails"


def test_chain_unknown_when_a_child_server_fails() -> None:
    rrset, rrsigs, keys = signed_dnskey(DOMAIN)
    chain = _parent.check_chain(
        ChainClient(
            [dnskey_answer("192.0.2.4", rrset, rrsigs), failure("192.0.2.5", "timeout")]
        ),
        view(answer(ADDRESSES[0], [make_ds(DOMAIN, keys[0])])),
    )
    assert chain.outcome == "unknown"
    assert "192.0.2.5" in chain.reasons[0]


def test_chain_of_an_insecure_delegation_holds() -> None:
    rrset, rrsigs = signed_dnskey(DOMAIN)[:2]
    chain = _parent.check_chain(
        ChainClient([dnskey_answer("192.0.2.4", rrset, rrsigs)]),
        view(nodata(ADDRESSES[0])),
    )
    assert chain.outcome == "holds"
