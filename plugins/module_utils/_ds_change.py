# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""Changing a domain's DS set at its registrar: plan, safety gate, apply, read back.

Private to the dnsops.dnssec collection: not a public API.

``DsChange.run()`` reads the registrar's current set, works out the difference
to the wanted records (``present``, ``absent`` or ``exact``), refuses any change
that would break the chain of trust as it stands now, writes only the
difference (additions before removals), and reads the set back.  The gate
applies safety rules 2 (a DS is only added for a KSK that signs the DNSKEY
RRset on every child server address), 1 in its "now" half (after a removal,
every parent server must already serve a SHA-256 or SHA-384 DS of a KSK that
signs the child and stays at the registrar), 5 (SHA-1 and GOST are never
submitted), 6 (replace-the-set writes start from a fresh read and drop only what
the gate allows) and 10 (no DS algorithm that does not sign the child).
Whether the DS TTL has passed since the remaining DS reached every parent server
is not known here; dnssec_rotation_info and the rotation role judge it.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from ansible_collections.dnsops.dnssec.plugins.module_utils._child import (
    ChildView,
    gather_child,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._dns import DnsError
from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    ALGORITHM_NAMES,
    DIGEST_NAMES,
    DNSKEY,
    DNSKEY_FLAG_ZONE,
    GENERATED_DIGEST_TYPES,
    DSRecord,
    RecordError,
    algorithms_stay_signed,
    describe_ds,
    ds_matches_key,
    keys_for_ds,
    make_ds,
    parse_dnskey,
    parse_ds,
    removal_keeps_chain,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._parent import (
    ParentView,
    check_parent,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar import (
    Registrar,
    RegistrarError,
    RegistrarRecord,
)

STATES = ("present", "absent", "exact")


class ChangeError(Exception):
    """The change was refused or failed; ``result`` holds what is known so far."""

    def __init__(self, message: str, result: dict[str, t.Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.result = result or {}

    def __str__(self) -> str:
        return self.message


class SafetyError(ChangeError):
    """The safety gate refused the change: it would break the chain of trust."""


@dataclass(frozen=True)
class Wanted:
    """One record the operator asked for, in DS form, key form, or both."""

    ds: DSRecord | None = None
    dnskey: DNSKEY | None = None

    def describe(self) -> str:
        if self.ds is not None:
            return describe_ds(self.ds) + f" ({self.ds.to_text()})"
        if self.dnskey is None:
            return "an empty record"
        return f"DNSKEY {self.dnskey.key_tag} ({self.dnskey.to_text()})"


def _check_algorithm(algorithm: int, what: str) -> None:
    if algorithm not in ALGORITHM_NAMES:
        raise RecordError(
            f"{what}: algorithm {algorithm} is not a DNSSEC signing algorithm "
            f"(known: {', '.join(f'{n} {name}' for n, name in ALGORITHM_NAMES.items())})"
        )


def _read_option(
    values: t.Iterable[t.Any] | None, option: str, parse: t.Callable[[t.Any], t.Any]
) -> list[tuple[str, t.Any]]:
    """Parse each item of an option; RecordError naming the item that is bad."""
    items = []
    for index, value in enumerate(values or []):
        where = f"{option}[{index}]"
        try:
            item = parse(value)
        except RecordError as exc:
            raise RecordError(f"{where}: {exc}") from None
        _check_algorithm(item.algorithm, where)
        items.append((where, item))
    return items


def parse_wanted(
    records: t.Iterable[t.Any] | None, keys: t.Iterable[t.Any] | None
) -> list[Wanted]:
    """Read the ``records`` (DS) and ``keys`` (DNSKEY) options; RecordError if bad."""
    wanted: list[Wanted] = []
    for where, ds in _read_option(records, "records", parse_ds):
        if ds.digest_type not in DIGEST_NAMES:
            raise RecordError(
                f"{where}: digest type {ds.digest_type} is not a known DS digest type"
            )
        wanted.append(Wanted(ds=ds))
    for where, key in _read_option(keys, "keys", parse_dnskey):
        if not key.flags & DNSKEY_FLAG_ZONE:
            raise RecordError(
                f"{where}: flags {key.flags} lack the Zone Key bit; "
                "a DS can only point at a zone key"
            )
        wanted.append(Wanted(dnskey=key))
    unique: list[Wanted] = []
    for item in wanted:
        if item not in unique:
            unique.append(item)
    return unique


def same_key(one: DNSKEY, other: DNSKEY) -> bool:
    """Whether two DNSKEYs are the same key (flags aside, e.g. a REVOKE bit)."""
    return one.algorithm == other.algorithm and one.public_key == other.public_key


def same_record(one: RegistrarRecord, other: RegistrarRecord) -> bool:
    """Whether two registrar entries hold the same DS or the same key."""
    if one.ds is not None and other.ds is not None:
        return one.ds.to_text() == other.ds.to_text()
    if one.dnskey is not None and other.dnskey is not None:
        return same_key(one.dnskey, other.dnskey)
    return one.record_id is not None and one.record_id == other.record_id


@dataclass
class ParentEvidence:
    """The parent's view for the gate: the DS set of every parent server address."""

    view: ParentView | None
    error: str | None = None

    @property
    def failures(self) -> list[str]:
        if self.view is None:
            return [self.error or "the parent servers were not asked"]
        failures = [
            f"{result.server} ({result.address}): {result.status}"
            + (f", {result.error}" if result.error else "")
            for result in self.view.failed
        ]
        if not self.view.results:
            failures.append("no parent server address was found")
        return failures

    @property
    def answered(self) -> bool:
        """Whether every parent server address answered (safety rule 3)."""
        return not self.failures

    @property
    def common(self) -> list[DSRecord]:
        """DS records every parent server address serves."""
        return self.view.served_everywhere() if self.view is not None else []

    @property
    def union(self) -> list[DSRecord]:
        """DS records at least one parent server address serves."""
        return self.view.served_anywhere() if self.view is not None else []

    def to_dict(self) -> dict[str, t.Any]:
        return {
            "zone": self.view.parent_zone if self.view is not None else None,
            "common": [ds.to_text() for ds in self.common],
            "failures": self.failures,
            "servers": self.view.to_dict() if self.view is not None else [],
        }


def gather_parent(client: t.Any, domain: str) -> ParentEvidence:
    """Ask every address of every parent server for the domain's DS set."""
    try:
        return ParentEvidence(check_parent(client, domain))
    except DnsError as exc:
        return ParentEvidence(None, f"cannot find the parent servers: {exc}")


class DsChange:
    """One run of the dnssec_ds_record module for one domain.

    ``registrar`` is an adapter; ``dns`` a DnsClient of the DNS core (the child
    and parent views); ``wanted`` the parsed ``records``/``keys``.
    """

    def __init__(
        self,
        registrar: Registrar,
        dns: t.Any,
        domain: str,
        wanted: list[Wanted],
        state: str = "present",
        digest_type: int = 2,
        allow_unsafe: bool = False,
        check_mode: bool = False,
    ) -> None:
        if state not in STATES:
            raise ChangeError(f"state must be one of {', '.join(STATES)}")
        if digest_type not in GENERATED_DIGEST_TYPES:
            raise ChangeError(
                f"digest_type {digest_type} is never generated; use 2 (SHA-256) "
                "or 4 (SHA-384)"
            )
        self.registrar = registrar
        self.dns = dns
        self.domain = domain.rstrip(".").lower() + "."
        self.wanted = wanted
        self.state = state
        self.digest_type = digest_type
        self.allow_unsafe = allow_unsafe
        self.check_mode = check_mode
        self.warnings: list[str] = []
        self.result: dict[str, t.Any] = {
            "changed": False,
            "domain": self.domain.rstrip("."),
            "registrar": registrar.name,
            "state": state,
            "before": [],
            "after": [],
            "added": [],
            "removed": [],
            "operations": registrar.operations,
            "instructions": [],
        }
        self._child: ChildView | None = None
        self._parent: ParentEvidence | None = None

    # -- evidence -----------------------------------------------------------

    @property
    def child(self) -> ChildView:
        if self._child is None:
            self._child = gather_child(self.dns, self.domain)
            self.result["child"] = self._child.to_dict()
        return self._child

    @property
    def parent(self) -> ParentEvidence:
        if self._parent is None:
            self._parent = gather_parent(self.dns, self.domain)
            self.result["parent"] = self._parent.to_dict()
        return self._parent

    def child_key_for(self, ds: DSRecord) -> DNSKEY | None:
        """The key the child publishes (on every server) that the DS was made from."""
        keys = keys_for_ds(self.domain, ds, self.child.dnskeys)
        return keys[0] if keys else None

    # -- plan ---------------------------------------------------------------

    def normalize(self, want: Wanted) -> Wanted:
        """Put a wanted record in the form the registrar takes."""
        if self.registrar.takes == "ds" and want.ds is None and want.dnskey:
            return Wanted(
                ds=make_ds(self.domain, want.dnskey, self.digest_type),
                dnskey=want.dnskey,
            )
        return want

    def matches(self, record: RegistrarRecord, want: Wanted) -> bool:
        """Whether a registrar entry is the wanted record.

        Registrars that take DS data hold a DS per digest type, so a DS is the
        identity; registrars that take DNSKEY data hold one entry per key.
        """
        if self.registrar.takes == "dnskey":
            return self._same_key_entry(record, want)
        if want.ds is None:
            return False
        if record.ds is not None:
            return want.ds.to_text() == record.ds.to_text()
        return record.dnskey is not None and ds_matches_key(
            self.domain, want.ds, record.dnskey
        )

    def _same_key_entry(self, record: RegistrarRecord, want: Wanted) -> bool:
        if record.dnskey is not None:
            if want.dnskey is not None:
                return same_key(want.dnskey, record.dnskey)
            return want.ds is not None and ds_matches_key(
                self.domain, want.ds, record.dnskey
            )
        if record.ds is None:
            return False
        if want.ds is not None and want.ds.to_text() == record.ds.to_text():
            return True
        return want.dnskey is not None and ds_matches_key(
            self.domain, record.ds, want.dnskey
        )

    def tolerated(self, record: RegistrarRecord, wanted: list[Wanted]) -> bool:
        """Whether an entry is another digest of a wanted key (a registry extra).

        Registries add digests of their own (SHA-1, SHA-384) for a key; in
        ``exact`` they stay (safety rule 4).
        """
        if record.ds is None:
            return False
        for want in wanted:
            key = want.dnskey
            if key is None and want.ds is not None:
                if record.ds.key_tag != want.ds.key_tag:
                    continue
                key = self.child_key_for(want.ds)
            if key is not None and ds_matches_key(self.domain, record.ds, key):
                return True
        return False

    def plan(
        self, current: list[RegistrarRecord]
    ) -> tuple[list[Wanted], list[RegistrarRecord]]:
        """Return (additions, removals) for the current set and the state."""
        wanted = [self.normalize(want) for want in self.wanted]
        missing = [
            want
            for want in wanted
            if not any(self.matches(record, want) for record in current)
        ]
        if self.state == "present":
            return missing, []
        if self.state == "absent":
            removals = [
                record
                for record in current
                if any(self.matches(record, want) for want in wanted)
            ]
            return [], removals
        removals = [
            record
            for record in current
            if not any(self.matches(record, want) for want in wanted)
            and not self.tolerated(record, wanted)
        ]
        return missing, removals

    def removal_effect(
        self, current: list[RegistrarRecord], removals: list[RegistrarRecord]
    ) -> list[RegistrarRecord]:
        """Every entry the removals take away, siblings included."""
        effect: list[RegistrarRecord] = []
        for record in removals:
            for gone in self.registrar.removal_siblings(current, record):
                if not any(same_record(gone, other) for other in effect):
                    effect.append(gone)
        return effect

    # -- registrar form -----------------------------------------------------

    def to_record(self, want: Wanted) -> RegistrarRecord:
        """The entry to send for a wanted record, with key data when known."""
        if self.registrar.takes == "dnskey":
            key = want.dnskey
            if key is None and want.ds is not None:
                key = self.child_key_for(want.ds)
            if key is None:
                raise ChangeError(
                    f"{self.registrar.label} takes DNSKEY data, and no key the child "
                    f"servers of {self.domain} publish matches {want.describe()}",
                    self.result,
                )
            return RegistrarRecord(ds=want.ds, dnskey=key)
        key = want.dnskey
        if key is None and want.ds is not None:
            key = self.child_key_for(want.ds) if self.child.answered else None
        return RegistrarRecord(ds=want.ds, dnskey=key)

    # -- safety gate --------------------------------------------------------

    def gate(
        self,
        current: list[RegistrarRecord],
        adds: list[RegistrarRecord],
        effect: list[RegistrarRecord],
    ) -> None:
        """Raise SafetyError when the change would break the chain of trust."""
        for record in adds:
            if (
                record.ds is not None
                and record.ds.digest_type not in GENERATED_DIGEST_TYPES
            ):
                raise SafetyError(
                    f"refusing to submit {describe_ds(record.ds)}: digest type "
                    f"{record.ds.digest_type} is never submitted; use 2 (SHA-256) or "
                    "4 (SHA-384) (safety rule 5)",
                    self.result,
                )
        if self.allow_unsafe:
            if adds or effect:
                self.warnings.append(
                    "allow_unsafe is set: the chain-of-trust checks were skipped"
                )
            return

        problems: list[str] = []
        child = self.child
        if adds or effect:
            if not child.answered:
                problems.append(self._child_unknown(child))
            elif not child.consistent:
                problems.append(
                    "the child servers disagree: " + "; ".join(child.disagreements)
                )
        if problems:
            raise SafetyError("; ".join(problems), self.result)

        signing = child.signing_ksks
        for record in adds:
            if not self._signs(record, signing):
                problems.append(
                    f"refusing to add {record.describe()}: it matches no KSK that "
                    f"signs the DNSKEY RRset of {self.domain} on every child server "
                    f"address (signing KSKs: {_tags(signing)}) (safety rule 2)"
                )
        before = [record for record in current if record.ds is not None]
        after = [
            record
            for record in current
            if not any(same_record(record, gone) for gone in effect)
        ] + adds
        algorithms = {key.algorithm for key in signing}
        if algorithms_stay_signed(
            [r.ds for r in before if r.ds], algorithms
        ) and not algorithms_stay_signed([_algorithm_ds(r) for r in after], algorithms):
            problems.append(
                "refusing the change: the DS set would hold an algorithm that does "
                f"not sign the DNSKEY RRset of {self.domain} (signing algorithms: "
                f"{sorted(algorithms)}) (safety rule 10)"
            )
        if effect:
            problems.extend(self._removal_problems(after, effect, signing))
        if problems:
            raise SafetyError("; ".join(problems), self.result)

    def _child_unknown(self, child: ChildView) -> str:
        reasons = [child.error] if child.error else []
        reasons += [
            f"{view.server} ({view.address}): {view.error}" for view in child.failed
        ]
        return (
            f"cannot vouch for the keys of {self.domain}: not every child server "
            "address answered (" + "; ".join(r for r in reasons if r) + ")"
        )

    def _signs(self, record: RegistrarRecord, signing: list[DNSKEY]) -> bool:
        if record.dnskey is not None and not any(
            same_key(record.dnskey, key) for key in signing
        ):
            return False
        if record.ds is not None:
            return bool(keys_for_ds(self.domain, record.ds, signing))
        return record.dnskey is not None

    def _removal_problems(
        self,
        after: list[RegistrarRecord],
        effect: list[RegistrarRecord],
        signing: list[DNSKEY],
    ) -> list[str]:
        """Rule 1, now: a DS that stays must validate and be on every parent server."""
        parent = self.parent
        what = ", ".join(record.describe() for record in effect)
        if not parent.answered:
            return [
                f"refusing to remove {what}: the parent servers' DS set is unknown "
                f"({'; '.join(parent.failures)}) (safety rule 3)"
            ]
        staying = [
            key
            for key in signing
            if any(self._record_is_key(record, key) for record in after)
        ]
        # A DS this change removes does not count, even when it is the served
        # twin (another digest type) of a key that stays.
        removals = [record.ds for record in effect if record.ds is not None]
        if removal_keeps_chain(self.domain, parent.common, removals, staying):
            return []
        return [
            f"refusing to remove {what}: afterwards no DS that stays at the registrar "
            f"and is served by every parent server validates {self.domain} "
            f"(signing KSKs: {_tags(signing)}; DS on every parent server: "
            f"{', '.join(ds.to_text() for ds in parent.common) or 'none'}) "
            "(safety rule 1)"
        ]

    def _record_is_key(self, record: RegistrarRecord, key: DNSKEY) -> bool:
        if record.dnskey is not None:
            return same_key(record.dnskey, key)
        return (
            record.ds is not None
            and record.ds.is_secure_digest
            and ds_matches_key(self.domain, record.ds, key)
        )

    # -- run ----------------------------------------------------------------

    def current(self) -> list[RegistrarRecord]:
        """The registrar's set; for the manual registrar, what the parent serves."""
        if self.registrar.has_api:
            return self.registrar.list_records(self.domain)
        parent = self.parent
        if not parent.answered:
            raise ChangeError(
                "the manual registrar has no API to read, and the parent servers' "
                f"DS set is unknown: {'; '.join(parent.failures)}",
                self.result,
            )
        return [RegistrarRecord(ds=ds) for ds in parent.union]

    def run(self) -> dict[str, t.Any]:
        """Plan, judge, apply and read back; return the module result."""
        try:
            return self._run()
        except RegistrarError as exc:
            raise ChangeError(str(exc), self.result) from None
        except RecordError as exc:
            raise ChangeError(str(exc), self.result) from None

    def _run(self) -> dict[str, t.Any]:
        current = self.current()
        self.result["before"] = [record.to_dict() for record in current]
        self.result["after"] = self.result["before"]
        missing, removals = self.plan(current)
        adds = [self.to_record(want) for want in missing]
        effect = self.removal_effect(current, removals)
        adds += self._readd_collateral(effect, removals, adds)
        self.gate(current, adds, [])
        deferred: SafetyError | None = None
        if effect:
            try:
                self.gate(current, adds, effect)
            except SafetyError as exc:
                # In exact, the additions still go ahead (add before remove);
                # the removals wait for a later run, and this run fails.
                if self.state != "exact" or not adds:
                    raise
                deferred = exc
                removals, effect = [], []

        self.result["added"] = [record.to_dict() for record in adds]
        self.result["removed"] = [record.to_dict() for record in effect]
        predicted = [
            record
            for record in current
            if not any(same_record(record, gone) for gone in effect)
        ] + adds
        self.result["diff"] = {
            "before": _lines(current),
            "after": _lines(predicted),
        }
        if not self.registrar.has_api:
            manual = t.cast(t.Any, self.registrar)
            self.result["instructions"] = manual.instructions(adds, effect)
            self.result["after"] = [record.to_dict() for record in predicted]
            return self._finish(deferred)
        if not adds and not effect:
            return self.result

        self.result["changed"] = True
        if self.check_mode:
            self.result["after"] = [record.to_dict() for record in predicted]
            return self._finish(deferred)

        if self.registrar.replaces_set:
            effect = self._replace(adds, removals)
        else:
            self._per_record(current, adds, removals)
        self._read_back(adds, effect)
        return self._finish(deferred)

    def _finish(self, deferred: SafetyError | None) -> dict[str, t.Any]:
        if deferred is None:
            return self.result
        added = ", ".join(
            record["ds"]["text"] if record["ds"] else record["dnskey"]["text"]
            for record in self.result["added"]
        )
        raise SafetyError(
            f"added {added}; the removals wait: {deferred.message}", self.result
        )

    def _readd_collateral(
        self,
        effect: list[RegistrarRecord],
        removals: list[RegistrarRecord],
        adds: list[RegistrarRecord],
    ) -> list[RegistrarRecord]:
        """Wanted entries a by-key-tag removal takes along, to add again after."""
        if self.state == "absent":
            return []
        wanted = [self.normalize(want) for want in self.wanted]
        again = []
        for record in effect:
            if any(same_record(record, removal) for removal in removals):
                continue
            if any(self.matches(record, want) for want in wanted) and not any(
                same_record(record, add) for add in adds
            ):
                again.append(record)
        return again

    def _per_record(
        self,
        current: list[RegistrarRecord],
        adds: list[RegistrarRecord],
        removals: list[RegistrarRecord],
    ) -> None:
        # Additions first (safety rule 6): a removal never precedes its successor.
        readd = [a for a in adds if any(same_record(a, c) for c in current)]
        for record in adds:
            if record not in readd:
                self.registrar.add_record(self.domain, record)
        gone: list[RegistrarRecord] = []
        for record in removals:
            if any(same_record(record, other) for other in gone):
                continue
            self.registrar.remove_record(self.domain, record)
            gone.extend(self.registrar.removal_siblings(current, record))
        for record in readd:
            self.registrar.add_record(self.domain, record)

    def _replace(
        self, adds: list[RegistrarRecord], removals: list[RegistrarRecord]
    ) -> list[RegistrarRecord]:
        # A fresh read right before the write: entries someone else added since
        # the plan stay, and the gate judges the set actually replaced.
        fresh = self.registrar.list_records(self.domain)
        dropping = [
            record
            for record in fresh
            if any(self._same_entry(record, removal) for removal in removals)
        ]
        self.gate(fresh, [a for a in adds if not self._in(a, fresh)], dropping)
        keep = [record for record in fresh if record not in dropping]
        new = keep + [record for record in adds if not self._in(record, keep)]
        self.result["removed"] = [record.to_dict() for record in dropping]
        self.registrar.replace_records(self.domain, new)
        return dropping

    def _same_entry(self, one: RegistrarRecord, other: RegistrarRecord) -> bool:
        if same_record(one, other):
            return True
        if one.dnskey is not None and other.ds is not None:
            return ds_matches_key(self.domain, other.ds, one.dnskey)
        if other.dnskey is not None and one.ds is not None:
            return ds_matches_key(self.domain, one.ds, other.dnskey)
        return False

    def _in(self, record: RegistrarRecord, records: list[RegistrarRecord]) -> bool:
        return any(self._same_entry(record, other) for other in records)

    def _read_back(
        self, adds: list[RegistrarRecord], effect: list[RegistrarRecord]
    ) -> None:
        after = self.registrar.list_records(self.domain)
        self.result["after"] = [record.to_dict() for record in after]
        self.result["diff"]["after"] = _lines(after)
        problems = [
            f"{record.describe()} was added but the registrar does not list it"
            for record in adds
            if not self._in(record, after)
        ]
        problems += [
            f"{record.describe()} was removed but the registrar still lists it"
            for record in effect
            if self._in(record, after) and not self._in(record, adds)
        ]
        if problems:
            raise ChangeError(
                f"{self.registrar.label}: read-back after the write disagrees: "
                + "; ".join(problems),
                self.result,
            )


def _algorithm_ds(record: RegistrarRecord) -> DSRecord:
    """A DS standing for the entry's algorithm (key-only entries have no DS)."""
    if record.ds is not None:
        return record.ds
    algorithm = record.dnskey.algorithm if record.dnskey is not None else 0
    return DSRecord(record.key_tag or 0, algorithm, 2, "00")


def _tags(keys: t.Iterable[DNSKEY]) -> str:
    tags = [
        f"{key.key_tag} ({ALGORITHM_NAMES.get(key.algorithm, key.algorithm)})"
        for key in keys
    ]
    return ", ".join(tags) or "none"


def _lines(records: t.Iterable[RegistrarRecord]) -> str:
    lines = sorted(record.describe() for record in records)
    return "".join(line + "\n" for line in lines)
