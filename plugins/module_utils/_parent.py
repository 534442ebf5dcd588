# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""The parent's view of a delegation: which DS each parent server address serves.

Private to the dnsops.dnssec collection: not a public API.

API (used by the module parent_ds_check and the rotation state machine):

- ``check_parent(client, domain, parent_servers=None) -> ParentView``: asks every
  address of every parent server for the DS set of ``domain`` at once.
  ``parent_servers`` (host names or addresses) replaces discovery.
- ``present(view, records)``: every address answered authoritatively and serves
  every record (intersection).  ``absent(view, records)``: every address answered
  and none serves any of them (union empty).  ``exact(view, records)``: every
  address serves exactly these records.  Each returns a ``Judgement`` whose
  ``outcome`` is ``holds``, ``fails`` or ``unknown``; ``unknown`` whenever an
  address did not answer usably (timeout, SERVFAIL, REFUSED, lame), so that a
  failure is never read as present or gone (safety rule 3).
- ``judge(view, records, state)``: the same, by state name.
- ``wait_for(client, domain, records, state, timeout, progress=None, ...)``: checks
  until the state holds or ``timeout`` seconds have passed, pausing 1, 2, 4 ...
  seconds (at most 30) between checks; returns a ``WaitResult``.  A wait that
  ends without the state holding is for the caller to fail (safety rule 7).
- ``check_chain(client, view) -> ChainReport``: whether the DS set of every parent
  server address validates the DNSKEY RRset served by every child server address.
- ``run_check(params) -> (failed, result)``: the module parent_ds_check.
"""

from __future__ import annotations

import time
import typing as t
from dataclasses import dataclass, field

from ansible_collections.dnsops.dnssec.plugins.module_utils._dns import (
    DnsClient,
    DnsError,
    QueryResult,
    ServerAddress,
    client_from_params,
    to_name,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    DNSKEY,
    DSRecord,
    RecordError,
    parse_ds,
    describe_ds,
    dnskey_from_rdata,
    ds_from_rdata,
    ds_matches_key,
    signing_keys,
    validating_ds,
)

SOA = 6
STATES = ("present", "absent", "exact")
HOLDS = "holds"
FAILS = "fails"
UNKNOWN = "unknown"

FIRST_PAUSE = 1.0
MAX_PAUSE = 30.0


@dataclass
class ParentView:
    """The DS set served by every parent server address, as of one check."""

    domain: str
    parent_zone: str
    results: list[QueryResult]
    checked_at: float = field(default_factory=time.time)

    def ds_set(self, result: QueryResult) -> list[DSRecord]:
        """Return the DS records one address served (none unless it answered)."""
        if result.status != "answer" or result.rrset is None:
            return []
        return sorted(
            (ds_from_rdata(rdata) for rdata in result.rrset), key=DSRecord.to_text
        )

    @property
    def failed(self) -> list[QueryResult]:
        """The addresses that gave no authoritative, usable answer."""
        return [result for result in self.results if not result.ok]

    @property
    def answered(self) -> list[QueryResult]:
        """The addresses that answered authoritatively."""
        return [result for result in self.results if result.ok]

    def served_anywhere(self) -> list[DSRecord]:
        """Return every DS served by at least one address (union), sorted."""
        union = {ds for result in self.results for ds in self.ds_set(result)}
        return sorted(union, key=DSRecord.to_text)

    def served_everywhere(self) -> list[DSRecord]:
        """Return the DS served by every address (intersection); [] on failures."""
        if not self.results or self.failed:
            return []
        sets = [set(self.ds_set(result)) for result in self.results]
        return sorted(set.intersection(*sets), key=DSRecord.to_text)

    def to_dict(self) -> list[dict[str, t.Any]]:
        """Return one entry per parent server address, for module results."""
        entries = []
        for result in self.results:
            entry = result.to_dict()
            entry["records"] = [ds.to_text() for ds in self.ds_set(result)]
            entries.append(entry)
        return entries


@dataclass
class RecordReport:
    """Where one expected DS is served, where not, and where nobody knows."""

    record: DSRecord
    served_by: list[str] = field(default_factory=list)
    missing_from: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, t.Any]:
        """Return the report as plain data: the record's fields and the addresses."""
        data = self.record.to_dict()
        data.update(
            served_by=list(self.served_by),
            missing_from=list(self.missing_from),
            unknown=list(self.unknown),
        )
        return data


