# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""Unit tests of the DNS core: classification, queries, discovery. No network."""

from __future__ import annotations

import threading
import time
import typing as t

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.resolver
import dns.rrset
import pytest

from ansible_collections.dnsops.dnssec.plugins.module_utils import _dns

TARGET = _dns.ServerAddress("ns1.test.", "192.0.2.1")
DS_TEXT = "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118"
SOA_TEXT = "ns1.test. hostmaster.test. 1 3600 600 86400 300"


def make_response(
    qname: str = "example.test.",
    rdtype: str = "DS",
    rcode: int = 0,
    aa: bool = True,
    answer: t.Sequence[tuple[str, int, str, str]] = (),
    authority: t.Sequence[tuple[str, int, str, str]] = (),
    additional: t.Sequence[tuple[str, int, str, str]] = (),
) -> dns.message.Message:
    query = dns.message.make_query(qname, rdtype, want_dnssec=True)
    response = dns.message.make_response(query)
    response.set_rcode(rcode)
    if aa:
        response.flags |= dns.flags.AA
    for section, rows in (
        (response.answer, answer),
        (response.authority, authority),
        (response.additional, additional),
    ):
        for name, ttl, kind, text in rows:
            # Like a parsed message: one RRset per owner, class and type.
            rrset = dns.rrset.from_text(name, ttl, "IN", kind, text)
            for existing in section:
                if existing.match(
                    rrset.name, rrset.rdclass, rrset.rdtype, rrset.covers
                ):
                    existing.update(rrset)
                    break
            else:
                section.append(rrset)
    return response


def classify(response: dns.message.Message, rdtype: str = "DS") -> _dns.QueryResult:
    return _dns.classify_response(TARGET, response, "example.test.", rdtype, 0.01)


# Classification of answers.


def test_authoritative_answer_with_ds() -> None:
    result = classify(make_response(answer=[("example.test.", 3600, "DS", DS_TEXT)]))
    assert result.status == "answer"
    assert result.ok
    assert result.rcode == "NOERROR"
    assert "AA" in result.flags and "QR" in result.flags
    assert result.ttl == 3600
    assert result.records == [DS_TEXT]
    assert result.error is None


def test_answer_keeps_rrsigs_covering_the_rrset() -> None:
    rrsig = (
        "DS 13 2 3600 20300101000000 20200101000000 12345 test. "
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        "AAAAAAAAAAAAAAAAAAAAAAAAAAA="
    )
    result = classify(
        make_response(
            answer=[
                ("example.test.", 3600, "DS", DS_TEXT),
                ("example.test.", 3600, "RRSIG", rrsig),
            ]
        )
    )
    assert result.status == "answer"
    assert result.rrsigs is not None
    assert result.rrsigs[0].type_covered == dns.rdatatype.DS


def test_authoritative_nodata_with_negative_ttl() -> None:
    result = classify(make_response(authority=[("test.", 900, "SOA", SOA_TEXT)]))
    assert result.status == "nodata"
    assert result.ok
    assert result.rrset is None
    assert result.records == []
    # RFC 2308: the smaller of the SOA TTL and its MINIMUM field.
    assert result.ttl == 300


def test_authoritative_nxdomain() -> None:
    result = classify(
        make_response(
            rcode=dns.rcode.NXDOMAIN, authority=[("test.", 60, "SOA", SOA_TEXT)]
        )
    )
    assert result.status == "nxdomain"
    assert result.ok
    assert result.rcode == "NXDOMAIN"
    assert result.ttl == 60


@pytest.mark.parametrize(
    "rcode, status, text",
    [
        (dns.rcode.SERVFAIL, "servfail", "SERVFAIL"),
        (dns.rcode.REFUSED, "refused", "REFUSED"),
        (dns.rcode.FORMERR, "error", "unexpected rcode FORMERR"),
        (dns.rcode.NOTIMP, "error", "unexpected rcode NOTIMP"),
    ],
)
def test_failure_rcodes_are_never_data(rcode: int, status: str, text: str) -> None:
    # A failure must not be read as NODATA even with the AA flag and a DS inside.
    result = classify(
        make_response(rcode=rcode, answer=[("example.test.", 3600, "DS", DS_TEXT)])
    )
    assert result.status == status
    assert not result.ok
    assert result.rrset is None
    assert text in result.error


