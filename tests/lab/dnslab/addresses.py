# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""Addresses of one lab, all derived from its network number."""

from __future__ import annotations

import dataclasses
import ipaddress
import os

#: Port every public lab address answers on: glue carries no port.
DNS_PORT = 53

#: Port the Knot servers listen on behind the fault proxies.
BACKEND_PORT = 5300

MAX_NET = 255


def default_net() -> int:
    """Return the network number from ``DNSLAB_NET``, 0 when unset.

    Raises ValueError when the variable is not an integer from 0 to 255.
    """
    return check_net(int(os.environ.get("DNSLAB_NET", "0")))


def check_net(net: int) -> int:
    """Return ``net`` unchanged; raise ValueError when it is out of range."""
    if not 0 <= net <= MAX_NET:
        raise ValueError(f"lab network number must be 0 to {MAX_NET}, got {net}")
    return net


@dataclasses.dataclass(frozen=True)
class LabAddresses:
    """Every address of the lab with network number ``net``.

    IPv4 addresses are ``127.53.<net>.<host>``; the IPv6-only parent server
    answers on ``fd53::<net>:3``.  Public addresses answer on port 53 through
    a fault proxy; the Knot server behind each listens on the same address on
    ``BACKEND_PORT``.
    """

    net: int

    def v4(self, host: int) -> str:
        """Return the IPv4 address ``127.53.<net>.<host>``."""
        return f"127.53.{self.net}.{host}"

    @property
    def root(self) -> str:
        """The root server."""
        return self.v4(1)

    @property
    def tld_primary(self) -> str:
        """The primary server of ``test.``, which takes RFC 2136 updates."""
        return self.v4(2)

    @property
    def tld_secondary(self) -> str:
        """The IPv4 secondary server of ``test.``."""
        return self.v4(3)

    @property
    def tld_secondary6(self) -> str:
        """The IPv6-only secondary server of ``test.``."""
        # Canonical form, as DNS answers print it: fd53::0:3 is fd53::3.
        return ipaddress.IPv6Address(f"fd53::{self.net}:3").compressed

    @property
    def child_primary(self) -> str:
        """The first child server; Knot signs the child zones here."""
        return self.v4(4)

    @property
    def child_secondary(self) -> str:
        """The second child server, a secondary of the first."""
        return self.v4(5)

    @property
    def resolver(self) -> str:
        """The validating Unbound resolver."""
        return self.v4(6)

    @property
    def unreachable(self) -> str:
        """An address where nothing answers (Knot's dummy KSK submission parent)."""
        return self.v4(250)

    @property
    def parents(self) -> list[str]:
        """Every address of every parent server of the child zones."""
        return [self.tld_primary, self.tld_secondary, self.tld_secondary6]

    @property
    def children(self) -> list[str]:
        """Every address of every child server."""
        return [self.child_primary, self.child_secondary]

    @property
    def authoritative(self) -> list[str]:
        """Every public address of an authoritative server, root included."""
        return [self.root, *self.parents, *self.children]