@dataclass
class Judgement:
    """Whether a state holds on every parent server address, and why not."""

    state: str
    outcome: str
    records: list[RecordReport]
    disagreeing: list[str]
    reasons: list[str]

    @property
    def holds(self) -> bool:
        """Whether the state holds on every address."""
        return self.outcome == HOLDS

    def message(self, view: ParentView) -> str:
        """Return one message naming the addresses that disagree and what they said."""
        total = len(view.results)
        if self.holds:
            return (
                f"the DS state {self.state} holds for {view.domain} on all {total} "
                f"parent server addresses of {view.parent_zone}"
            )
        verdict = "is unknown" if self.outcome == UNKNOWN else "does not hold"
        return (
            f"the DS state {self.state} {verdict} for {view.domain}: "
            f"{len(self.disagreeing)} of {total} parent server addresses of "
            f"{view.parent_zone} disagree: " + "; ".join(self.reasons)
        )


def _label(result: QueryResult) -> str:
    return result.address


def _texts(records: t.Iterable[DSRecord]) -> str:
    texts = [ds.to_text() for ds in records]
    return ", ".join(texts) if texts else "no DS"


def _reports(view: ParentView, records: list[DSRecord]) -> list[RecordReport]:
    reports = [RecordReport(record) for record in records]
    for result in view.results:
        served = set(view.ds_set(result))
        for report in reports:
            if not result.ok:
                report.unknown.append(_label(result))
            elif report.record in served:
                report.served_by.append(_label(result))
            else:
                report.missing_from.append(_label(result))
    return reports


def _judge(
    view: ParentView,
    records: t.Iterable[DSRecord],
    state: str,
    contradicts: t.Callable[[set[DSRecord], set[DSRecord]], str | None],
) -> Judgement:
    expected = sorted(set(records), key=DSRecord.to_text)
    reports = _reports(view, expected)
    disagreeing: list[str] = []
    reasons: list[str] = []
    outcome = HOLDS
    for result in view.results:
        if not result.ok:
            disagreeing.append(_label(result))
            reasons.append(result.describe())
            outcome = UNKNOWN
            continue
        reason = contradicts(set(view.ds_set(result)), set(expected))
        if reason:
            disagreeing.append(_label(result))
            reasons.append(f"{result.target}: {reason}")
            if outcome == HOLDS:
                outcome = FAILS
    if not view.results:
        outcome = UNKNOWN
        reasons.append("no parent server address to ask")
    return Judgement(state, outcome, reports, disagreeing, reasons)


def _lacks(served: set[DSRecord], expected: set[DSRecord]) -> str | None:
    missing = sorted(expected - served, key=DSRecord.to_text)
    if not missing:
        return None
    return f"lacks {_texts(missing)}; serves {_texts(sorted(served, key=str))}"


def _still_serves(served: set[DSRecord], expected: set[DSRecord]) -> str | None:
    still = sorted(expected & served, key=DSRecord.to_text)
    return f"still serves {_texts(still)}" if still else None


def _differs(served: set[DSRecord], expected: set[DSRecord]) -> str | None:
    if served == expected:
        return None
    return (
        f"serves {_texts(sorted(served, key=str))}; expected "
        f"{_texts(sorted(expected, key=str))}"
    )


def present(view: ParentView, records: t.Iterable[DSRecord]) -> Judgement:
    """Whether every address answered authoritatively with every record."""
    return _judge(view, records, "present", _lacks)


def absent(view: ParentView, records: t.Iterable[DSRecord]) -> Judgement:
    """Whether every address answered and none serves any of the records."""
    return _judge(view, records, "absent", _still_serves)


def exact(view: ParentView, records: t.Iterable[DSRecord]) -> Judgement:
    """Whether every address serves exactly the records, nothing more or less."""
    return _judge(view, records, "exact", _differs)


_JUDGES = {"present": present, "absent": absent, "exact": exact}


def judge(view: ParentView, records: t.Iterable[DSRecord], state: str) -> Judgement:
    """Judge ``state`` (present, absent or exact) on a view."""
    if state not in _JUDGES:
        raise ValueError(f"state must be one of {', '.join(STATES)}, got {state!r}")
    return _JUDGES[state](view, records)


def _parent_zone_from_answers(domain: t.Any, results: list[QueryResult]) -> str:
    # With parent servers given, the zone they answer from names the parent.
    for result in results:
        response = result.response
        if not result.ok or response is None:
            continue
        for rrset in response.authority:
            if rrset.rdtype == SOA:
                return rrset.name.to_text()
        if result.rrsigs is not None and len(result.rrsigs):
            return result.rrsigs[0].signer.to_text()
    return domain.parent().to_text()