def test_answer_without_aa_is_not_authoritative() -> None:
    result = classify(
        make_response(aa=False, answer=[("example.test.", 3600, "DS", DS_TEXT)])
    )
    assert result.status == "not_authoritative"
    assert not result.ok
    assert result.rrset is None
    assert "AA" in result.error


def test_nodata_without_aa_is_not_authoritative() -> None:
    result = classify(
        make_response(aa=False, authority=[("test.", 900, "SOA", SOA_TEXT)])
    )
    assert result.status == "not_authoritative"
    assert not result.ok


def test_referral_is_not_an_answer() -> None:
    # A server that holds only the root answers with an (upward) referral.
    result = classify(
        make_response(
            aa=False,
            authority=[("test.", 3600, "NS", "ns1.test.")],
            additional=[("ns1.test.", 3600, "A", "192.0.2.1")],
        )
    )
    assert result.status == "referral"
    assert not result.ok
    assert "test." in result.error


def test_answer_of_another_type_is_an_error() -> None:
    result = classify(
        make_response(answer=[("example.test.", 60, "CNAME", "other.test.")])
    )
    assert result.status == "error"
    assert "CNAME" in result.error


def test_do_flag_is_reported() -> None:
    response = make_response(answer=[("example.test.", 3600, "DS", DS_TEXT)])
    response.use_edns(0, dns.flags.DO, 1232)
    assert "DO" in classify(response).flags


def test_to_dict_shape() -> None:
    result = classify(make_response(answer=[("example.test.", 3600, "DS", DS_TEXT)]))
    assert result.to_dict() == {
        "server": "ns1.test.",
        "address": "192.0.2.1",
        "status": "answer",
        "rcode": "NOERROR",
        "flags": result.flags,
        "records": [DS_TEXT],
        "ttl": 3600,
        "error": None,
    }


def test_every_status_is_known() -> None:
    assert set(_dns.OK_STATUSES) == {"answer", "nodata", "nxdomain"}
    for status in ("referral", "timeout", "servfail", "refused", "error"):
        assert status in _dns.STATUSES
        assert not _dns.QueryResult("s", "a", status).ok


# Direct queries.


class FakeNetwork:
    """Stands in for dns.query.udp_with_fallback; records every query."""

    def __init__(self, behaviour: t.Callable[[dns.message.Message, str], t.Any]):
        self.behaviour = behaviour
        self.queries: list[tuple[dns.message.Message, str, float, int]] = []
        self.lock = threading.Lock()

    def __call__(self, query, where, timeout=None, port=53, **kwargs):
        with self.lock:
            self.queries.append((query, where, timeout, port))
        return self.behaviour(query, where)


def answer_with(response: dns.message.Message, tcp: bool = False):
    def behaviour(query, where):
        response.id = query.id
        return response, tcp

    return behaviour


@pytest.fixture
def network(monkeypatch):
    def install(behaviour):
        fake = FakeNetwork(behaviour)
        monkeypatch.setattr(_dns.dns.query, "udp_with_fallback", fake)
        return fake

    return install


def test_query_is_direct_with_do_bit_and_no_recursion(network) -> None:
    fake = network(
        answer_with(make_response(answer=[("example.test.", 60, "DS", DS_TEXT)]))
    )
    client = _dns.DnsClient(resolvers=["192.0.2.53"], query_timeout=1.5, port=5353)
    result = client.query(TARGET, "example.test", "DS")

    assert result.status == "answer"
    query, where, timeout, port = fake.queries[0]
    assert where == "192.0.2.1"
    assert timeout == 1.5
    assert port == 5353
    assert not query.flags & dns.flags.RD
    assert query.ednsflags & dns.flags.DO
    assert query.edns == 0
    assert query.payload == 1232
    assert query.question[0].name == dns.name.from_text("example.test.")
    assert query.question[0].rdtype == dns.rdatatype.DS
    assert client.queries_sent == 1


