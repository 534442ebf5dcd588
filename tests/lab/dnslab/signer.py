# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""A DNSimple-like signer: Double-KSK rotations of the child zones.

A rotation runs the way DNSimple runs it for a domain registered elsewhere:

1. ``starting``: Knot publishes a new KSK which signs the DNSKEY RRset next to
   the old one; CDS/CDNSKEY show the new key.  Once every child server serves
   the new KSK, the event ``dnssec.rotation_start`` carries the NEW DS.
2. ``waiting_new_ds``: every parent server address is polled; once all serve
   the new DS and have done so for the DS TTL, ``dnssec.rotation_complete``
   carries the OLD DS.
3. ``waiting_old_ds_gone``: once every parent server address answers and none
   serves the old DS, Knot is told the submission is done
   (``knotc zone-ksk-submitted``) and drops the old KSK.
4. ``dropping_old_ksk`` until no child server serves the old KSK, then ``done``.

A parent server that does not answer, or answers anything but an
authoritative NOERROR, holds the rotation in its current phase.  Knot holds
both KSKs on its own because the zones' KSK submission check asks an address
where nothing answers.
"""

from __future__ import annotations

import json
import threading
import time
import typing as t

import dns.rdata

from .addresses import BACKEND_PORT
from .dnsutil import (
    Timeout,
    answer_rdatas,
    ds_event,
    ds_text,
    is_authoritative,
    is_ksk,
    keytag,
    normalize_ds,
    query,
    signing_keytags,
)
from .process import LabError

if t.TYPE_CHECKING:
    from .lab import Lab

#: Signature of an event callback: ``(event_name, zone, ds)``.
EventCallback = t.Callable[[str, str, dict[str, str]], None]

ROTATION_START = "dnssec.rotation_start"
ROTATION_COMPLETE = "dnssec.rotation_complete"

PHASES = (
    "starting",
    "waiting_new_ds",
    "waiting_old_ds_gone",
    "dropping_old_ksk",
    "done",
    "failed",
    "stopped",
)


class Rotation:
    """The state of one zone's rotation; ``as_dict()`` is its public form."""

    def __init__(self, zone: str) -> None:
        self.zone = zone
        self.phase = "starting"
        self.started_at = time.time()
        self.finished_at: float | None = None
        self.old_key: dns.rdata.Rdata | None = None
        self.new_key: dns.rdata.Rdata | None = None
        self.new_ds_everywhere_since: float | None = None
        self.parents: dict[str, str] = {}
        self.events: list[str] = []
        self.error = ""

    def as_dict(self) -> dict[str, t.Any]:
        """Return the rotation as plain data (phase, DS records, parent status)."""
        return {
            "zone": self.zone,
            "phase": self.phase,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "old_ds": ds_event(self.zone, self.old_key) if self.old_key else None,
            "new_ds": ds_event(self.zone, self.new_key) if self.new_key else None,
            "parents": dict(self.parents),
            "events": list(self.events),
            "error": self.error,
        }


