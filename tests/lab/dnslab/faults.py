# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""Fault modes of the lab's public server addresses, shared through a file.

The table lives in a JSON file so that any process (pytest, ``labctl fault``)
can change the faults of a running lab; the proxies re-read it when it changes.
"""

from __future__ import annotations

import json
import os
import pathlib
import threading

#: The modes a public server address can be put in.
MODES = ("pass", "drop", "servfail", "refused", "delay")


class FaultTable:
    """Fault mode per public address, stored in ``path``.

    ``pass`` forwards queries; ``drop`` never answers; ``servfail`` and
    ``refused`` answer with that RCODE; ``delay`` forwards after ``seconds``.
    """

    def __init__(self, path: pathlib.Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._table: dict[str, dict[str, float | str]] = {}

    def _read(self) -> dict[str, dict[str, float | str]]:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return {}
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if stamp != self._stamp:
                try:
                    self._table = json.loads(self.path.read_text() or "{}")
                except (OSError, ValueError):
                    return self._table
                self._stamp = stamp
            return self._table

    def _write(self, table: dict[str, dict[str, float | str]]) -> None:
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(table, indent=1, sort_keys=True))
        os.replace(tmp, self.path)

    def get(self, address: str) -> tuple[str, float]:
        """Return ``(mode, seconds)`` for ``address``; ``("pass", 0)`` if unset."""
        entry = self._read().get(address)
        if not entry:
            return "pass", 0.0
        return str(entry.get("mode", "pass")), float(entry.get("seconds", 0.0))

    def set(self, address: str, mode: str, seconds: float = 0.0) -> None:
        """Put ``address`` in ``mode`` (one of MODES); ``seconds`` is for delay.

        Raises ValueError for an unknown mode or a delay without seconds.
        """
        if mode not in MODES:
            raise ValueError(f"fault mode must be one of {', '.join(MODES)}: {mode}")
        if mode == "delay" and seconds <= 0:
            raise ValueError("fault mode delay needs a positive number of seconds")
        table = dict(self._read())
        if mode == "pass":
            table.pop(address, None)
        else:
            table[address] = {"mode": mode, "seconds": seconds}
        self._write(table)

    def clear(self, address: str | None = None) -> None:
        """Put ``address`` (every address when None) back to ``pass``."""
        if address is None:
            self._write({})
        else:
            self.set(address, "pass")

    def all(self) -> dict[str, tuple[str, float]]:
        """Return every address that is not in ``pass`` mode."""
        return {address: self.get(address) for address in self._read()}


def parse_mode(text: str) -> tuple[str, float]:
    """Parse ``MODE`` or ``delay:SECONDS`` (also ``delay=SECONDS``).

    Raises ValueError for anything else.
    """
    mode, _sep, seconds = text.replace("=", ":").partition(":")
    if mode not in MODES:
        raise ValueError(f"fault mode must be one of {', '.join(MODES)}: {text}")
    if mode == "delay":
        if not seconds:
            raise ValueError("write the delay as delay:SECONDS, e.g. delay:2.5")
        return mode, float(seconds)
    return mode, 0.0
