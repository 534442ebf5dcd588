# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""The rotation state machine: the phase of a KSK rotation and the next safe actions.

Private to the dnsops.dnssec collection: not a public API.

``assess`` works on plain data already gathered: the child's view (``_child``),
the DS set each parent server address serves, optionally the registrar's records,
a webhook event, and the evidence kept between runs (``_evidence``).  It never
talks to a server; everything it decides can be tested from tables.

The DS set the parent should end with (the target) comes from the child:
the KSKs the signed CDS RRset names, else those the signed CDNSKEY RRset names,
else every KSK that signs the DNSKEY RRset on every child server address.  When
that leaves more than one KSK, a ``dnssec.rotation_start`` event naming one of
them, or the evidence's record of which DS reached the parent servers last,
singles out the new KSK.  An ``add`` is proposed only for a KSK that signs the
DNSKEY RRset on every child server address (safety rule 2); a ``remove`` for
every DS that matches no target KSK, safe only under safety rules 1 and 10.
"""

from __future__ import annotations

import time
import typing as t
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ansible_collections.dnsops.dnssec.plugins.module_utils._child import (
    ChildView,
    gather_child,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._dns import (
    DnsClient,
    DnsError,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._dns import (
    client_from_params as dns_client_from_params,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._dnsimple import (
    DnsimpleError,
    DnsimpleNotFoundError,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._dnsimple import (
    client_from_params as dnsimple_client_from_params,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    DNSKEY,
    DSRecord,
    RecordError,
    algorithms_stay_signed,
    ds_matches_key,
    make_ds,
    parse_ds,
    validating_ds,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._evidence import (
    DomainEvidence,
    EvidenceError,
    EvidenceStore,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._parent import (
    ParentView,
    check_parent,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar import (
    REGISTRAR_CHOICES,
    RegistrarError,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrars import (
    make_registrar,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._webhook import (
    WebhookError,
    parse_event,
)

PHASES = (
    "unsigned",
    "stable",
    "rotation_started",
    "submitted",
    "published",
    "retiring",
    "complete",
    "broken",
    "inconsistent",
    "unknown",
)
IN_PROGRESS = ("rotation_started", "submitted", "published", "retiring", "complete")

# DNSimple waits 7 days for each of the owner's two steps.
DNSIMPLE_WINDOW = 7 * 24 * 3600

ROTATION_START = "dnssec.rotation_start"
ROTATION_COMPLETE = "dnssec.rotation_complete"

# Which phases each event is expected in: a rotation_start arrives as the new
# KSK starts signing, a rotation_complete once its DS is on every parent server.
EVENT_PHASES = {
    ROTATION_START: ("rotation_started", "submitted", "published", "retiring"),
    ROTATION_COMPLETE: ("published", "retiring", "complete", "stable"),
    "dnssec.create": ("unsigned", "rotation_started", "submitted", "stable"),
    "dnssec.delete": ("unsigned",),
}


@dataclass(frozen=True)
class ParentAddress:
    """The DS set one parent server address serves for the domain.

    ``answered`` is true only for an authoritative NOERROR answer (with the DS
    set or NODATA); a timeout, SERVFAIL, REFUSED or lame answer is false and
    makes the phase unknown (safety rule 3).
    """

    server: str
    address: str
    answered: bool
    ds: tuple[DSRecord, ...] = ()
    status: str = "answer"
    ttl: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class RegistrarRecordView:
    """One DS (or DNSKEY) the registrar lists for the domain."""

    ds: DSRecord | None = None
    dnskey: DNSKEY | None = None


@dataclass(frozen=True)
class EventHint:
    """A webhook event passed to the run: a hint, never trusted over DNS."""

    name: str
    domain: str
    ds: DSRecord | None = None
    dnskey: DNSKEY | None = None


@dataclass
class Action:
    """One next step at the registrar."""

    action: str
    ds: DSRecord
    dnskey: DNSKEY | None
    reason: str
    safe: bool
    blocked_by: str | None = None
    safe_in_seconds: int | None = None

    def to_dict(self) -> dict[str, t.Any]:
        """Return the action for module results."""
        return {
            "action": self.action,
            "ds": self.ds.to_dict(),
            "dnskey": self.dnskey.to_dict() if self.dnskey else None,
            "reason": self.reason,
            "safe": self.safe,
            "blocked_by": self.blocked_by,
            "safe_in_seconds": self.safe_in_seconds,
        }


@dataclass
class Assessment:
    """The outcome of ``assess`` for one domain."""

    domain: str
    phase: str
    summary: str
    actions: list[Action] = field(default_factory=list)
    target: list[DNSKEY] = field(default_factory=list)
    target_source: str | None = None
    retiring: list[DNSKEY] = field(default_factory=list)
    event: dict[str, t.Any] | None = None
    rotation: dict[str, t.Any] | None = None
    parent_ttl: int | None = None

    def to_dict(self) -> dict[str, t.Any]:
        """Return the phase, actions and their grounds for module results."""
        return {
            "domain": self.domain,
            "phase": self.phase,
            "summary": self.summary,
            "actions": [action.to_dict() for action in self.actions],
            "target": {
                "source": self.target_source,
                "ksks": [key.to_dict() for key in self.target],
                "retiring_ksks": [key.to_dict() for key in self.retiring],
            },
            "event": self.event,
            "rotation": self.rotation,
        }


def _absolute(domain: str) -> str:
    return domain if domain.endswith(".") else domain + "."


def _same_key(one: DNSKEY, other: DNSKEY) -> bool:
    return one.algorithm == other.algorithm and one.public_key == other.public_key


def _key_names(keys: t.Iterable[DNSKEY]) -> str:
    return ", ".join(str(key.key_tag) for key in keys) or "none"


def _where(addresses: t.Sequence[ParentAddress]) -> str:
    return ", ".join(f"{item.server} ({item.address})" for item in addresses)


class _Context:
    """The facts ``assess`` derives once and every rule reads."""

    def __init__(
        self,
        domain: str,
        child: ChildView,
        parent: t.Sequence[ParentAddress],
        registrar: t.Sequence[RegistrarRecordView] | None,
    ) -> None:
        self.zone = _absolute(domain)
        self.child = child
        self.parent = list(parent)
        self.registrar = None if registrar is None else list(registrar)
        self.signing = child.signing_ksks
        self.signing_algorithms = {key.algorithm for key in self.signing}
        self.answered = [item for item in self.parent if item.answered]
        self.failed = [item for item in self.parent if not item.answered]

    def ds_of_key_at(self, key: DNSKEY, item: ParentAddress) -> list[DSRecord]:
        return [
            ds
            for ds in item.ds
            if ds.is_secure_digest and ds_matches_key(self.zone, ds, key)
        ]

    def key_everywhere(self, key: DNSKEY) -> bool:
        return bool(self.answered) and all(
            self.ds_of_key_at(key, item) for item in self.answered
        )

    def key_somewhere(self, key: DNSKEY) -> bool:
        return any(self.ds_of_key_at(key, item) for item in self.answered)

    def key_at_registrar(self, key: DNSKEY) -> bool | None:
        if self.registrar is None:
            return None
        for record in self.registrar:
            if record.ds is not None and ds_matches_key(self.zone, record.ds, key):
                return True
            if record.dnskey is not None and _same_key(record.dnskey, key):
                return True
        return False

    def ds_at_registrar(self, ds: DSRecord) -> bool | None:
        if self.registrar is None:
            return None
        for record in self.registrar:
            if record.ds is not None and record.ds == ds:
                return True
            if record.dnskey is not None and ds_matches_key(
                self.zone, ds, record.dnskey
            ):
                return True
        return False

    def everywhere(self) -> list[DSRecord]:
        """DS records every parent server address serves (the intersection)."""
        if not self.answered or self.failed:
            return []
        common = set(self.answered[0].ds)
        for item in self.answered[1:]:
            common &= set(item.ds)
        return sorted(common, key=lambda ds: ds.to_text())

    def union(self) -> list[DSRecord]:
        seen: dict[str, DSRecord] = {}
        for item in self.answered:
            for ds in item.ds:
                seen.setdefault(ds.to_text(), ds)
        return [seen[text] for text in sorted(seen)]

    def ttl(self) -> int | None:
        ttls = [item.ttl for item in self.answered if item.ttl is not None]
        return max(ttls) if ttls else None


def select_target(
    zone: str,
    child: ChildView,
    event: EventHint | None = None,
    first_seen: t.Mapping[str, float] | None = None,
    everywhere: t.Sequence[DSRecord] = (),
) -> tuple[list[DNSKEY], str]:
    """Return the KSKs whose DS the parent should end with, and where that came from.

    Only KSKs that sign the DNSKEY RRset on every child server address qualify.
    """
    signing = child.signing_ksks
    if not signing:
        return [], "no KSK signs the DNSKEY RRset on every child server address"

    selected: list[DNSKEY] = []
    source = ""
    if child.cds:
        selected = [
            key
            for key in signing
            if any(ds_matches_key(zone, ds, key) for ds in child.cds)
        ]
        source = "the CDS RRset"
    elif child.cdnskey:
        selected = [
            key
            for key in signing
            if any(_same_key(key, other) for other in child.cdnskey)
        ]
        source = "the CDNSKEY RRset"
    if not selected:
        selected = list(signing)
        source = (
            f"the signing KSKs ({source} names none of them)"
            if source
            else "the KSKs signing the DNSKEY RRset"
        )
    if len(selected) < 2:
        return selected, source

    newest = _newest_key(zone, selected, event, first_seen or {}, everywhere)
    if newest is not None:
        key, why = newest
        return [key], f"{source}, narrowed to the new KSK by {why}"
    return selected, source


def _newest_key(
    zone: str,
    keys: list[DNSKEY],
    event: EventHint | None,
    first_seen: t.Mapping[str, float],
    everywhere: t.Sequence[DSRecord],
) -> tuple[DNSKEY, str] | None:
    if event is not None and event.name == ROTATION_START:
        named = [key for key in keys if _event_names_key(zone, event, key)]
        if len(named) == 1:
            return named[0], "the rotation_start event"

    # The DS that reached every parent server last belongs to the new KSK.
    seen: list[tuple[float, DNSKEY]] = []
    for key in keys:
        times = [
            first_seen[ds.to_text()]
            for ds in everywhere
            if ds.to_text() in first_seen and ds_matches_key(zone, ds, key)
        ]
        if not times:
            return None
        seen.append((min(times), key))
    seen.sort(key=lambda item: item[0])
    if seen[-1][0] > seen[-2][0]:
        return seen[-1][1], "the state file (its DS reached the parent servers last)"
    return None


def _event_names_key(zone: str, event: EventHint, key: DNSKEY) -> bool:
    if event.ds is not None and ds_matches_key(zone, event.ds, key):
        return True
    return event.dnskey is not None and _same_key(event.dnskey, key)


def judge_event(
    domain: str, event: EventHint | None, child: ChildView, phase: str
) -> dict[str, t.Any] | None:
    """Say whether an event matches the child's keys and agrees with the phase."""
    if event is None:
        return None
    zone = _absolute(domain)
    applies = _absolute(event.domain).lower() == zone.lower()
    matched = [key for key in child.signing_ksks if _event_names_key(zone, event, key)]
    has_record = event.ds is not None or event.dnskey is not None
    expected = EVENT_PHASES.get(event.name)
    agrees = applies and (expected is None or phase in expected)
    if has_record and not matched:
        agrees = False

    if not applies:
        note = f"the event is about {event.domain}, not {domain}: ignored"
    elif has_record and not matched:
        note = (
            "the event's DS matches no KSK that signs the DNSKEY RRset on every "
            "child server address: not used"
        )
    elif expected is not None and phase not in expected:
        note = f"a {event.name} event does not fit what DNS shows (phase {phase})"
    else:
        note = "the event agrees with what DNS shows"
    return {
        "name": event.name,
        "domain": event.domain,
        "ds": event.ds.to_dict() if event.ds else None,
        "applies": applies,
        "matches_child": bool(matched) if has_record else None,
        "key_tag": matched[0].key_tag if matched else None,
        "agrees": agrees,
        "note": note,
    }