class Signer:
    """Runs rotations of the lab's child zones in background threads.

    ``on_event`` (or every callback given to ``add_listener``) is called as
    ``on_event(event_name, zone, ds)`` from the rotation's thread; an
    exception it raises is recorded in ``errors`` and does not stop the
    rotation.  ``events`` keeps ``(time, event_name, zone, ds)`` of all.
    """

    def __init__(self, lab: Lab, poll_interval: float = 0.3) -> None:
        self.lab = lab
        self.poll_interval = poll_interval
        self.on_event: EventCallback | None = None
        self.events: list[tuple[float, str, str, dict[str, str]]] = []
        self.errors: list[str] = []
        self.event_log: t.Any = None
        self._listeners: list[EventCallback] = []
        self._rotations: dict[str, Rotation] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def add_listener(self, callback: EventCallback) -> None:
        """Call ``callback(event_name, zone, ds)`` for every event from now on."""
        self._listeners.append(callback)

    def start_rotation(self, zone: str) -> None:
        """Start a KSK rotation of ``zone`` and return at once.

        Raises LabError when ``zone`` is not a child zone of the lab or a
        rotation of it is still running.
        """
        zone = _absolute(zone)
        if zone not in self.lab.children:
            raise LabError(f"{zone} is not a child zone of the lab")
        with self._lock:
            current = self._rotations.get(zone)
            if current and current.phase not in ("done", "failed", "stopped"):
                raise LabError(f"a rotation of {zone} is running ({current.phase})")
            rotation = Rotation(zone)
            self._rotations[zone] = rotation
            self._stop.clear()
            thread = threading.Thread(
                target=self._run, args=(rotation,), name=f"rotate-{zone}", daemon=True
            )
            self._threads[zone] = thread
        thread.start()

    def rotation_state(self, zone: str) -> dict[str, t.Any]:
        """Return the last rotation of ``zone`` as plain data.

        ``phase`` is ``idle`` when the zone was never rotated; otherwise one
        of PHASES (see the module docstring).
        """
        zone = _absolute(zone)
        rotation = self._rotations.get(zone)
        if rotation is None:
            return {"zone": zone, "phase": "idle"}
        return rotation.as_dict()

    def wait(self, zone: str, phase: str = "done", timeout: float = 60.0) -> dict:
        """Wait until the rotation of ``zone`` reaches ``phase``; return its state.

        Raises LabError on timeout or when the rotation failed.
        """
        deadline = time.monotonic() + timeout
        wanted = PHASES.index(phase) if phase in PHASES else 0
        while True:
            state = self.rotation_state(zone)
            if state["phase"] == "failed":
                raise LabError(f"rotation of {zone} failed: {state['error']}")
            if state["phase"] in PHASES[:5] and PHASES.index(state["phase"]) >= wanted:
                return state
            if time.monotonic() > deadline:
                raise LabError(
                    f"rotation of {zone} is still {state['phase']} after "
                    f"{timeout:.0f} s; parent servers: {state.get('parents')}"
                )
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop every running rotation (their phase becomes ``stopped``)."""
        self._stop.set()
        for thread in list(self._threads.values()):
            thread.join(5.0)

    # The rotation --------------------------------------------------------

    def _run(self, rotation: Rotation) -> None:
        try:
            self._rotate(rotation)
        except _Stopped:
            rotation.phase = "stopped"
        except Exception as exc:  # pylint: disable=broad-exception-caught
            rotation.error = str(exc)
            rotation.phase = "failed"
        rotation.finished_at = time.time()

    def _rotate(self, rotation: Rotation) -> None:
        zone = rotation.zone
        old_keys = self._signing_ksks(self.lab.addresses.child_primary, zone)
        if len(old_keys) != 1:
            raise LabError(f"{zone} has {len(old_keys)} signing KSKs, expected one")
        rotation.old_key = old_keys[0]
        primary = self.lab.knot["child-primary"]
        primary.knotc("zone-key-rollover", zone, "ksk")

        rotation.new_key = self._poll(lambda: self._new_key_everywhere(rotation))
        rotation.phase = "waiting_new_ds"
        self._emit(rotation, ROTATION_START, rotation.new_key)

        self._poll(lambda: self._new_ds_long_enough(rotation))
        rotation.phase = "waiting_old_ds_gone"
        self._emit(rotation, ROTATION_COMPLETE, rotation.old_key)

        self._poll(lambda: self._old_ds_gone(rotation))
        rotation.phase = "dropping_old_ksk"
        primary.knotc("zone-ksk-submitted", zone)

        self._poll(lambda: self._old_key_gone(rotation))
        rotation.phase = "done"

    def _poll(self, check: t.Callable[[], t.Any]) -> t.Any:
        while True:
            result = check()
            if result:
                return result
            if self._stop.wait(self.poll_interval):
                raise _Stopped()

    def _signing_ksks(self, address: str, zone: str) -> list[dns.rdata.Rdata]:
        try:
            response = query(address, zone, "DNSKEY", port=BACKEND_PORT)
        except (Timeout, OSError):
            return []
        signers = signing_keytags(response, zone, "DNSKEY")
        return [
            key
            for key in answer_rdatas(response, zone, "DNSKEY")
            if is_ksk(key) and keytag(key) in signers
        ]

    def _new_key_everywhere(self, rotation: Rotation) -> dns.rdata.Rdata | None:
        new_keys = None
        for address in self.lab.child_addresses:
            keys = {
                key.to_text(): key
                for key in self._signing_ksks(address, rotation.zone)
                if key != rotation.old_key
            }
            new_keys = (
                keys
                if new_keys is None
                else {text: key for text, key in new_keys.items() if text in keys}
            )
        return next(iter(new_keys.values())) if new_keys else None

    def _parent_ds(self, rotation: Rotation) -> dict[str, set[str] | None]:
        """Return parent address -> its DS set (None when it gave no answer)."""
        result: dict[str, set[str] | None] = {}
        for address in self.lab.parent_addresses:
            try:
                response = query(address, rotation.zone, "DS", timeout=1.0)
            except (Timeout, OSError) as exc:
                rotation.parents[address] = f"no answer ({type(exc).__name__})"
                result[address] = None
                continue
            rcode = response.rcode()
            if rcode != 0 or not is_authoritative(response):
                rotation.parents[address] = (
                    f"rcode {rcode}, aa {is_authoritative(response)}"
                )
                result[address] = None
                continue
            found = {
                normalize_ds(rdata.to_text())
                for rdata in answer_rdatas(response, rotation.zone, "DS")
            }
            rotation.parents[address] = " ".join(sorted(ds.split()[0] for ds in found))
            result[address] = found
        return result

    def _new_ds_long_enough(self, rotation: Rotation) -> bool:
        assert rotation.new_key is not None
        new_ds = ds_text(rotation.zone, rotation.new_key)
        answers = self._parent_ds(rotation)
        if all(ds_set is not None and new_ds in ds_set for ds_set in answers.values()):
            if rotation.new_ds_everywhere_since is None:
                rotation.new_ds_everywhere_since = time.monotonic()
            return (
                time.monotonic() - rotation.new_ds_everywhere_since >= self.lab.ds_ttl
            )
        rotation.new_ds_everywhere_since = None
        return False

    def _old_ds_gone(self, rotation: Rotation) -> bool:
        assert rotation.old_key is not None
        old_ds = ds_text(rotation.zone, rotation.old_key)
        answers = self._parent_ds(rotation)
        return all(
            ds_set is not None and old_ds not in ds_set for ds_set in answers.values()
        )

    def _old_key_gone(self, rotation: Rotation) -> bool:
        for address in self.lab.child_addresses:
            try:
                response = query(address, rotation.zone, "DNSKEY", port=BACKEND_PORT)
            except (Timeout, OSError):
                return False
            if rotation.old_key in answer_rdatas(response, rotation.zone, "DNSKEY"):
                return False
        return True

    def _emit(self, rotation: Rotation, name: str, key: dns.rdata.Rdata) -> None:
        ds = ds_event(rotation.zone, key)
        rotation.events.append(name)
        self.events.append((time.time(), name, rotation.zone, ds))
        if self.event_log is not None:
            line = {"time": time.time(), "event": name, "zone": rotation.zone, "ds": ds}
            self.event_log.write(json.dumps(line) + "\n")
            self.event_log.flush()
        callbacks = [self.on_event] if self.on_event else []
        for callback in callbacks + self._listeners:
            try:
                callback(name, rotation.zone, dict(ds))
            except Exception as exc:  # pylint: disable=broad-exception-caught
                self.errors.append(f"{name} {rotation.zone}: callback failed: {exc!r}")


class _Stopped(Exception):
    pass


def _absolute(zone: str) -> str:
    return zone if zone.endswith(".") else zone + "."
