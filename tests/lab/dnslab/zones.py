# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""Zone file text of the lab's root, TLD and child zones."""

from __future__ import annotations

from .addresses import LabAddresses

TLD = "test."
ROOT_SERVER = "a.root-servers.lab."
TLD_SERVERS = ("a.nic.test.", "b.nic.test.", "c.nic.test.")
CHILD_SERVERS = ("ns1.dns.test.", "ns2.dns.test.")

#: Address every ``www`` name of every child zone resolves to.
WWW_ADDRESS = "192.0.2.80"

#: TTL of every record but the DS records (seconds).
TTL = 5


def child_names(count: int) -> list[str]:
    """Return the child zone names: ``child1.test.`` ... and ``example.co.test.``.

    ``count`` counts them all, so ``count - 1`` numbered children come first.
    Raises ValueError when ``count`` is not 1 to 1000.
    """
    if not 1 <= count <= 1000:
        raise ValueError(f"the number of child zones must be 1 to 1000, got {count}")
    return [f"child{index}.test." for index in range(1, count)] + ["example.co.test."]


def _soa(origin: str, server: str) -> str:
    mailbox = "hostmaster." + (origin if origin != "." else "root-servers.lab.")
    return f"{origin} {TTL} SOA {server} {mailbox} 1 10 2 3600 2"


def root_zone(addresses: LabAddresses, tld_ds: list[str]) -> str:
    """Return the root zone: the delegation of ``test.`` with ``tld_ds``."""
    lines = [
        _soa(".", ROOT_SERVER),
        f". {TTL} NS {ROOT_SERVER}",
        f"{ROOT_SERVER} {TTL} A {addresses.root}",
        *(f"{TLD} {TTL} NS {server}" for server in TLD_SERVERS),
        *(f"{TLD} {TTL} DS {ds}" for ds in tld_ds),
        *_tld_glue(addresses),
    ]
    return "\n".join(lines) + "\n"


def _tld_glue(addresses: LabAddresses) -> list[str]:
    return [
        f"{TLD_SERVERS[0]} {TTL} A {addresses.tld_primary}",
        f"{TLD_SERVERS[1]} {TTL} A {addresses.tld_secondary}",
        f"{TLD_SERVERS[2]} {TTL} AAAA {addresses.tld_secondary6}",
    ]


def tld_zone(
    addresses: LabAddresses, child_ds: dict[str, list[str]], ds_ttl: int
) -> str:
    """Return ``test.``: its servers, and each child delegation with its DS set."""
    lines = [
        _soa(TLD, TLD_SERVERS[0]),
        *(f"{TLD} {TTL} NS {server}" for server in TLD_SERVERS),
        *_tld_glue(addresses),
        f"{CHILD_SERVERS[0]} {TTL} A {addresses.child_primary}",
        f"{CHILD_SERVERS[1]} {TTL} A {addresses.child_secondary}",
    ]
    for child, ds_set in child_ds.items():
        lines.extend(f"{child} {TTL} NS {server}" for server in CHILD_SERVERS)
        lines.extend(f"{child} {ds_ttl} DS {ds}" for ds in ds_set)
    return "\n".join(lines) + "\n"


def child_zone(origin: str) -> str:
    """Return the unsigned child zone ``origin``; Knot signs it."""
    lines = [
        _soa(origin, CHILD_SERVERS[0]),
        *(f"{origin} {TTL} NS {server}" for server in CHILD_SERVERS),
        f"{origin} {TTL} A {WWW_ADDRESS}",
        f"www.{origin} {TTL} A {WWW_ADDRESS}",
    ]
    return "\n".join(lines) + "\n"