def _child_phase(ctx: _Context) -> tuple[str, str] | None:
    child = ctx.child
    if child.error:
        return "unknown", child.error
    if not child.answered:
        failed = ", ".join(
            f"{view.server} ({view.address}): {view.error}" for view in child.failed
        )
        return "unknown", f"child servers did not all answer: {failed}"
    if not child.consistent:
        return "inconsistent", "; ".join(child.disagreements)
    if not child.signed:
        if ctx.union():
            return "broken", (
                f"the child is not signed but parent servers serve DS "
                f"{_key_names_ds(ctx.union())}: validating resolvers fail"
            )
        if ctx.failed:
            return "unknown", _parent_failures(ctx)
        return "unsigned", "the child publishes no DNSKEY and the parent no DS"
    return None


def _key_names_ds(ds_set: t.Iterable[DSRecord]) -> str:
    return ", ".join(sorted({str(ds.key_tag) for ds in ds_set})) or "none"


def _parent_failures(ctx: _Context) -> str:
    failed = ", ".join(
        f"{item.server} ({item.address}): {item.status}"
        + (f" ({item.error})" if item.error else "")
        for item in ctx.failed
    )
    if not ctx.parent:
        return "no parent server address was found"
    return f"parent servers did not all answer: {failed}"


def _broken(ctx: _Context) -> list[ParentAddress]:
    return [
        item
        for item in ctx.answered
        if item.ds and not validating_ds(ctx.zone, item.ds, ctx.signing)
    ]