def check_parent(
    client: DnsClient,
    domain: t.Any,
    parent_servers: t.Sequence[str] | None = None,
) -> ParentView:
    """Ask every parent server address for the DS set of ``domain``, at once.

    Raises DnsError (ResolutionError) when the parent or its servers cannot be
    found; a server that fails to answer is reported in the view, not raised.
    """
    name = to_name(domain)
    if parent_servers:
        targets: list[ServerAddress] = client.server_addresses(parent_servers)
        results = client.query_all(targets, name, "DS")
        parent_zone = _parent_zone_from_answers(name, results)
    else:
        parent_zone, targets = client.find_parent(name)
        results = client.query_all(targets, name, "DS")
    return ParentView(name.to_text(), parent_zone, results)


@dataclass
class WaitResult:
    """The last check of a wait, how many checks were made, and how long it took."""

    view: ParentView
    judgement: Judgement
    checks: int
    elapsed: float


def pauses(first: float = FIRST_PAUSE, cap: float = MAX_PAUSE) -> t.Iterator[float]:
    """Yield the growing pauses between checks: 1, 2, 4 ... capped at ``cap``."""
    pause = first
    while True:
        yield min(pause, cap)
        pause = min(pause * 2, cap)


def wait_for(
    client: DnsClient,
    domain: t.Any,
    records: t.Iterable[DSRecord],
    state: str,
    timeout: float,
    progress: t.Callable[[ParentView, Judgement, int], None] | None = None,
    parent_servers: t.Sequence[str] | None = None,
    sleep: t.Callable[[float], None] = time.sleep,
    clock: t.Callable[[], float] = time.monotonic,
) -> WaitResult:
    """Check until ``state`` holds or ``timeout`` seconds have passed.

    ``timeout`` 0 checks once.  ``progress(view, judgement, checks)`` is called
    after every check that does not hold, before the pause.  Never waits past
    the deadline; the result's judgement says whether the state held.
    """
    records = list(records)
    start = clock()
    deadline = start + max(0.0, timeout)
    checks = 0
    for pause in pauses():
        view = check_parent(client, domain, parent_servers)
        verdict = judge(view, records, state)
        checks += 1
        remaining = deadline - clock()
        if verdict.holds or remaining <= 0:
            return WaitResult(view, verdict, checks, clock() - start)
        if progress is not None:
            progress(view, verdict, checks)
        sleep(min(pause, remaining))
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass
class ChainReport:
    """Whether the DS set on every parent server address validates the child.

    ``outcome`` is ``holds`` (every address that serves a DS set serves one that
    validates), ``fails`` (some address serves a DS set that does not: validating
    resolvers answer SERVFAIL for the domain) or ``unknown`` (a child server did
    not answer, or the child servers disagree on the keys that sign).
    """

    outcome: str
    child_results: list[QueryResult]
    signing_keys: list[DNSKEY]
    published_keys: list[DNSKEY]
    validating: dict[str, list[DSRecord]]
    reasons: list[str]

    @property
    def holds(self) -> bool:
        """Whether every parent server address validates the child."""
        return self.outcome == HOLDS

    def matches_child_key(self, zone: t.Any, ds: DSRecord) -> bool:
        """Whether a DS matches a DNSKEY the child publishes (any digest type)."""
        return any(ds_matches_key(zone, ds, key) for key in self.published_keys)

    def validates(self, zone: t.Any, ds: DSRecord) -> bool:
        """Whether validators can build the chain on this DS (SHA-256/384)."""
        return bool(validating_ds(zone, [ds], self.signing_keys))

    def to_dict(self) -> dict[str, t.Any]:
        """Return the report as plain data for module results."""
        return {
            "outcome": self.outcome,
            "child_servers": [result.to_dict() for result in self.child_results],
            "signing_keys": [key.to_dict() for key in self.signing_keys],
            "validating": {
                address: [ds.to_text() for ds in records]
                for address, records in self.validating.items()
            },
            "reasons": list(self.reasons),
        }


def _common_signers(
    zone: t.Any, results: list[QueryResult], now: float | None
) -> tuple[list[DNSKEY], list[DNSKEY]]:
    signing: set[DNSKEY] | None = None
    published: set[DNSKEY] = set()
    for result in results:
        keys = [dnskey_from_rdata(rdata) for rdata in result.rrset or ()]
        published.update(keys)
        signed = set()
        if result.rrset is not None and result.rrsigs is not None:
            signed = set(signing_keys(zone, result.rrset, result.rrsigs, now))
        signing = signed if signing is None else signing & signed
    return sorted(signing or (), key=str), sorted(published, key=str)


