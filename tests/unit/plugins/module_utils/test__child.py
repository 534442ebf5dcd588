# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

from __future__ import annotations

import time
import typing as t

import dns.dnssec
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from ansible_collections.dnsops.dnssec.plugins.module_utils import _child
from ansible_collections.dnsops.dnssec.plugins.module_utils._dns import (
    DnsError,
    QueryResult,
    ServerAddress,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    dnskey_from_rdata,
    make_ds,
)

ZONE = "child.test."


class Key:
    """A private key and its DNSKEY, for signing test RRsets."""

    def __init__(self, flags: int = 257) -> None:
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.rdata = dns.dnssec.make_dnskey(
            self.private.public_key(),
            dns.dnssec.Algorithm.ECDSAP256SHA256,
            flags=flags,
        )
        self.dnskey = dnskey_from_rdata(self.rdata)

    @property
    def ds(self):
        return make_ds(ZONE, self.dnskey, 2)


def sign(rrset: t.Any, keys: t.Sequence[Key], expired: bool = False) -> t.Any:
    """Return the RRSIG RRset over ``rrset`` made with ``keys``."""
    now = time.time()
    inception, expiration = (
        (now - 7200, now - 3600) if expired else (now - 60, now + 3600)
    )
    name = dns.name.from_text(ZONE)
    sigs = None
    for key in keys:
        rrsig = dns.dnssec.sign(
            rrset,
            key.private,
            name,
            key.rdata,
            inception=inception,
            expiration=expiration,
        )
        if sigs is None:
            sigs = dns.rrset.from_rdata(name, rrset.ttl, rrsig)
        else:
            sigs.add(rrsig)
    return sigs


def dnskey_rrset(keys: t.Sequence[Key]) -> t.Any:
    return dns.rrset.from_rdata(ZONE, 300, *[key.rdata for key in keys])


def cds_rrset(keys: t.Sequence[Key]) -> t.Any:
    rdatas = [
        dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.CDS, key.ds.to_text())
        for key in keys
    ]
    return dns.rrset.from_rdata(ZONE, 300, *rdatas)


def cdnskey_rrset(keys: t.Sequence[Key]) -> t.Any:
    rdatas = [
        dns.rdata.from_text(
            dns.rdataclass.IN, dns.rdatatype.CDNSKEY, key.dnskey.to_text()
        )
        for key in keys
    ]
    return dns.rrset.from_rdata(ZONE, 300, *rdatas)


def result(address: str, rrset: t.Any = None, rrsigs: t.Any = None, status=None):
    if status is None:
        status = "answer" if rrset is not None else "nodata"
    return QueryResult(
        server="ns1.child.test." if address.endswith(".4") else "ns2.child.test.",
        address=address,
        status=status,
        rcode=None if status == "timeout" else "NOERROR",
        rrset=rrset,
        rrsigs=rrsigs,
        ttl=rrset.ttl if rrset is not None else None,
        error="timed out" if status == "timeout" else None,
    )


def publish(
    address: str,
    published: t.Sequence[Key],
    signers: t.Sequence[Key],
    cds: t.Sequence[Key] = (),
    cdnskey: t.Sequence[Key] = (),
    zsk: Key | None = None,
    expired: bool = False,
) -> _child.ChildAddressView:
    """The view of one child server address publishing the given keys and signals."""
    keys = list(published) + ([zsk] if zsk else [])
    keyset = dnskey_rrset(keys)
    # The CDS / CDNSKEY RRsets are signed by the ZSK when there is one.
    rr_signers = [zsk] if zsk else list(signers)
    cds_result = result(address)
    if cds:
        rrset = cds_rrset(cds)
        cds_result = result(address, rrset, sign(rrset, rr_signers))
    cdnskey_result = result(address)
    if cdnskey:
        rrset = cdnskey_rrset(cdnskey)
        cdnskey_result = result(address, rrset, sign(rrset, rr_signers))
    return _child.address_view(
        ZONE,
        result(address, keyset, sign(keyset, signers, expired=expired)),
        cds_result,
        cdnskey_result,
    )


def child_view(*views: _child.ChildAddressView) -> _child.ChildView:
    return _child.ChildView(domain=ZONE, addresses=list(views))


@pytest.fixture(scope="module")
def keys() -> dict[str, Key]:
    return {"old": Key(), "new": Key(), "zsk": Key(flags=256), "other": Key()}


def test_signing_ksks_need_a_valid_signature(keys):
    view = publish("127.0.0.4", [keys["old"], keys["new"]], [keys["old"]])
    assert [key.key_tag for key in view.ksks] == [
        keys["old"].dnskey.key_tag,
        keys["new"].dnskey.key_tag,
    ]
    assert view.signing_ksks == [keys["old"].dnskey]


def test_expired_signature_does_not_count(keys):
    view = publish("127.0.0.4", [keys["old"]], [keys["old"]], expired=True)
    assert view.signing_ksks == []
    assert view.answered


def test_zsk_signature_does_not_make_a_signing_ksk(keys):
    view = publish("127.0.0.4", [keys["old"]], [keys["zsk"]], zsk=keys["zsk"])
    assert view.signing_ksks == []


