# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""Small DNS helpers of the lab: queries, key tags and DS records."""

from __future__ import annotations

import base64

import dns.dnssec
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype

#: The DNSKEY flag of a key signing key (SEP).
SEP = 0x0001


def query(
    address: str,
    name: str,
    rdtype: str,
    port: int = 53,
    timeout: float = 1.0,
    dnssec: bool = True,
) -> dns.message.Message:
    """Send one query to ``address``; retry over TCP when the answer is truncated.

    Raises dns.exception.Timeout when no answer comes within ``timeout``.
    """
    message = dns.message.make_query(name, rdtype, want_dnssec=dnssec)
    message.flags &= ~dns.flags.RD
    response = dns.query.udp(message, address, port=port, timeout=timeout)
    if response.flags & dns.flags.TC:
        response = dns.query.tcp(message, address, port=port, timeout=timeout)
    return response


def answer_rdatas(
    response: dns.message.Message, name: str, rdtype: str
) -> list[dns.rdata.Rdata]:
    """Return the ``rdtype`` records of ``name`` in the answer section."""
    owner = dns.name.from_text(name)
    kind = dns.rdatatype.from_text(rdtype)
    for rrset in response.answer:
        if rrset.name == owner and rrset.rdtype == kind:
            return list(rrset)
    return []


def signing_keytags(response: dns.message.Message, name: str, rdtype: str) -> set[int]:
    """Return the key tags of the RRSIGs over ``name``/``rdtype`` in the answer."""
    covered = dns.rdatatype.from_text(rdtype)
    return {
        rdata.key_tag
        for rdata in answer_rdatas(response, name, "RRSIG")
        if rdata.type_covered == covered
    }


def is_ksk(dnskey: dns.rdata.Rdata) -> bool:
    """Return True for a DNSKEY with the SEP flag."""
    return bool(dnskey.flags & SEP)


def ds_text(zone: str, dnskey: dns.rdata.Rdata, digest: str = "SHA256") -> str:
    """Return the DS of ``dnskey`` as ``"keytag alg type HEX"`` (upper-case hex)."""
    ds = dns.dnssec.make_ds(zone, dnskey, digest)
    return f"{ds.key_tag} {ds.algorithm} {ds.digest_type} {ds.digest.hex().upper()}"


def normalize_ds(text: str) -> str:
    """Return DS rdata text in the lab's form (digest in one upper-case word).

    Raises ValueError when ``text`` is not DS rdata.
    """
    parts = text.split()
    if len(parts) < 4 or not all(part.isdigit() for part in parts[:3]):
        raise ValueError(f"not DS rdata (keytag algorithm digest_type digest): {text}")
    return " ".join([*parts[:3], "".join(parts[3:]).upper()])


def ds_event(zone: str, dnskey: dns.rdata.Rdata) -> dict[str, str]:
    """Return a DS record as DNSimple's webhooks carry it (SHA-256, strings)."""
    tag, algorithm, digest_type, digest = ds_text(zone, dnskey).split()
    return {
        "keytag": tag,
        "algorithm": algorithm,
        "digest_type": digest_type,
        "digest": digest,
        "public_key": base64.b64encode(dnskey.key).decode("ascii"),
    }


def keytag(dnskey: dns.rdata.Rdata) -> int:
    """Return the key tag of ``dnskey``."""
    return dns.dnssec.key_id(dnskey)


def rcode_text(response: dns.message.Message) -> str:
    """Return the RCODE of ``response`` as text, e.g. ``NOERROR``."""
    return dns.rcode.to_text(response.rcode())


def is_authoritative(response: dns.message.Message) -> bool:
    """Return True when ``response`` has the AA flag."""
    return bool(response.flags & dns.flags.AA)


Timeout = dns.exception.Timeout