def test_query_counts_the_tcp_retry_of_a_truncated_answer(network) -> None:
    network(
        answer_with(
            make_response(answer=[("example.test.", 60, "DS", DS_TEXT)]), tcp=True
        )
    )
    client = _dns.DnsClient(resolvers=["192.0.2.53"])
    assert client.query(TARGET, "example.test.", "DS").status == "answer"
    assert client.queries_sent == 2


def test_query_retries_timeouts_then_reports_timeout(network) -> None:
    def behaviour(query, where):
        raise dns.exception.Timeout()

    fake = network(behaviour)
    client = _dns.DnsClient(resolvers=["192.0.2.53"], query_timeout=0.5, query_retry=2)
    result = client.query(TARGET, "example.test.", "DS")
    assert result.status == "timeout"
    assert not result.ok
    assert result.rcode is None
    assert "3 tries" in result.error
    assert len(fake.queries) == 3
    assert client.queries_sent == 3


def test_query_succeeds_after_a_timeout(network) -> None:
    response = make_response(answer=[("example.test.", 60, "DS", DS_TEXT)])
    calls = []

    def behaviour(query, where):
        calls.append(where)
        if len(calls) == 1:
            raise dns.exception.Timeout()
        response.id = query.id
        return response, False

    network(behaviour)
    client = _dns.DnsClient(resolvers=["192.0.2.53"], query_retry=1)
    assert client.query(TARGET, "example.test.", "DS").status == "answer"
    assert len(calls) == 2


def test_query_without_retries_sends_once(network) -> None:
    def behaviour(query, where):
        raise dns.exception.Timeout()

    fake = network(behaviour)
    client = _dns.DnsClient(resolvers=["192.0.2.53"], query_retry=0)
    result = client.query(TARGET, "example.test.", "DS")
    assert result.status == "timeout"
    assert "1 try" in result.error
    assert len(fake.queries) == 1


def test_network_error_is_an_error_not_data(network) -> None:
    def behaviour(query, where):
        raise ConnectionRefusedError(111, "Connection refused")

    network(behaviour)
    client = _dns.DnsClient(resolvers=["192.0.2.53"], query_retry=1)
    result = client.query(TARGET, "example.test.", "DS")
    assert result.status == "error"
    assert "Connection refused" in result.error


def test_mismatched_response_is_an_error(network) -> None:
    def behaviour(query, where):
        raise dns.query.BadResponse()

    network(behaviour)
    result = _dns.DnsClient(resolvers=["192.0.2.53"]).query(TARGET, "x.test.", "DS")
    assert result.status == "error"
    assert "unexpected response" in result.error


def test_query_all_runs_concurrently_and_keeps_order(network) -> None:
    delays = {"192.0.2.1": 0.3, "192.0.2.2": 0.05, "192.0.2.3": 0.3, "2001:db8::1": 0.3}

    def behaviour(query, where):
        time.sleep(delays[where])
        response = make_response(answer=[("example.test.", 60, "DS", DS_TEXT)])
        response.id = query.id
        return response, False

    network(behaviour)
    targets = [_dns.ServerAddress(f"ns{i}.test.", a) for i, a in enumerate(delays)]
    client = _dns.DnsClient(resolvers=["192.0.2.53"])
    start = time.monotonic()
    results = client.query_all(targets, "example.test.", "DS")
    elapsed = time.monotonic() - start

    assert [r.address for r in results] == list(delays)
    assert all(r.status == "answer" for r in results)
    # The sum of the delays is 0.95 s; concurrency keeps it near the slowest.
    assert elapsed < 0.7
    assert client.queries_sent == 4