def test_unsigned_cds_is_dropped(keys):
    keyset = dnskey_rrset([keys["old"]])
    cds = cds_rrset([keys["old"]])
    view = _child.address_view(
        ZONE,
        result("127.0.0.4", keyset, sign(keyset, [keys["old"]])),
        result("127.0.0.4", cds, None),
        result("127.0.0.4"),
    )
    assert view.cds == []
    assert view.cds_unsigned


def test_cds_signed_by_a_foreign_key_is_dropped(keys):
    keyset = dnskey_rrset([keys["old"]])
    cds = cds_rrset([keys["old"]])
    view = _child.address_view(
        ZONE,
        result("127.0.0.4", keyset, sign(keyset, [keys["old"]])),
        result("127.0.0.4", cds, sign(cds, [keys["other"]])),
        result("127.0.0.4"),
    )
    assert view.cds == [] and view.cds_unsigned


def test_signed_cds_and_cdnskey_are_kept(keys):
    view = publish(
        "127.0.0.4",
        [keys["old"], keys["new"]],
        [keys["old"], keys["new"]],
        cds=[keys["new"]],
        cdnskey=[keys["new"]],
        zsk=keys["zsk"],
    )
    assert view.cds == [keys["new"].ds]
    assert view.cdnskey == [keys["new"].dnskey]
    assert not view.cds_unsigned


def test_servers_that_agree(keys):
    args = ([keys["old"]], [keys["old"]])
    view = child_view(publish("127.0.0.4", *args), publish("127.0.0.5", *args))
    assert view.answered and view.consistent and view.signed
    assert view.signing_ksks == [keys["old"].dnskey]
    assert view.to_dict()["signing_ksks"] == [keys["old"].dnskey.key_tag]


@pytest.mark.parametrize(
    "second",
    [
        {"published": ["old"], "signers": ["old"]},
        {"published": ["old", "new"], "signers": ["old"], "cds": ["old"]},
        {"published": ["old", "new"], "signers": ["old", "new"]},
    ],
)
def test_servers_that_disagree(keys, second):
    first = publish("127.0.0.4", [keys["old"], keys["new"]], [keys["old"]])
    other = publish(
        "127.0.0.5",
        [keys[name] for name in second["published"]],
        [keys[name] for name in second["signers"]],
        cds=[keys[name] for name in second.get("cds", [])],
    )
    view = child_view(first, other)
    assert not view.consistent
    assert view.disagreements
    assert "127.0.0.5" in view.disagreements[0]


def test_signing_ksks_are_the_intersection(keys):
    # Even if the views differ, only a key signing on both addresses counts.
    first = publish("127.0.0.4", [keys["old"], keys["new"]], [keys["old"], keys["new"]])
    second = publish("127.0.0.5", [keys["old"], keys["new"]], [keys["old"]])
    assert child_view(first, second).signing_ksks == [keys["old"].dnskey]


def test_an_address_that_does_not_answer_vouches_for_nothing(keys):
    good = publish("127.0.0.4", [keys["old"]], [keys["old"]])
    dead = _child.address_view(
        ZONE,
        result("127.0.0.5", status="timeout"),
        result("127.0.0.5", status="timeout"),
        result("127.0.0.5", status="timeout"),
    )
    view = child_view(good, dead)
    assert not dead.answered and "timeout for DNSKEY" in dead.error
    assert not view.answered
    assert view.signing_ksks == []
    assert view.failed == [dead]


def test_unsigned_child(keys):
    view = child_view(
        _child.address_view(
            ZONE, result("127.0.0.4"), result("127.0.0.4"), result("127.0.0.4")
        )
    )
    assert view.answered and not view.signed and view.consistent


def test_delete_signal_is_reported_and_not_a_cds(keys):
    keyset = dnskey_rrset([keys["old"]])
    delete = dns.rrset.from_rdata(
        ZONE, 300, dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.CDS, "0 0 0 00")
    )
    view = child_view(
        _child.address_view(
            ZONE,
            result("127.0.0.4", keyset, sign(keyset, [keys["old"]])),
            result("127.0.0.4", delete, sign(delete, [keys["old"]])),
            result("127.0.0.4"),
        )
    )
    assert view.delete_requested
    assert view.cds == []


class FakeClient:
    def __init__(self, answers: dict[str, list[QueryResult]], fail: bool = False):
        self.answers = answers
        self.fail = fail
        self.asked: list[tuple[str, str]] = []

    def child_servers(self, domain):
        if self.fail:
            raise DnsError(f"no delegation for {domain}")
        return [ServerAddress("ns1.child.test.", "127.0.0.4")]

    def query_all(self, targets, qname, rdtype):
        self.asked.append((qname, rdtype))
        return self.answers[rdtype]


def test_gather_child_asks_every_type(keys):
    keyset = dnskey_rrset([keys["old"]])
    client = FakeClient(
        {
            "DNSKEY": [result("127.0.0.4", keyset, sign(keyset, [keys["old"]]))],
            "CDS": [result("127.0.0.4")],
            "CDNSKEY": [result("127.0.0.4")],
        }
    )
    view = _child.gather_child(client, ZONE)
    assert sorted(client.asked) == sorted(
        [(ZONE, "DNSKEY"), (ZONE, "CDS"), (ZONE, "CDNSKEY")]
    )
    assert view.signing_ksks == [keys["old"].dnskey]


def test_gather_child_keeps_the_error():
    view = _child.gather_child(FakeClient({}, fail=True), ZONE)
    assert not view.answered
    assert "no delegation" in view.error