class _Plan:
    """Phase and actions for a signed, consistent child."""

    def __init__(
        self,
        ctx: _Context,
        target: list[DNSKEY],
        evidence: DomainEvidence | None,
        event: EventHint | None,
    ) -> None:
        self.ctx = ctx
        self.event = event
        self.target = target
        self.evidence = evidence
        self.missing = [key for key in target if not ctx.key_everywhere(key)]
        self.old = self._old_ds()

    def _old_ds(self) -> list[DSRecord]:
        ctx = self.ctx
        candidates = list(ctx.union())
        for record in ctx.registrar or []:
            if record.ds is not None:
                candidates.append(record.ds)
            elif record.dnskey is not None:
                candidates.append(make_ds(ctx.zone, record.dnskey))
        old: dict[str, DSRecord] = {}
        for ds in candidates:
            if not any(ds_matches_key(ctx.zone, ds, key) for key in self.target):
                old.setdefault(ds.to_text(), ds)
        return [old[text] for text in sorted(old)]

    def phase(self) -> tuple[str, str]:
        ctx = self.ctx
        if not self.missing:
            return self._phase_all_present()
        partial = [key for key in self.missing if ctx.key_somewhere(key)]
        at_registrar = [key for key in self.missing if ctx.key_at_registrar(key)]
        names = _key_names(self.missing)
        if partial:
            return "submitted", (
                f"the DS of KSK {names} is on some parent server addresses, not "
                f"yet on {_where(self._lacking(self.missing))}"
            )
        if ctx.registrar is not None and len(at_registrar) == len(self.missing):
            return "submitted", (
                f"the registrar has the DS of KSK {names}; no parent server "
                "serves it yet"
            )
        if not ctx.union():
            return "unsigned", (
                f"the child is signed by KSK {names} but the parent serves no DS: "
                "the delegation is insecure"
            )
        where = "registrar" if ctx.registrar is not None else "parent"
        return "rotation_started", (
            f"KSK {names} signs the DNSKEY RRset on every child server address; "
            f"its DS is not at the {where}"
        )

    def _lacking(self, keys: list[DNSKEY]) -> list[ParentAddress]:
        return [
            item
            for item in self.ctx.answered
            if not all(self.ctx.ds_of_key_at(key, item) for key in keys)
        ]

    def _phase_all_present(self) -> tuple[str, str]:
        ctx = self.ctx
        at_parent = [ds for ds in self.old if self._on_parent(ds)]
        if not self.old:
            leftovers = [
                key
                for key in ctx.signing
                if not any(_same_key(key, other) for other in self.target)
            ]
            retired = [key for key in leftovers if self._retired(key)]
            if retired:
                return "complete", (
                    f"the parent DS set matches KSK {_key_names(self.target)} only; "
                    f"the child still signs with KSK {_key_names(leftovers)}"
                )
            if leftovers:
                return "stable", (
                    f"the parent DS set matches KSK {_key_names(self.target)}; KSK "
                    f"{_key_names(leftovers)} also signs the child but nothing shows "
                    "its DS was ever at the parent (a new KSK the CDS does not name "
                    "yet, or an old one; a state file tells them apart)"
                )
            if len(self.target) > 1:
                return "published", (
                    f"every parent server serves the DS of KSK "
                    f"{_key_names(self.target)}; nothing says which of them retires "
                    "(no CDS naming one, no rotation_start event, no state file)"
                )
            return "stable", (
                f"the parent DS set matches the signing KSK {_key_names(self.target)}"
            )

        if ctx.registrar is not None:
            retiring = at_parent and not any(
                ctx.ds_at_registrar(ds) for ds in at_parent
            )
        else:
            everywhere = set(ctx.everywhere())
            retiring = at_parent and not any(ds in everywhere for ds in at_parent)
        if retiring:
            return "retiring", (
                f"the old DS {_key_names_ds(at_parent)} is leaving the parent "
                "servers"
            )
        return "published", (
            f"every parent server serves the DS of KSK {_key_names(self.target)}; "
            f"the old DS {_key_names_ds(self.old)} can go once it is safe"
        )

    def _retired(self, key: DNSKEY) -> bool:
        """Whether the key's DS is known to have left the parent servers."""
        zone = self.ctx.zone
        event = self.event
        if event is not None and event.name == ROTATION_COMPLETE:
            if _event_names_key(zone, event, key):
                return True
        if self.evidence is None:
            return False
        for text in self.evidence.retired_ds:
            try:
                if ds_matches_key(zone, parse_ds(text), key):
                    return True
            except RecordError:
                continue
        return False

    def _on_parent(self, ds: DSRecord) -> bool:
        return any(ds in item.ds for item in self.ctx.answered)

    def actions(self, phase: str, event: EventHint | None, now: float) -> list[Action]:
        actions = [self._add(key, phase) for key in self._to_add(phase)]
        removals = self._to_remove()
        for ds in removals:
            actions.append(self._remove(ds, removals, event, now))
        return actions

    def _to_add(self, phase: str) -> list[DNSKEY]:
        ctx = self.ctx
        keys = []
        for key in self.missing:
            # A DS on some parent servers is on its way in, except when the
            # chain is broken: then it may be on its way out.
            if ctx.registrar is None and ctx.key_somewhere(key) and phase != "broken":
                continue
            if ctx.key_at_registrar(key):
                continue
            keys.append(key)
        return keys

    def _to_remove(self) -> list[DSRecord]:
        if self.ctx.registrar is None:
            return list(self.old)
        return [ds for ds in self.old if self.ctx.ds_at_registrar(ds)]

    def _add(self, key: DNSKEY, phase: str) -> Action:
        ds = self._ds_for(key)
        return Action(
            action="add",
            ds=ds,
            dnskey=key,
            reason=(
                f"KSK {key.key_tag} signs the DNSKEY RRset on every child server "
                f"address and the child wants its DS at the parent (from "
                f"{'the CDS RRset' if self.ctx.child.cds else 'the child'}); "
                f"phase {phase}"
            ),
            safe=True,
        )

    def _ds_for(self, key: DNSKEY) -> DSRecord:
        zone = self.ctx.zone
        for digest_type in (2, 4):
            for ds in self.ctx.child.cds:
                if ds.digest_type == digest_type and ds_matches_key(zone, ds, key):
                    return ds
        return make_ds(zone, key, 2)

    def _remove(
        self,
        ds: DSRecord,
        removals: list[DSRecord],
        event: EventHint | None,
        now: float,
    ) -> Action:
        reason = (
            f"DS {ds.key_tag} (digest type {ds.digest_type}) matches no KSK the "
            f"child wants at the parent ({_key_names(self.target)})"
        )
        blocked, left = self._removal_blocked(removals, event, now)
        if blocked:
            reason = f"{reason}; not safe yet: {blocked}"
        return Action(
            action="remove",
            ds=ds,
            dnskey=self._key_of(ds),
            reason=reason,
            safe=blocked is None,
            blocked_by=blocked,
            safe_in_seconds=left,
        )

    def _key_of(self, ds: DSRecord) -> DNSKEY | None:
        for key in self.ctx.child.dnskeys:
            if ds_matches_key(self.ctx.zone, ds, key):
                return key
        return None

    def _removal_blocked(
        self, removals: list[DSRecord], event: EventHint | None, now: float
    ) -> tuple[str | None, int | None]:
        """Say what keeps ``removals`` from being safe, and when only time does,
        in how many seconds they will be (``(None, None)`` when safe now)."""
        ctx = self.ctx
        if ctx.failed:
            return _parent_failures(ctx), None
        removed = set(removals)
        kept_everywhere: set[DSRecord] | None = None
        for item in ctx.answered:
            remaining = [ds for ds in item.ds if ds not in removed]
            valid = validating_ds(ctx.zone, remaining, ctx.signing)
            if not valid:
                return (
                    f"add before remove: after the removal {item.server} "
                    f"({item.address}) would serve no DS that validates the child"
                ), None
            if not algorithms_stay_signed(remaining, ctx.signing_algorithms):
                return (
                    f"after the removal {item.server} ({item.address}) would serve a "
                    "DS of an algorithm that does not sign the child"
                ), None
            kept_everywhere = (
                set(valid) if kept_everywhere is None else kept_everywhere & set(valid)
            )
        if not kept_everywhere:
            return (
                "no DS that validates the child is served by every parent server "
                "address"
            ), None
        return self._ttl_blocked(sorted(kept_everywhere, key=str), event, now)

    def _ttl_blocked(
        self, kept: list[DSRecord], event: EventHint | None, now: float
    ) -> tuple[str | None, int | None]:
        ctx = self.ctx
        if (
            event is not None
            and event.name == ROTATION_COMPLETE
            and _absolute(event.domain).lower() == ctx.zone.lower()
            and _names_a_signing_ksk(ctx, event)
        ):
            return None, None
        ttl = ctx.ttl() or 0
        seen = self.evidence.ds_first_seen if self.evidence is not None else {}
        times = [seen[ds.to_text()] for ds in kept if ds.to_text() in seen]
        if not times:
            return (
                "no evidence that the new DS has been served by every parent server "
                "for its TTL: pass the dnssec.rotation_complete event or use a state "
                "file and run again"
            ), None
        left = int(min(times) + ttl - now + 0.999)
        if left > 0:
            return f"waiting for the DS TTL ({left} s left)", left
        return None, None