def test_query_all_of_nothing() -> None:
    assert _dns.DnsClient(resolvers=["192.0.2.53"]).query_all([], "x.test.", "DS") == []


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"query_timeout": 0}, "query_timeout"),
        ({"query_retry": -1}, "query_retry"),
        ({"resolvers": ["resolver.example"]}, "not an IP address"),
    ],
)
def test_client_rejects_bad_settings(kwargs, message) -> None:
    with pytest.raises(_dns.DnsError, match=message):
        _dns.DnsClient(**kwargs)


def test_client_from_params() -> None:
    client = _dns.client_from_params(
        {"resolvers": ["192.0.2.53"], "query_timeout": 2.5, "query_retry": 0}
    )
    assert client.resolvers == ["192.0.2.53"]
    assert client.query_timeout == 2.5
    assert client.query_retry == 0


def test_argument_spec_defaults() -> None:
    spec = _dns.RESOLVER_ARGUMENT_SPEC
    assert spec["resolvers"] == {"type": "list", "elements": "str"}
    assert spec["query_timeout"]["default"] == 5.0
    assert spec["query_retry"]["default"] == 2


# Discovery through the resolvers.


class FakeResolver:
    """Answers resolve() from a table; raises what the table says."""

    def __init__(self, table: dict[tuple[str, str], t.Any]):
        self.table = table
        self.asked: list[tuple[str, str]] = []
        self.nameservers = ["192.0.2.53"]
        self.lifetime = 1.0

    def resolve(self, qname, rdtype, raise_on_no_answer=True, **kwargs):
        key = (dns.name.from_text(str(qname)).to_text(), str(rdtype))
        self.asked.append(key)
        value = self.table.get(key)
        if isinstance(value, Exception):
            raise value
        answer = t.cast(t.Any, type("Answer", (), {}))()
        answer.rrset = None
        if value is not None:
            name, kind, rows = value
            answer.rrset = dns.rrset.from_text_list(name, 300, "IN", kind, rows)
        return answer


def make_client(
    table, monkeypatch, zones: dict[str, str]
) -> tuple[_dns.DnsClient, FakeResolver]:
    resolver = FakeResolver(table)
    client = _dns.DnsClient(resolvers=["192.0.2.53"])
    client._resolver = resolver  # pylint: disable=protected-access

    def zone_for_name(name, resolver=None, lifetime=None):
        return dns.name.from_text(zones[name.to_text()])

    monkeypatch.setattr(_dns.dns.resolver, "zone_for_name", zone_for_name)
    return client, resolver


PARENT_TABLE = {
    ("example.co.test.", "SOA"): ("example.co.test.", "SOA", [SOA_TEXT]),
    ("test.", "NS"): ("test.", "NS", ["ns1.test.", "ns2.test.", "ns6.test."]),
    ("ns1.test.", "A"): ("ns1.test.", "A", ["192.0.2.1"]),
    ("ns1.test.", "AAAA"): ("ns1.test.", "AAAA", ["2001:db8::1"]),
    ("ns2.test.", "A"): ("ns2.test.", "A", ["192.0.2.2"]),
    ("ns6.test.", "AAAA"): ("ns6.test.", "AAAA", ["2001:db8::6"]),
}


def test_find_parent_two_labels_up_with_every_address(monkeypatch) -> None:
    client, resolver = make_client(PARENT_TABLE, monkeypatch, {"co.test.": "test."})
    parent, servers = client.find_parent("example.co.test")
    assert parent == "test."
    assert servers == [
        _dns.ServerAddress("ns1.test.", "192.0.2.1"),
        _dns.ServerAddress("ns1.test.", "2001:db8::1"),
        _dns.ServerAddress("ns2.test.", "192.0.2.2"),
        _dns.ServerAddress("ns6.test.", "2001:db8::6"),
    ]
    # Nothing about the parent was asked of the child: no NS or DS of the child.
    assert ("example.co.test.", "NS") not in resolver.asked
    assert ("example.co.test.", "DS") not in resolver.asked
    # Cached for the next call.
    asked = len(resolver.asked)
    assert client.find_parent("example.co.test.")[0] == "test."
    assert len(resolver.asked) == asked


