# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""Tests of the DNS lab itself: bring-up, rotation, faults, lag, the meter."""

from __future__ import annotations

import socket
import time

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import pytest

from dnslab import Lab, LabError
from dnslab.lab import free_net, port_holder

WRONG_DS = "4242 13 2 " + "AB" * 32


def ask(address: str, name: str, rdtype: str, timeout: float = 2.0):
    """Send one non-recursive query to ``address`` port 53."""
    query = dns.message.make_query(name, rdtype, want_dnssec=True)
    query.flags &= ~dns.flags.RD
    return dns.query.udp(query, address, timeout=timeout)


def ds_at(address: str, zone: str) -> list[str]:
    """Return the key tags of the DS set ``address`` serves for ``zone``."""
    response = ask(address, zone, "DS")
    return sorted(
        str(rdata.key_tag)
        for rrset in response.answer
        if rrset.rdtype == 43
        for rdata in rrset
    )


def wait_for(check, timeout: float = 15.0, step: float = 0.1) -> float:
    """Poll ``check()`` until true; return the seconds it took, fail on timeout."""
    began = time.monotonic()
    while not check():
        if time.monotonic() - began > timeout:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(step)
    return time.monotonic() - began


def bring_up(children: int) -> float:
    """Start and stop a lab of ``children`` zones; return the bring-up seconds."""
    lab = Lab(net=free_net(100), children=children)
    with lab:
        assert lab.resolve(f"www.{lab.children[0]}", "A").flags & dns.flags.AD
        seconds = lab.startup_seconds
        addresses = lab.addresses.authoritative + [lab.resolver_address]
    for address in addresses:
        assert port_holder(address, 53) is None, f"{address} still in use"
    return seconds


def test_bring_up_one_child_twice() -> None:
    """One child zone comes up in under 10 s, twice in a row on one net."""
    for run in (1, 2):
        seconds = bring_up(1)
        print(f"bring-up with 1 child, run {run}: {seconds:.2f} s")
        assert seconds < 10


@pytest.mark.slow
def test_bring_up_100_children() -> None:
    """A hundred child zones come up in under 60 s."""
    seconds = bring_up(100)
    print(f"bring-up with 100 children: {seconds:.2f} s")
    assert seconds < 60


def test_busy_address_is_named() -> None:
    """A lab address held by someone else makes start fail and name it."""
    net = free_net(100)
    address = f"127.53.{net}.2"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as squatter:
        squatter.bind((address, 53))
        with pytest.raises(LabError, match=f"{address} port 53 is held"):
            Lab(net=net, children=1).start()


def test_rotation_by_hand_has_no_outage(dns_lab: Lab) -> None:
    """A full Double-KSK rotation with hand-made DS changes: no SERVFAIL."""
    zone = dns_lab.children[0]
    old_ksk = dns_lab.child_keys(zone)
    assert len(old_ksk) == 1

    def registrar(event: str, event_zone: str, ds: dict) -> None:
        if event_zone != zone:
            return
        text = f"{ds['keytag']} {ds['algorithm']} {ds['digest_type']} {ds['digest']}"
        if event == "dnssec.rotation_start":
            dns_lab.registry.add_ds(zone, text)
        elif event == "dnssec.rotation_complete":
            dns_lab.registry.remove_ds(zone, text)

    dns_lab.signer.add_listener(registrar)
    with dns_lab.meter([zone]) as meter:
        began = time.monotonic()
        dns_lab.signer.start_rotation(zone)
        state = dns_lab.signer.wait(zone, "done", timeout=60)
        print(f"rotation of {zone}: {time.monotonic() - began:.1f} s")
        time.sleep(2 * dns_lab.ds_ttl)

    assert state["events"] == ["dnssec.rotation_start", "dnssec.rotation_complete"]
    assert state["old_ds"]["keytag"] == str(old_ksk[0]["keytag"])
    assert meter.queries > 20
    assert meter.servfail_count == 0, meter.failures
    keys = dns_lab.child_keys(zone)
    assert [key["keytag"] for key in keys] == [int(state["new_ds"]["keytag"])]
    assert dns_lab.registry.get_ds(zone) == [keys[0]["ds"]]
    assert not dns_lab.signer.errors