def _why_not(zone: t.Any, ds_set: list[DSRecord], chain: ChainReport) -> str:
    weak = [
        ds
        for ds in ds_set
        if not ds.is_secure_digest
        and any(ds_matches_key(zone, ds, key) for key in chain.signing_keys)
    ]
    if weak:
        return (
            f"only {', '.join(describe_ds(ds) for ds in weak)} matches a signing "
            "KSK, and validators ignore SHA-1 digests (RFC 4509, RFC 8624)"
        )
    return "no DS matches a KSK that signs the child's DNSKEY RRset"


def check_chain(
    client: DnsClient, view: ParentView, now: float | None = None
) -> ChainReport:
    """Judge whether the DS set of every parent address validates the child.

    Asks every child server address for the DNSKEY RRset and its RRSIGs; the
    KSKs that count are those whose signature validates on every child address.
    An address serving no DS at all is an insecure delegation, not a failure.
    """
    zone = to_name(view.domain)
    child_results = client.query_all(client.child_servers(zone), zone, "DNSKEY")
    failed = [result for result in child_results if result.status != "answer"]
    signers, published = _common_signers(zone, child_results, now)
    chain = ChainReport(HOLDS, child_results, signers, published, {}, [])
    if failed:
        chain.outcome = UNKNOWN
        chain.reasons.extend(f"child server {result.describe()}" for result in failed)
        return chain

    for result in view.answered:
        ds_set = view.ds_set(result)
        chain.validating[result.address] = validating_ds(zone, ds_set, signers)
        if ds_set and not chain.validating[result.address]:
            chain.outcome = FAILS
            chain.reasons.append(
                f"parent server {result.target}: DS set {_texts(ds_set)} does not "
                f"validate {view.domain}: {_why_not(zone, ds_set, chain)}"
            )
    return chain


def _read_records(values: t.Sequence[t.Any]) -> list[DSRecord]:
    records = []
    for index, value in enumerate(values, start=1):
        try:
            records.append(parse_ds(value))
        except RecordError as exc:
            raise RecordError(f"records item {index}: {exc}") from None
    return records


def _add_chain(result: dict[str, t.Any], view: ParentView, chain: ChainReport) -> None:
    zone = to_name(view.domain)
    for entry in result["records"]:
        ds = parse_ds(entry)
        entry["matches_child_key"] = chain.matches_child_key(zone, ds)
        entry["validates"] = chain.validates(zone, ds)
    for entry in result["servers"]:
        if entry["address"] in chain.validating:
            entry["validating"] = [
                ds.to_text() for ds in chain.validating[entry["address"]]
            ]
    result["chain"] = chain.to_dict()


def run_check(params: t.Mapping[str, t.Any]) -> tuple[bool, dict[str, t.Any]]:
    """Carry out the parent_ds_check module; return (failed, result).

    The result holds the report even when the check failed, and ``msg`` says
    which parent server addresses disagree and what they answered.
    """
    state = params["state"]
    result: dict[str, t.Any] = {"changed": False, "state": state, "holds": False}
    timeout = params.get("wait_timeout") or 0.0
    try:
        records = _read_records(params.get("records") or [])
        if state != "exact" and not records:
            raise RecordError(f"records needs at least one DS record for state {state}")
        if timeout < 0:
            raise RecordError(f"wait_timeout must be 0 or more, got {timeout:g}")
        client = client_from_params(params)
        waited = wait_for(
            client,
            params["domain"],
            records,
            state,
            timeout,
            parent_servers=params.get("parent_servers"),
        )
    except (RecordError, DnsError) as exc:
        result["msg"] = str(exc)
        return True, result

    view, verdict = waited.view, waited.judgement
    result.update(
        parent_zone=view.parent_zone,
        outcome=verdict.outcome,
        checks=waited.checks,
        elapsed=round(waited.elapsed, 3),
        disagreeing=list(verdict.disagreeing),
        servers=view.to_dict(),
        records=[report.to_dict() for report in verdict.records],
    )
    messages = [verdict.message(view)]
    if not verdict.holds and timeout > 0:
        messages[0] = (
            f"timeout after {waited.elapsed:.0f} s ({waited.checks} checks): "
            + messages[0]
        )
    holds = verdict.holds

    if params.get("validate"):
        try:
            chain = check_chain(client, view)
        except DnsError as exc:
            messages.append(f"cannot check the chain of trust: {exc}")
            holds = False
        else:
            _add_chain(result, view, chain)
            if not chain.holds:
                holds = False
                state_of_chain = "is unknown" if chain.outcome == UNKNOWN else "fails"
                messages.append(
                    f"the chain of trust {state_of_chain}: " + "; ".join(chain.reasons)
                )

    result["holds"] = holds
    result["msg"] = "; ".join(messages) if not holds else messages[0]
    return not holds, result