def _names_a_signing_ksk(ctx: _Context, event: EventHint) -> bool:
    # A rotation_complete whose DS matches no KSK signing the child belongs to
    # another rotation, or is forged: it is no evidence (safety rules 1 and 9).
    if event.ds is None and event.dnskey is None:
        return True
    return any(_event_names_key(ctx.zone, event, key) for key in ctx.signing)


def _rotation_timing(
    phase: str, evidence: DomainEvidence | None, now: float
) -> dict[str, t.Any] | None:
    if phase not in IN_PROGRESS:
        return None
    started = evidence.rotation_started_at if evidence is not None else None
    published = evidence.published_at if evidence is not None else None
    if phase in ("rotation_started", "submitted"):
        window_start, window = started, "add"
    elif phase in ("published", "retiring"):
        window_start, window = published, "remove"
    else:
        window_start, window = None, None
    deadline = window_start + DNSIMPLE_WINDOW if window_start is not None else None
    return {
        "started_at": _iso(started),
        "elapsed_seconds": int(now - started) if started is not None else None,
        "window": window,
        "window_deadline": _iso(deadline),
        "window_left_seconds": (
            max(0, int(deadline - now)) if deadline is not None else None
        ),
    }


def _iso(when: float | None) -> str | None:
    if when is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))


