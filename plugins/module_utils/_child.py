# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""The child's view: what every address of every child server publishes.

Private to the dnsops.dnssec collection: not a public API.

For each address of each server the parent delegates the zone to, the DNSKEY,
CDS and CDNSKEY RRsets are fetched with their RRSIGs and validated: which KSKs
sign the DNSKEY RRset, and whether the CDS and CDNSKEY RRsets carry a valid
signature made with a key of that DNSKEY RRset.  The view then says whether the
child servers agree, and which KSKs sign on every one of them (safety rule 2).
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass, field

from ansible_collections.dnsops.dnssec.plugins.module_utils._dns import DnsError
from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    DNSKEY,
    DSRecord,
    dnskey_from_rdata,
    ds_from_rdata,
    signing_keys,
)

try:
    import dns.dnssec
    import dns.exception
    import dns.name

    HAS_DNSPYTHON = True
    DNSPYTHON_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised by sanity tests
    HAS_DNSPYTHON = False
    DNSPYTHON_IMPORT_ERROR = exc


CHILD_RDTYPES = ("DNSKEY", "CDS", "CDNSKEY")

# RFC 8078 section 4: the CDS / CDNSKEY a child publishes to ask for the
# removal of every DS.
DELETE_CDS = DSRecord(key_tag=0, algorithm=0, digest_type=0, digest="00")
DELETE_CDNSKEY = "0 3 0 AA=="


def _texts(records: t.Iterable[t.Any]) -> list[str]:
    return sorted({record.to_text() for record in records})


@dataclass
class ChildAddressView:
    """What one address of one child server publishes at the zone apex.

    ``status`` is the status of the DNSKEY query (``answer``, ``nodata``,
    ``timeout``, ...); ``error`` joins the errors of all three queries.  CDS and
    CDNSKEY records are kept only when their RRset carries a valid signature;
    ``cds_unsigned`` / ``cdnskey_unsigned`` say when one was dropped for that.
    """

    server: str
    address: str
    status: str
    answered: bool
    error: str | None = None
    dnskeys: list[DNSKEY] = field(default_factory=list)
    signing_ksks: list[DNSKEY] = field(default_factory=list)
    cds: list[DSRecord] = field(default_factory=list)
    cdnskey: list[DNSKEY] = field(default_factory=list)
    cds_unsigned: bool = False
    cdnskey_unsigned: bool = False
    dnskey_ttl: int | None = None

    @property
    def ksks(self) -> list[DNSKEY]:
        """The KSKs (SEP flag, not revoked) the DNSKEY RRset holds."""
        return [key for key in self.dnskeys if key.is_ksk]

    def fingerprint(self) -> tuple[tuple[str, ...], ...]:
        """What must be equal on every child server address for them to agree."""
        return (
            tuple(_texts(self.dnskeys)),
            tuple(_texts(self.signing_ksks)),
            tuple(_texts(self.cds)),
            tuple(_texts(self.cdnskey)),
        )

    def to_dict(self) -> dict[str, t.Any]:
        """Return the address view for module results."""
        return {
            "server": self.server,
            "address": self.address,
            "status": self.status,
            "answered": self.answered,
            "error": self.error,
            "dnskeys": [key.to_dict() for key in self.dnskeys],
            "ksks": [key.key_tag for key in self.ksks],
            "signing_ksks": [key.key_tag for key in self.signing_ksks],
            "cds": [ds.to_text() for ds in self.cds],
            "cdnskey": [key.to_text() for key in self.cdnskey],
            "cds_unsigned": self.cds_unsigned,
            "cdnskey_unsigned": self.cdnskey_unsigned,
        }