def test_wrong_ds_makes_the_meter_fail(clean_faults: Lab) -> None:
    """Publishing only a DS that matches no key makes the resolver fail."""
    lab = clean_faults
    zone = lab.children[-1]
    good = lab.registry.get_ds(zone)
    with lab.meter([zone], interval=0.1) as meter:
        lab.registry.set_ds(zone, [WRONG_DS])
        try:
            wait_for(lambda: meter.servfail_count > 0, timeout=20)
        finally:
            lab.registry.set_ds(zone, good)
            lab.registry.wait_published(zone)
    assert meter.servfail_count > 0
    lab.flush_resolver()
    wait_for(lambda: lab.resolve(f"www.{zone}", "A").rcode() == 0, timeout=20)


def test_frozen_secondary_lags_then_catches_up(clean_faults: Lab) -> None:
    """A frozen parent server keeps the old DS set until it is thawed."""
    lab = clean_faults
    zone = lab.children[-1]
    lagging = lab.addresses.tld_secondary
    good = lab.registry.get_ds(zone)
    lab.freeze(lagging)
    try:
        lab.registry.set_ds(zone, [*good, WRONG_DS])
        wait_for(lambda: "4242" in ds_at(lab.addresses.tld_secondary6, zone))
        time.sleep(1.5)
        assert "4242" not in ds_at(lagging, zone)
    finally:
        lab.thaw(lagging)
    print(f"caught up in {wait_for(lambda: '4242' in ds_at(lagging, zone)):.1f} s")
    lab.registry.set_ds(zone, good)
    lab.registry.wait_published(zone)


def test_registry_delay_holds_back_the_secondaries(clean_faults: Lab) -> None:
    """``set_ds(..., delay=S)`` reaches the secondaries about S seconds later."""
    lab = clean_faults
    zone = lab.children[-1]
    good = lab.registry.get_ds(zone)
    began = time.monotonic()
    lab.registry.set_ds(zone, [*good, WRONG_DS], delay=2.0)
    assert "4242" in ds_at(lab.addresses.tld_primary, zone)
    wait_for(lambda: "4242" in ds_at(lab.addresses.tld_secondary, zone))
    assert time.monotonic() - began >= 1.9
    lab.registry.set_ds(zone, good)
    lab.registry.wait_published(zone)


def test_ipv6_only_parent_server_answers(dns_lab: Lab) -> None:
    """The third parent server has only an IPv6 address and serves test."""
    name, addresses = list(dns_lab.parent_servers.items())[2]
    assert addresses == [dns_lab.addresses.tld_secondary6]
    response = ask(addresses[0], dns_lab.tld, "SOA")
    assert response.rcode() == dns.rcode.NOERROR
    assert response.flags & dns.flags.AA
    assert ask(dns_lab.root_address, name, "A").rcode() == dns.rcode.NOERROR
    glue = ask(dns_lab.addresses.tld_primary, name, "AAAA").answer
    assert glue and str(glue[0][0]) == addresses[0]


@pytest.mark.parametrize("mode", ["servfail", "refused", "drop", "delay"])
def test_faults_on_every_parent_address(clean_faults: Lab, mode: str) -> None:
    """Each fault mode shows in a direct query to each parent server address."""
    lab = clean_faults
    for address in lab.parent_addresses:
        lab.faults.set(address, mode, seconds=1.0 if mode == "delay" else 0.0)
        began = time.monotonic()
        if mode == "drop":
            with pytest.raises(dns.exception.Timeout):
                ask(address, lab.tld, "SOA", timeout=1.0)
        else:
            response = ask(address, lab.tld, "SOA", timeout=3.0)
            expected = {"servfail": "SERVFAIL", "refused": "REFUSED"}.get(
                mode, "NOERROR"
            )
            assert dns.rcode.to_text(response.rcode()) == expected
        if mode == "delay":
            assert time.monotonic() - began >= 1.0
        lab.faults.clear(address)
        assert ask(address, lab.tld, "SOA").rcode() == dns.rcode.NOERROR


def test_child_servers_can_disagree(clean_faults: Lab) -> None:
    """A frozen second child server keeps old zone contents: servers disagree."""
    lab = clean_faults
    zone = lab.children[-1]
    first, second = lab.child_addresses

    def serial(address: str) -> int:
        return ask(address, zone, "SOA").answer[0][0].serial

    lab.freeze(second)
    try:
        before = serial(second)
        lab.server_for(first).knotc("zone-sign", zone)
        wait_for(lambda: serial(first) != before)
        time.sleep(1)
        assert serial(second) == before
    finally:
        lab.thaw(second)
    wait_for(lambda: serial(second) == serial(first))
