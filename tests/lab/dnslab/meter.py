# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""The outage meter: how often the validating resolver fails a child name."""

from __future__ import annotations

import concurrent.futures
import threading
import time

import dns.exception
import dns.message
import dns.query
import dns.rcode


class OutageMeter:
    """Resolve every name in ``names`` (type A) every ``interval`` seconds.

    Counters: ``queries`` sent, ``servfail_count`` SERVFAIL answers,
    ``timeouts`` unanswered queries; ``failures`` lists ``(seconds since
    start, name, "SERVFAIL" or "TIMEOUT")``.  A meter can run once.
    """

    def __init__(
        self,
        resolver: str,
        names: list[str],
        interval: float = 0.2,
        timeout: float = 2.0,
    ) -> None:
        self.resolver = resolver
        self.names = names
        self.interval = interval
        self.timeout = timeout
        self.queries = 0
        self.servfail_count = 0
        self.timeouts = 0
        self.failures: list[tuple[float, str, str]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._began = 0.0

    def __enter__(self) -> OutageMeter:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start measuring in a background thread."""
        self._began = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="meter", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop measuring; counters keep their values."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.timeout + 5)

    def _run(self) -> None:
        workers = min(16, max(1, len(self.names) // 8))
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            while not self._stop.is_set():
                tick = time.monotonic()
                list(pool.map(self._probe, self.names))
                self._stop.wait(max(0.0, self.interval - (time.monotonic() - tick)))

    def _probe(self, name: str) -> None:
        message = dns.message.make_query(name, "A", want_dnssec=True)
        outcome = None
        try:
            response = dns.query.udp(message, self.resolver, timeout=self.timeout)
            if response.rcode() == dns.rcode.SERVFAIL:
                outcome = "SERVFAIL"
        except (dns.exception.Timeout, OSError):
            outcome = "TIMEOUT"
        with self._lock:
            self.queries += 1
            if outcome == "SERVFAIL":
                self.servfail_count += 1
            elif outcome == "TIMEOUT":
                self.timeouts += 1
            if outcome:
                self.failures.append((time.monotonic() - self._began, name, outcome))