def test_find_parent_of_a_missing_domain(monkeypatch) -> None:
    table = dict(PARENT_TABLE)
    table[("example.co.test.", "SOA")] = dns.resolver.NXDOMAIN()
    client = make_client(table, monkeypatch, {"co.test.": "test."})[0]
    with pytest.raises(_dns.ResolutionError, match="does not exist"):
        client.find_parent("example.co.test.")


def test_find_parent_of_a_name_that_is_not_a_zone(monkeypatch) -> None:
    table = dict(PARENT_TABLE)
    del table[("example.co.test.", "SOA")]
    client = make_client(table, monkeypatch, {"co.test.": "test."})[0]
    with pytest.raises(_dns.ResolutionError, match="not a zone"):
        client.find_parent("example.co.test.")


def test_unreachable_resolver_is_a_clear_error(monkeypatch) -> None:
    table = {
        ("example.co.test.", "SOA"): dns.resolver.LifetimeTimeout(
            timeout=1.0, errors=[]
        )
    }
    client = make_client(table, monkeypatch, {})[0]
    with pytest.raises(_dns.ResolutionError, match="is the resolver reachable"):
        client.find_parent("example.co.test.")


def test_server_without_address_is_an_error(monkeypatch) -> None:
    client = make_client({}, monkeypatch, {})[0]
    with pytest.raises(_dns.ResolutionError, match="no A or AAAA"):
        client.server_addresses(["ns9.test."])


def test_server_addresses_keep_literal_addresses(monkeypatch) -> None:
    client, resolver = make_client(PARENT_TABLE, monkeypatch, {})
    assert client.server_addresses(["192.0.2.9", "2001:db8::9", "ns2.test"]) == [
        _dns.ServerAddress("192.0.2.9", "192.0.2.9"),
        _dns.ServerAddress("2001:db8::9", "2001:db8::9"),
        _dns.ServerAddress("ns2.test.", "192.0.2.2"),
    ]
    assert ("192.0.2.9", "A") not in resolver.asked


def test_root_has_no_parent() -> None:
    with pytest.raises(_dns.DnsError, match="root"):
        _dns.DnsClient(resolvers=["192.0.2.53"]).find_parent(".")


def test_invalid_domain_name() -> None:
    with pytest.raises(_dns.DnsError, match="not a valid domain name"):
        _dns.to_name("a..b")


def test_child_servers_come_from_the_parent_referral(monkeypatch, network) -> None:
    client, resolver = make_client(PARENT_TABLE, monkeypatch, {"co.test.": "test."})
    referral = make_response(
        qname="example.co.test.",
        rdtype="NS",
        aa=False,
        authority=[
            ("example.co.test.", 3600, "NS", "ns1.example.co.test."),
            ("example.co.test.", 3600, "NS", "ns.elsewhere.test."),
        ],
        additional=[
            ("ns1.example.co.test.", 3600, "A", "192.0.2.4"),
            ("ns1.example.co.test.", 3600, "AAAA", "2001:db8::4"),
        ],
    )
    resolver.table[("ns.elsewhere.test.", "A")] = (
        "ns.elsewhere.test.",
        "A",
        ["192.0.2.5"],
    )
    fake = network(answer_with(referral))

    servers = client.child_servers("example.co.test.")
    assert sorted(servers, key=str) == [
        _dns.ServerAddress("ns.elsewhere.test.", "192.0.2.5"),
        _dns.ServerAddress("ns1.example.co.test.", "192.0.2.4"),
        _dns.ServerAddress("ns1.example.co.test.", "2001:db8::4"),
    ]
    # The NS set was asked of a parent server, not of the child.
    assert fake.queries[0][1] == "192.0.2.1"


def test_child_servers_without_a_referral(monkeypatch, network) -> None:
    client = make_client(PARENT_TABLE, monkeypatch, {"co.test.": "test."})[0]
    network(answer_with(make_response(rcode=dns.rcode.SERVFAIL)))
    with pytest.raises(
        _dns.DnsError, match="no parent server of test. gave a referral"
    ):
        client.child_servers("example.co.test.")