def assess(
    domain: str,
    child: ChildView,
    parent: t.Sequence[ParentAddress],
    *,
    registrar: t.Sequence[RegistrarRecordView] | None = None,
    event: EventHint | None = None,
    evidence: DomainEvidence | None = None,
    now: float | None = None,
) -> Assessment:
    """Derive the phase and the next actions of one domain from gathered views.

    ``registrar`` is None when the registrar's view was not asked for.  The
    evidence, when given, is updated with what the parent servers serve now
    (only when every parent server address answered) and with the phase.
    """
    now = time.time() if now is None else now
    ctx = _Context(domain, child, parent, registrar)
    usable_event = event
    if event is not None and _absolute(event.domain).lower() != ctx.zone.lower():
        usable_event = None

    if evidence is not None and ctx.parent and not ctx.failed:
        evidence.observe_parent([ds.to_text() for ds in ctx.everywhere()], now)

    result = Assessment(domain=domain, phase="unknown", summary="")
    result.parent_ttl = ctx.ttl()
    early = _child_phase(ctx)
    if early is None and not ctx.parent:
        early = ("unknown", _parent_failures(ctx))
    if early is None:
        broken = _broken(ctx)
        if broken:
            early = (
                "broken",
                (
                    f"{_where(broken)} serve no DS that matches a KSK signing the "
                    "child's DNSKEY RRset: validating resolvers fail there"
                ),
            )
        elif ctx.failed:
            early = ("unknown", _parent_failures(ctx))

    target, source = select_target(
        ctx.zone,
        child,
        usable_event,
        evidence.ds_first_seen if evidence is not None else None,
        ctx.everywhere(),
    )
    result.target, result.target_source = target, source
    result.retiring = [
        key for key in child.signing_ksks if not any(_same_key(key, k) for k in target)
    ]

    if early is not None and early[0] != "broken":
        result.phase, result.summary = early
    elif not target:
        result.phase = early[0] if early else "unsigned"
        result.summary = (early[1] + "; " if early else "") + source
    else:
        plan = _Plan(ctx, target, evidence, usable_event)
        if early is not None:
            result.phase, result.summary = early
        else:
            result.phase, result.summary = plan.phase()
        result.actions = plan.actions(result.phase, usable_event, now)

    if evidence is not None and result.phase not in ("unknown", "inconsistent"):
        evidence.note_phase(result.phase, now)
    result.event = judge_event(domain, event, child, result.phase)
    result.rotation = _rotation_timing(result.phase, evidence, now)
    if child.delete_requested:
        result.summary += "; the child publishes the CDS delete signal (ignored)"
    return result


