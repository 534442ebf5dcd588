# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""What the collection has seen at the parent servers, kept between runs.

Private to the dnsops.dnssec collection: not a public API.

safety rule 1 lets a DS go only once the DS that stays has been served by every
parent server for at least its TTL.  A run never waits that long; instead it
records, per domain, when it first saw each DS on every parent server address,
and a later run compares that time with the DS TTL.  A DS that drops off any
parent server address loses its record, so the clock restarts when it is back.
The record also keeps when a rotation was first seen, to report DNSimple's
7-day windows.

The file is JSON, written atomically with mode 0600 under an exclusive lock
(``fcntl``), and merged per domain so concurrent runs on different domains do
not overwrite each other.
"""

from __future__ import annotations

import json
import os
import tempfile
import typing as t
from dataclasses import dataclass, field

try:
    import fcntl

    HAS_FCNTL = True
except ImportError:  # pragma: no cover - not on POSIX
    HAS_FCNTL = False


FORMAT_VERSION = 1

ROTATION_PHASES = ("rotation_started", "submitted", "published", "retiring", "complete")
PUBLISHED_PHASES = ("published", "retiring", "complete")

# How many DS records that left the parent servers are remembered per domain.
MAX_RETIRED = 16


class EvidenceError(Exception):
    """The state file cannot be read or written; the message names the file."""


@dataclass
class DomainEvidence:
    """The record of one domain.

    ``ds_first_seen`` maps a DS in presentation format to the time (epoch
    seconds) it was first seen on every parent server address, continuously
    since; ``retired_ds`` maps a DS that was seen so and then left to the time
    it was first missed.
    """

    ds_first_seen: dict[str, float] = field(default_factory=dict)
    retired_ds: dict[str, float] = field(default_factory=dict)
    rotation_started_at: float | None = None
    published_at: float | None = None
    changed: bool = False

    def observe_parent(self, everywhere: t.Iterable[str], now: float) -> None:
        """Record the DS set served by every parent server address right now.

        Call only when every parent server address answered: an address that did
        not answer says nothing about presence (safety rule 3).
        """
        current = set(everywhere)
        kept = {
            text: when for text, when in self.ds_first_seen.items() if text in current
        }
        for text in current:
            kept.setdefault(text, now)
        if kept != self.ds_first_seen:
            for text in set(self.ds_first_seen) - current:
                self.retired_ds[text] = now
            for text in current:
                self.retired_ds.pop(text, None)
            newest = sorted(self.retired_ds.items(), key=lambda item: -item[1])
            self.retired_ds = dict(newest[:MAX_RETIRED])
            self.ds_first_seen = kept
            self.changed = True

    def note_phase(self, phase: str, now: float) -> None:
        """Record when a rotation, and its published step, were first seen."""
        before = (self.rotation_started_at, self.published_at)
        if phase in ROTATION_PHASES:
            if self.rotation_started_at is None:
                self.rotation_started_at = now
            if phase in PUBLISHED_PHASES and self.published_at is None:
                self.published_at = now
        else:
            self.rotation_started_at = None
            self.published_at = None
        if (self.rotation_started_at, self.published_at) != before:
            self.changed = True

    def to_dict(self) -> dict[str, t.Any]:
        """Return the record as stored in the file."""
        return {
            "ds_first_seen": dict(sorted(self.ds_first_seen.items())),
            "retired_ds": dict(sorted(self.retired_ds.items())),
            "rotation_started_at": self.rotation_started_at,
            "published_at": self.published_at,
        }

    @classmethod
    def from_dict(cls, data: t.Any) -> DomainEvidence:
        """Read a record; anything malformed is dropped rather than trusted."""
        if not isinstance(data, dict):
            return cls()
        return cls(
            ds_first_seen=_times(data.get("ds_first_seen")),
            retired_ds=_times(data.get("retired_ds")),
            rotation_started_at=_number(data.get("rotation_started_at")),
            published_at=_number(data.get("published_at")),
        )


def _times(value: t.Any) -> dict[str, float]:
    if not isinstance(value, dict):
        return {}
    return {
        str(text): float(when)
        for text, when in value.items()
        if isinstance(when, (int, float)) and not isinstance(when, bool)
    }


def _number(value: t.Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def _key(domain: str) -> str:
    domain = domain.lower()
    return domain if domain.endswith(".") else domain + "."


class EvidenceStore:
    """The state file, or an in-memory store when ``path`` is None."""

    def __init__(self, path: str | None) -> None:
        self.path = os.path.expanduser(path) if path else None
        self._domains: dict[str, DomainEvidence] = {}

    def load(self) -> None:
        """Read the file; a file that does not exist yet is an empty store."""
        if self.path is None:
            return
        data = self._read()
        self._domains = {
            name: DomainEvidence.from_dict(record)
            for name, record in data.get("domains", {}).items()
        }

    def domain(self, domain: str) -> DomainEvidence:
        """Return the record of a domain, creating an empty one."""
        return self._domains.setdefault(_key(domain), DomainEvidence())

    def save(self) -> bool:
        """Write the records that changed; return whether the file changed.

        The file is re-read under the lock and only the changed domains are
        replaced, so a concurrent run on other domains keeps its records.
        """
        changed = {
            name: record for name, record in self._domains.items() if record.changed
        }
        if self.path is None or not changed:
            return False
        directory = os.path.dirname(os.path.abspath(self.path))
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
            with open(self.path + ".lock", "a", encoding="utf-8") as lock:
                if HAS_FCNTL:
                    fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
                data = self._read()
                domains = data.setdefault("domains", {})
                for name, record in changed.items():
                    domains[name] = record.to_dict()
                data["version"] = FORMAT_VERSION
                self._write(directory, data)
        except OSError as exc:
            raise EvidenceError(
                f"cannot write the state file {self.path}: {exc.strerror or exc}"
            ) from None
        for record in changed.values():
            record.changed = False
        return True

    def _read(self) -> dict[str, t.Any]:
        try:
            with open(self.path, encoding="utf-8") as handle:  # type: ignore[arg-type]
                data = json.load(handle)
        except FileNotFoundError:
            return {"version": FORMAT_VERSION, "domains": {}}
        except OSError as exc:
            raise EvidenceError(
                f"cannot read the state file {self.path}: {exc.strerror or exc}"
            ) from None
        except ValueError as exc:
            raise EvidenceError(
                f"the state file {self.path} is not valid JSON ({exc}); move it "
                "away to start a new record"
            ) from None
        if not isinstance(data, dict) or not isinstance(data.get("domains", {}), dict):
            raise EvidenceError(
                f"the state file {self.path} does not hold a record of this "
                "collection; move it away to start a new record"
            )
        data.setdefault("domains", {})
        return data

    def _write(self, directory: str, data: dict[str, t.Any]) -> None:
        handle, temporary = tempfile.mkstemp(prefix=".evidence-", dir=directory)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(data, stream, indent=1, sort_keys=True)
                stream.write("\n")
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)  # type: ignore[arg-type]
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