@dataclass
class ChildView:
    """The child zone as every address of every child server publishes it."""

    domain: str
    addresses: list[ChildAddressView] = field(default_factory=list)
    error: str | None = None

    @property
    def failed(self) -> list[ChildAddressView]:
        """Addresses that did not give a usable answer to every query."""
        return [view for view in self.addresses if not view.answered]

    @property
    def answered(self) -> bool:
        """Whether there is at least one address and every address answered."""
        return bool(self.addresses) and not self.failed and self.error is None

    @property
    def disagreements(self) -> list[str]:
        """One line per address whose answers differ from the first address."""
        answered = [view for view in self.addresses if view.answered]
        if not answered:
            return []
        first = answered[0]
        names = ("DNSKEY RRset", "signing KSKs", "CDS RRset", "CDNSKEY RRset")
        lines = []
        for view in answered[1:]:
            for name, mine, theirs in zip(
                names, view.fingerprint(), first.fingerprint()
            ):
                if mine != theirs:
                    lines.append(
                        f"{view.server} ({view.address}) serves a different {name} "
                        f"than {first.server} ({first.address})"
                    )
        return lines

    @property
    def consistent(self) -> bool:
        """Whether every address that answered serves the same keys and signals."""
        return not self.disagreements

    @property
    def signed(self) -> bool:
        """Whether any address publishes a DNSKEY RRset."""
        return any(view.dnskeys for view in self.addresses)

    def _common(self, attribute: str) -> list[t.Any]:
        answered = [view for view in self.addresses if view.answered]
        if not answered:
            return []
        common = set(_texts(getattr(answered[0], attribute)))
        for view in answered[1:]:
            common &= set(_texts(getattr(view, attribute)))
        return [
            record
            for record in getattr(answered[0], attribute)
            if record.to_text() in common
        ]

    @property
    def dnskeys(self) -> list[DNSKEY]:
        """Keys in the DNSKEY RRset of every address that answered."""
        return self._common("dnskeys")

    @property
    def ksks(self) -> list[DNSKEY]:
        """KSKs published on every address that answered."""
        return [key for key in self.dnskeys if key.is_ksk]

    @property
    def signing_ksks(self) -> list[DNSKEY]:
        """KSKs whose signature over the DNSKEY RRset validates on every address.

        Empty unless every address answered: a key is only vouched for when no
        address is left unchecked (safety rule 2).
        """
        if not self.answered:
            return []
        return [key for key in self._common("signing_ksks") if key.is_ksk]

    @property
    def cds(self) -> list[DSRecord]:
        """Signed CDS records served by every address that answered."""
        return [ds for ds in self._common("cds") if ds != DELETE_CDS]

    @property
    def cdnskey(self) -> list[DNSKEY]:
        """Signed CDNSKEY records served by every address that answered."""
        return [
            key for key in self._common("cdnskey") if key.to_text() != DELETE_CDNSKEY
        ]

    @property
    def delete_requested(self) -> bool:
        """Whether the child publishes the RFC 8078 delete signal."""
        return any(ds == DELETE_CDS for ds in self._common("cds")) or any(
            key.to_text() == DELETE_CDNSKEY for key in self._common("cdnskey")
        )

    @property
    def dnskey_ttl(self) -> int | None:
        """The largest DNSKEY TTL seen on any address."""
        ttls = [view.dnskey_ttl for view in self.addresses if view.dnskey_ttl]
        return max(ttls) if ttls else None

    def to_dict(self) -> dict[str, t.Any]:
        """Return the child's view for module results."""
        return {
            "domain": self.domain,
            "answered": self.answered,
            "consistent": self.consistent,
            "signed": self.signed,
            "error": self.error,
            "ksks": [key.to_dict() for key in self.ksks],
            "signing_ksks": [key.key_tag for key in self.signing_ksks],
            "cds": [ds.to_text() for ds in self.cds],
            "cdnskey": [key.to_text() for key in self.cdnskey],
            "delete_requested": self.delete_requested,
            "disagreements": self.disagreements,
            "servers": [view.to_dict() for view in self.addresses],
        }


def _rrset_signed(
    zone: t.Any, rrset: t.Any, rrsigs: t.Any, dnskey_rrset: t.Any
) -> bool:
    if rrset is None or rrsigs is None or dnskey_rrset is None:
        return False
    try:
        dns.dnssec.validate(rrset, rrsigs, {zone: dnskey_rrset})
    except (dns.dnssec.ValidationFailure, dns.exception.DNSException):
        return False
    return True


def address_view(
    domain: str,
    dnskey: t.Any,
    cds: t.Any,
    cdnskey: t.Any,
) -> ChildAddressView:
    """Build the view of one address from its three query results.

    The arguments are ``QueryResult`` objects of the DNS core for the DNSKEY,
    CDS and CDNSKEY queries sent to the same address.
    """
    errors = [
        f"{result.status} for {rdtype}" + (f" ({result.error})" if result.error else "")
        for rdtype, result in zip(CHILD_RDTYPES, (dnskey, cds, cdnskey))
        if not result.ok
    ]
    view = ChildAddressView(
        server=dnskey.server,
        address=dnskey.address,
        status=dnskey.status,
        answered=not errors,
        error="; ".join(errors) or None,
    )
    if dnskey.rrset is None:
        return view

    zone = dns.name.from_text(domain)
    view.dnskeys = [dnskey_from_rdata(rdata) for rdata in dnskey.rrset]
    view.dnskey_ttl = dnskey.ttl
    if dnskey.rrsigs is not None:
        view.signing_ksks = [
            key for key in signing_keys(zone, dnskey.rrset, dnskey.rrsigs) if key.is_ksk
        ]

    if cds.rrset is not None:
        if _rrset_signed(zone, cds.rrset, cds.rrsigs, dnskey.rrset):
            view.cds = [ds_from_rdata(rdata) for rdata in cds.rrset]
        else:
            view.cds_unsigned = True
    if cdnskey.rrset is not None:
        if _rrset_signed(zone, cdnskey.rrset, cdnskey.rrsigs, dnskey.rrset):
            view.cdnskey = [dnskey_from_rdata(rdata) for rdata in cdnskey.rrset]
        else:
            view.cdnskey_unsigned = True
    return view


def gather_child(client: t.Any, domain: str) -> ChildView:
    """Query every address of every child server of ``domain``.

    ``client`` is a ``DnsClient`` of the DNS core.  A ``DnsError`` finding the
    child servers is kept in ``ChildView.error`` rather than raised, so the
    phase can still be reported as unknown.
    """
    view = ChildView(domain=domain)
    try:
        targets = client.child_servers(domain)
    except DnsError as exc:
        view.error = f"cannot find the child servers of {domain}: {exc}"
        return view
    if not targets:
        view.error = f"the parent delegates {domain} to no server"
        return view

    results = {
        rdtype: client.query_all(targets, domain, rdtype) for rdtype in CHILD_RDTYPES
    }
    for dnskey, cds, cdnskey in zip(
        results["DNSKEY"], results["CDS"], results["CDNSKEY"]
    ):
        view.addresses.append(address_view(domain, dnskey, cds, cdnskey))
    return view