# Gathering: the module dnssec_rotation_info.

MAX_DOMAIN_WORKERS = 16

ROTATION_INFO_ARGUMENT_SPEC: dict[str, dict[str, t.Any]] = {
    "domain": {"type": "str"},
    "domains": {"type": "list", "elements": "str"},
    "event": {"type": "raw"},
    "state_file": {"type": "path"},
    "registrar": {"type": "str", "choices": list(REGISTRAR_CHOICES)},
}


def _parent_addresses(view: ParentView) -> list[ParentAddress]:
    return [
        ParentAddress(
            server=result.server,
            address=result.address,
            answered=result.ok,
            ds=tuple(view.ds_set(result)),
            status=result.status,
            ttl=result.ttl,
            error=result.error,
        )
        for result in view.results
    ]


@dataclass
class _Domain:
    """Everything gathered about one domain during a run."""

    domain: str
    child: ChildView
    parent: list[ParentAddress]
    parent_report: dict[str, t.Any]
    event: EventHint | None = None
    dnsimple: dict[str, t.Any] | None = None
    registrar: dict[str, t.Any] | None = None
    records: list[RegistrarRecordView] | None = None


def _gather_dns(client: DnsClient, domain: str) -> _Domain:
    child = gather_child(client, domain)
    report: dict[str, t.Any] = {"zone": None, "servers": [], "error": None}
    parent: list[ParentAddress] = []
    try:
        view = check_parent(client, domain)
    except DnsError as exc:
        report["error"] = f"cannot find the parent servers of {domain}: {exc}"
    else:
        parent = _parent_addresses(view)
        report.update(
            zone=view.parent_zone,
            servers=view.to_dict(),
            served_everywhere=[ds.to_text() for ds in view.served_everywhere()],
            served_anywhere=[ds.to_text() for ds in view.served_anywhere()],
        )
    return _Domain(domain, child, parent, report)


