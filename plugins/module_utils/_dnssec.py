# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""DS and DNSKEY records, their math, and the chain-of-trust rules.

Private to the dnsops.dnssec collection: not a public API.

Everything here is pure computation: no network access.  Records are parsed from
the shapes operators and APIs use (presentation text, dicts, DNSimple's webhook
payload with every field as a string), and compared in one canonical form:
digests are upper-case hex, public keys are base64 without whitespace.
"""

from __future__ import annotations

import base64
import binascii
import re
import typing as t
from dataclasses import dataclass

try:
    import dns.dnssec
    import dns.exception
    import dns.name
    import dns.rdata
    import dns.rdataclass
    import dns.rdatatype
    import dns.rrset

    HAS_DNSPYTHON = True
    DNSPYTHON_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised by sanity tests
    HAS_DNSPYTHON = False
    DNSPYTHON_IMPORT_ERROR = exc


DIGEST_LENGTHS = {1: 20, 2: 32, 3: 32, 4: 48}
DIGEST_NAMES = {1: "SHA-1", 2: "SHA-256", 3: "GOST R 34.11-94", 4: "SHA-384"}

# RFC 8624 / RFC 9904: SHA-256 MUST and SHA-384 MAY be generated; SHA-1 and GOST
# MUST NOT.  Only these two count as secure when judging the chain of trust.
GENERATED_DIGEST_TYPES = (2, 4)
SECURE_DIGEST_TYPES = frozenset(GENERATED_DIGEST_TYPES)

ALGORITHM_NAMES = {
    5: "RSASHA1",
    7: "RSASHA1-NSEC3-SHA1",
    8: "RSASHA256",
    10: "RSASHA512",
    13: "ECDSAP256SHA256",
    14: "ECDSAP384SHA384",
    15: "ED25519",
    16: "ED448",
}

DNSKEY_FLAG_ZONE = 0x0100
DNSKEY_FLAG_SEP = 0x0001
DNSKEY_FLAG_REVOKE = 0x0080

_HEX = re.compile(r"^[0-9A-Fa-f]+$")
_DS_TEXT = re.compile(
    r"^(?:(?P<owner>\S+)\s+(?:\d+\s+)?(?:IN\s+)?DS\s+)?"
    r"(?P<key_tag>\S+)\s+(?P<algorithm>\S+)\s+(?P<digest_type>\S+)\s+(?P<digest>.+)$",
    re.IGNORECASE,
)
_DNSKEY_TEXT = re.compile(
    r"^(?:(?P<owner>\S+)\s+(?:\d+\s+)?(?:IN\s+)?(?:DNSKEY|CDNSKEY)\s+)?"
    r"(?P<flags>\d+)\s+(?P<protocol>\d+)\s+(?P<algorithm>\S+)\s+(?P<public_key>.+)$",
    re.IGNORECASE,
)


class RecordError(ValueError):
    """A DS or DNSKEY record that cannot be read or used; the message says why."""


@dataclass(frozen=True)
class DSRecord:
    """One DS record (RFC 4034 section 5), digest in upper-case hex."""

    key_tag: int
    algorithm: int
    digest_type: int
    digest: str

    def to_text(self) -> str:
        """Return the record in presentation format: ``60812 8 2 42AE...``."""
        return f"{self.key_tag} {self.algorithm} {self.digest_type} {self.digest}"

    def to_dict(self) -> dict[str, t.Any]:
        """Return the record as a dict with integer fields, for module results."""
        return {
            "key_tag": self.key_tag,
            "algorithm": self.algorithm,
            "digest_type": self.digest_type,
            "digest": self.digest,
            "text": self.to_text(),
        }

    @property
    def is_secure_digest(self) -> bool:
        """Whether validators rely on this digest type (SHA-256 or SHA-384)."""
        return self.digest_type in SECURE_DIGEST_TYPES

    def __str__(self) -> str:
        return self.to_text()


@dataclass(frozen=True)
class DNSKEY:
    """One DNSKEY record, public key in base64 without whitespace."""

    flags: int
    protocol: int
    algorithm: int
    public_key: str

    @property
    def is_ksk(self) -> bool:
        """Whether the key has the Secure Entry Point flag and is not revoked."""
        return bool(self.flags & DNSKEY_FLAG_SEP) and not self.is_revoked

    @property
    def is_revoked(self) -> bool:
        """Whether the key carries the REVOKE flag (RFC 5011)."""
        return bool(self.flags & DNSKEY_FLAG_REVOKE)

    @property
    def key_tag(self) -> int:
        """Return the key tag (RFC 4034 appendix B)."""
        return key_tag(self)

    def to_text(self) -> str:
        """Return the record in presentation format: ``257 3 13 base64``."""
        return f"{self.flags} {self.protocol} {self.algorithm} {self.public_key}"

    def to_dict(self) -> dict[str, t.Any]:
        """Return the record as a dict, with its key tag, for module results."""
        return {
            "flags": self.flags,
            "protocol": self.protocol,
            "algorithm": self.algorithm,
            "public_key": self.public_key,
            "key_tag": self.key_tag,
            "text": self.to_text(),
        }

    def __str__(self) -> str:
        return self.to_text()


def _require_dnspython() -> None:
    if not HAS_DNSPYTHON:
        raise RecordError(
            f"the Python library dnspython is required: {DNSPYTHON_IMPORT_ERROR}"
        )


def _integer(value: t.Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise RecordError(f"{field} must be an integer, got {value!r}")
    if isinstance(value, str):
        value = value.strip()
        if not value.isdigit():
            raise RecordError(f"{field} must be an integer, got {value!r}")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise RecordError(f"{field} must be an integer, got {value!r}") from None
    if not low <= number <= high:
        raise RecordError(f"{field} must be between {low} and {high}, got {number}")
    return number


def _algorithm(value: t.Any) -> int:
    if isinstance(value, str) and not value.strip().isdigit():
        for number, name in ALGORITHM_NAMES.items():
            if name == value.strip().upper():
                return number
        raise RecordError(f"algorithm {value!r} is not a known DNSSEC algorithm")
    return _integer(value, "algorithm", 0, 255)


def _digest(value: t.Any, digest_type: int) -> str:
    if not isinstance(value, str):
        raise RecordError(f"digest must be a hex string, got {value!r}")
    digest = "".join(value.split()).upper()
    if not digest or not _HEX.match(digest):
        raise RecordError(f"digest must be hexadecimal, got {value!r}")
    expected = DIGEST_LENGTHS.get(digest_type)
    if expected is not None and len(digest) != expected * 2:
        raise RecordError(
            f"a digest of type {digest_type} ({DIGEST_NAMES[digest_type]}) has "
            f"{expected * 2} hex digits, this one has {len(digest)}"
        )
    return digest


def _public_key(value: t.Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RecordError(f"public_key must be a base64 string, got {value!r}")
    key = "".join(value.split())
    try:
        raw = base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        raise RecordError(f"public_key is not valid base64: {value!r}") from None
    if not raw:
        raise RecordError("public_key is empty")
    return base64.b64encode(raw).decode("ascii")


def _first(data: t.Mapping[str, t.Any], names: t.Sequence[str], field: str) -> t.Any:
    for name in names:
        if data.get(name) is not None:
            return data[name]
    raise RecordError(f"{field} is missing (expected one of: {', '.join(names)})")


def parse_ds(value: t.Any) -> DSRecord:
    """Read a DS record from text, a dict, or DNSimple's payload shape.

    Text may be bare rdata (``60812 8 2 42AE...``) or a whole record
    (``example.com. 3600 IN DS 60812 8 2 42AE...``).  Dicts may use ``key_tag`` or
    ``keytag`` (DNSimple), with integers or strings.  Raises RecordError naming
    the field that is wrong.
    """
    if isinstance(value, DSRecord):
        return value
    if isinstance(value, str):
        match = _DS_TEXT.match(value.strip())
        if not match:
            raise RecordError(
                f"cannot read a DS record from {value!r}: expected "
                "'KEYTAG ALGORITHM DIGEST_TYPE DIGEST'"
            )
        fields: t.Mapping[str, t.Any] = match.groupdict()
    elif isinstance(value, t.Mapping):
        fields = {
            "key_tag": _first(value, ("key_tag", "keytag"), "key_tag"),
            "algorithm": _first(value, ("algorithm",), "algorithm"),
            "digest_type": _first(value, ("digest_type",), "digest_type"),
            "digest": _first(value, ("digest",), "digest"),
        }
    else:
        raise RecordError(f"cannot read a DS record from a {type(value).__name__}")

    digest_type = _integer(fields["digest_type"], "digest_type", 0, 255)
    return DSRecord(
        key_tag=_integer(fields["key_tag"], "key_tag", 0, 65535),
        algorithm=_algorithm(fields["algorithm"]),
        digest_type=digest_type,
        digest=_digest(fields["digest"], digest_type),
    )


def parse_dnskey(value: t.Any, default_flags: int = 257) -> DNSKEY:
    """Read a DNSKEY from text (``257 3 13 base64``) or a dict.

    A dict without ``flags`` (DNSimple's payload carries only ``public_key`` and
    ``algorithm``) gets ``default_flags``, a KSK.  Raises RecordError.
    """
    if isinstance(value, DNSKEY):
        return value
    if isinstance(value, str):
        match = _DNSKEY_TEXT.match(value.strip())
        if not match:
            raise RecordError(
                f"cannot read a DNSKEY from {value!r}: expected "
                "'FLAGS PROTOCOL ALGORITHM PUBLIC_KEY'"
            )
        fields: t.Mapping[str, t.Any] = match.groupdict()
    elif isinstance(value, t.Mapping):
        fields = {
            "flags": value.get("flags", default_flags),
            "protocol": value.get("protocol", 3),
            "algorithm": _first(value, ("algorithm",), "algorithm"),
            "public_key": _first(value, ("public_key", "publicKey"), "public_key"),
        }
    else:
        raise RecordError(f"cannot read a DNSKEY from a {type(value).__name__}")

    protocol = _integer(fields["protocol"], "protocol", 0, 255)
    if protocol != 3:
        raise RecordError(f"protocol must be 3 (RFC 4034), got {protocol}")
    return DNSKEY(
        flags=_integer(fields["flags"], "flags", 0, 65535),
        protocol=protocol,
        algorithm=_algorithm(fields["algorithm"]),
        public_key=_public_key(fields["public_key"]),
    )


def dnskey_from_rdata(rdata: t.Any) -> DNSKEY:
    """Convert a dnspython DNSKEY or CDNSKEY rdata into a DNSKEY."""
    return DNSKEY(
        flags=int(rdata.flags),
        protocol=int(rdata.protocol),
        algorithm=int(rdata.algorithm),
        public_key=base64.b64encode(rdata.key).decode("ascii"),
    )


def ds_from_rdata(rdata: t.Any) -> DSRecord:
    """Convert a dnspython DS or CDS rdata into a DSRecord."""
    return DSRecord(
        key_tag=int(rdata.key_tag),
        algorithm=int(rdata.algorithm),
        digest_type=int(rdata.digest_type),
        digest=binascii.hexlify(rdata.digest).decode("ascii").upper(),
    )


def dnskey_to_rdata(key: DNSKEY) -> t.Any:
    """Return the dnspython rdata of a DNSKEY."""
    _require_dnspython()
    return dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DNSKEY, key.to_text())


def key_tag(key: DNSKEY) -> int:
    """Return the key tag of a DNSKEY (RFC 4034 appendix B)."""
    _require_dnspython()
    return int(dns.dnssec.key_id(dnskey_to_rdata(key)))


def _zone_name(zone: t.Any) -> t.Any:
    _require_dnspython()
    if isinstance(zone, dns.name.Name):
        return zone
    return dns.name.from_text(str(zone))


def compute_ds(zone: t.Any, key: DNSKEY, digest_type: int) -> DSRecord:
    """Compute the DS of a key with any digest type dnspython knows.

    For comparing with an existing DS only; use make_ds to produce a DS to submit.
    """
    _require_dnspython()
    try:
        # Comparing with a SHA-1 DS a registry published is allowed; generating
        # one is not, and make_ds below refuses it before this point.
        rdata = dns.dnssec.make_ds(
            _zone_name(zone),
            dnskey_to_rdata(key),
            digest_type,
            policy=dns.dnssec.allow_all_policy,
        )
    except (dns.exception.DNSException, ValueError, TypeError) as exc:
        raise RecordError(f"cannot compute a DS of digest type {digest_type}: {exc}")
    return ds_from_rdata(rdata)


def make_ds(zone: t.Any, key: DNSKEY, digest_type: int = 2) -> DSRecord:
    """Return the DS to submit for a key: SHA-256 (2) by default, or SHA-384 (4).

    Refuses SHA-1 and GOST, which must never be generated (RFC 8624, RFC 9904).
    """
    if digest_type not in GENERATED_DIGEST_TYPES:
        raise RecordError(
            f"digest type {digest_type} is never generated; use 2 (SHA-256) "
            "or 4 (SHA-384)"
        )
    return compute_ds(zone, key, digest_type)


def ds_matches_key(zone: t.Any, ds: DSRecord, key: DNSKEY) -> bool:
    """Whether a DS was made from this key: recomputed with the DS's own digest type.

    Digests compare case-insensitively (both are upper-case here).  A digest type
    that cannot be computed (GOST, unknown) matches nothing.
    """
    if ds.key_tag != key.key_tag or ds.algorithm != key.algorithm:
        return False
    try:
        return compute_ds(zone, key, ds.digest_type).digest == ds.digest.upper()
    except RecordError:
        return False


def keys_for_ds(zone: t.Any, ds: DSRecord, keys: t.Iterable[DNSKEY]) -> list[DNSKEY]:
    """Return the keys the DS was made from (normally none or one)."""
    return [key for key in keys if ds_matches_key(zone, ds, key)]


def ds_for_keys(
    zone: t.Any, ds_set: t.Iterable[DSRecord], keys: t.Iterable[DNSKEY]
) -> list[DSRecord]:
    """Return the DS records of a set that match at least one of the keys."""
    keys = list(keys)
    return [ds for ds in ds_set if keys_for_ds(zone, ds, keys)]


def validating_ds(
    zone: t.Any, ds_set: t.Iterable[DSRecord], signing_ksks: t.Iterable[DNSKEY]
) -> list[DSRecord]:
    """Return the DS records a validator can build the chain of trust on.

    Those are the SHA-256 or SHA-384 DS records that match a KSK which signs the
    child's DNSKEY RRset (safety rule 1 and 4).  Extra registry-added digests are
    tolerated and simply do not count.
    """
    secure = [ds for ds in ds_set if ds.is_secure_digest]
    return ds_for_keys(zone, secure, signing_ksks)


def ds_set_validates(
    zone: t.Any, ds_set: t.Iterable[DSRecord], signing_ksks: t.Iterable[DNSKEY]
) -> bool:
    """Whether a DS set holds at least one DS that validates the child."""
    return bool(validating_ds(zone, ds_set, signing_ksks))


def removal_keeps_chain(
    zone: t.Any,
    ds_set: t.Iterable[DSRecord],
    removals: t.Iterable[DSRecord],
    signing_ksks: t.Iterable[DNSKEY],
) -> bool:
    """Whether the DS set left after the removals still validates the child.

    This is the "right now" half of safety rule 1; the TTL half needs evidence
    over time and is judged by the rotation state machine.
    """
    removed = {ds.to_text() for ds in removals}
    remaining = [ds for ds in ds_set if ds.to_text() not in removed]
    return ds_set_validates(zone, remaining, signing_ksks)


def algorithms_stay_signed(
    ds_set: t.Iterable[DSRecord], signing_algorithms: t.Iterable[int]
) -> bool:
    """Whether every algorithm in a DS set signs the child's DNSKEY RRset.

    RFC 4035 section 2.2: the algorithms of the parent DS set must be a subset of
    those signing the child (safety rule 10).
    """
    return {ds.algorithm for ds in ds_set} <= set(signing_algorithms)


def signing_keys(
    zone: t.Any,
    dnskey_rrset: t.Any,
    rrsig_rrset: t.Any,
    now: float | None = None,
) -> list[DNSKEY]:
    """Return the keys of a DNSKEY RRset whose RRSIG over that RRset validates.

    ``dnskey_rrset`` and ``rrsig_rrset`` are dnspython RRsets as received.  A key
    counts only if the signature made with it is cryptographically valid and
    within its validity period at ``now`` (default: the current time).
    """
    _require_dnspython()
    name = _zone_name(zone)
    signers = []
    for rdata in dnskey_rrset:
        single = {name: dns.rrset.from_rdata(name, dnskey_rrset.ttl, rdata)}
        try:
            dns.dnssec.validate(dnskey_rrset, rrsig_rrset, single, now=now)
        except (dns.dnssec.ValidationFailure, dns.exception.DNSException):
            continue
        signers.append(dnskey_from_rdata(rdata))
    return signers


def describe_ds(ds: DSRecord) -> str:
    """Return a short human description, e.g. ``DS 60812 (RSASHA256, SHA-256)``."""
    algorithm = ALGORITHM_NAMES.get(ds.algorithm, f"algorithm {ds.algorithm}")
    digest = DIGEST_NAMES.get(ds.digest_type, f"digest type {ds.digest_type}")
    return f"DS {ds.key_tag} ({algorithm}, {digest})"


def validating_ds_for_rrset(
    zone: t.Any,
    dnskey_rrset: t.Any,
    rrsig_rrset: t.Any,
    ds_set: t.Iterable[DSRecord],
    now: float | None = None,
) -> list[DSRecord]:
    """Return the DS records of a DS set that validate a DNSKEY RRset as received.

    A DS counts when it has a SHA-256 or SHA-384 digest and matches a KSK whose
    RRSIG over the RRset is valid at ``now``: what a validator needs to trust
    the zone (RFC 4035 section 5.2, RFC 4509 section 3).
    """
    if dnskey_rrset is None or rrsig_rrset is None:
        return []
    # Validators ignore the SEP flag (RFC 4034 section 2.1.1) but need a zone key.
    signers = [
        key
        for key in signing_keys(zone, dnskey_rrset, rrsig_rrset, now)
        if key.flags & DNSKEY_FLAG_ZONE and not key.is_revoked
    ]
    return validating_ds(zone, ds_set, signers)


def dnskey_rrset_validates(
    zone: t.Any,
    dnskey_rrset: t.Any,
    rrsig_rrset: t.Any,
    ds_set: t.Iterable[DSRecord],
    now: float | None = None,
) -> bool:
    """Whether a DS set validates a DNSKEY RRset and its signatures."""
    return bool(validating_ds_for_rrset(zone, dnskey_rrset, rrsig_rrset, ds_set, now))