def _dnsimple_view(client: t.Any, domain: str) -> dict[str, t.Any]:
    try:
        status = client.domain_status(domain)
    except DnsimpleNotFoundError:
        return {"found": False, "error": None}
    except DnsimpleError as exc:
        return {"found": None, "error": str(exc)}
    status.update(found=True, error=None)
    return status


def _registrar_view(
    adapter: t.Any, item: _Domain
) -> tuple[dict[str, t.Any], list[RegistrarRecordView] | None]:
    report: dict[str, t.Any] = {"name": adapter.name, "records": None, "error": None}
    if not adapter.has_api:
        report["error"] = "this registrar has no API to read; DNS alone was used"
        return report, None
    try:
        records = adapter.list_records(item.domain.rstrip("."))
    except RegistrarError as exc:
        report["error"] = str(exc)
        return report, None
    report["records"] = [record.to_dict() for record in records]
    return report, [RegistrarRecordView(ds=r.ds, dnskey=r.dnskey) for r in records]


def _event_hint(payload: t.Any) -> EventHint:
    event = parse_event(payload)
    return EventHint(
        name=event.name, domain=event.zone or "", ds=event.ds, dnskey=event.dnskey
    )


def _domain_names(params: t.Mapping[str, t.Any], event: EventHint | None) -> list[str]:
    names = list(params.get("domains") or [])
    if params.get("domain"):
        names.insert(0, params["domain"])
    if not names and event is not None and event.domain:
        names = [event.domain]
    unique: dict[str, str] = {}
    for name in names:
        unique.setdefault(_absolute(name.strip().lower()), name)
    return list(unique)


def _report(item: _Domain, result: Assessment) -> dict[str, t.Any]:
    entry = result.to_dict()
    entry.update(
        domain=item.domain.rstrip("."),
        child=item.child.to_dict(),
        parent=item.parent_report,
        dnsimple=item.dnsimple,
        registrar=item.registrar,
    )
    return entry


def run_rotation_info(
    params: t.Mapping[str, t.Any], check_mode: bool = False
) -> tuple[bool, dict[str, t.Any]]:
    """Carry out the module dnssec_rotation_info; return (failed, result).

    Per-domain trouble (a server that does not answer, an API error) is
    reported in that domain's entry; only bad input or an unusable state file
    fails the run.
    """
    result: dict[str, t.Any] = {"changed": False, "domains": [], "warnings": []}
    try:
        event = _event_hint(params["event"]) if params.get("event") else None
    except WebhookError as exc:
        result["msg"] = f"event is not a DNSimple webhook payload: {exc}"
        return True, result
    names = _domain_names(params, event)
    if not names:
        result["msg"] = "give domain, domains, or an event that names a zone"
        return True, result
    if event is not None and _absolute(event.domain.lower()) not in names:
        result["warnings"].append(
            f"the {event.name} event is about {event.domain or 'no zone'}, which is "
            "not among the domains examined: it was ignored"
        )

    store = EvidenceStore(params.get("state_file"))
    try:
        store.load()
    except EvidenceError as exc:
        result["msg"] = str(exc)
        return True, result

    client = dns_client_from_params(params)
    workers = max(1, min(MAX_DOMAIN_WORKERS, len(names)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        items = list(pool.map(lambda name: _gather_dns(client, name), names))
    for item in items:
        if event is not None and _absolute(event.domain.lower()) == item.domain:
            item.event = event

    # API calls run one after another: they share one HTTP session per provider.
    assessments = [_assess_item(item, store, None) for item in items]
    _add_dnsimple(params, items)
    _add_registrar(params, items, assessments)
    assessments = [_assess_item(item, store, item.records) for item in items]

    try:
        if not check_mode:
            store.save()
    except EvidenceError as exc:
        result["warnings"].append(str(exc))
    result["domains"] = [
        _report(item, assessment) for item, assessment in zip(items, assessments)
    ]
    return False, result


def _assess_item(
    item: _Domain,
    store: EvidenceStore,
    records: list[RegistrarRecordView] | None,
) -> Assessment:
    return assess(
        item.domain,
        item.child,
        item.parent,
        registrar=records,
        event=item.event,
        # Without a state file nothing outlives the run: no evidence at all.
        evidence=store.domain(item.domain) if store.path else None,
    )


def _add_dnsimple(params: t.Mapping[str, t.Any], items: list[_Domain]) -> None:
    if not params.get("dnsimple_token"):
        return
    try:
        client = dnsimple_client_from_params(params)
        # One list call for every domain of the run.
        client.list_domains()
    except DnsimpleError as exc:
        for item in items:
            item.dnsimple = {"found": None, "error": str(exc)}
        return
    for item in items:
        item.dnsimple = _dnsimple_view(client, item.domain)


def _add_registrar(
    params: t.Mapping[str, t.Any], items: list[_Domain], found: list[Assessment]
) -> None:
    name = params.get("registrar")
    if not name:
        return
    adapter = None
    error = None
    for item, assessment in zip(items, found):
        # Steady state costs no registrar call; nor does a state DNS cannot read.
        if assessment.phase in ("stable", "unknown", "inconsistent"):
            continue
        if not item.child.signed:
            continue
        if adapter is None and error is None:
            try:
                adapter = make_registrar(name, params)
            except RegistrarError as exc:
                error = str(exc)
        if adapter is None:
            item.registrar = {"name": name, "records": None, "error": error}
            continue
        item.registrar, item.records = _registrar_view(adapter, item)
