#!/usr/bin/env python
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""Wall time of one parent DS check for 1, 3 and 6 parent server addresses.

Starts small authoritative stand-ins on loopback addresses (127.53.203.x, an
unprivileged port), one of which answers ``--slow`` seconds late, and checks a
DS against all of them with the collection's own code.  The wall time follows
the slowest address, not the sum of all of them, because every address is asked
at once.

Run from a tree where ``ansible_collections.dnsops.dnssec`` imports, e.g.::

    PYTHONPATH=/path/above/ansible_collections python benchmarks/parent_ds_check.py
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import threading
import time
import typing as t

import dns.flags
import dns.message
import dns.rrset

from ansible_collections.dnsops.dnssec.plugins.module_utils import _dns, _parent
from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import parse_ds

DOMAIN = "bench.test."
DS_TEXT = "60485 13 2 " + "AB" * 32
PORT = 5399


class Responder(threading.Thread):
    """Answers every DS question authoritatively, after ``delay`` seconds."""

    def __init__(self, address: str, delay: float) -> None:
        super().__init__(daemon=True)
        self.delay = delay
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((address, PORT))
        self.sock.settimeout(0.2)
        self.running = True

    def run(self) -> None:
        while self.running:
            try:
                wire, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            threading.Thread(target=self.answer, args=(wire, peer), daemon=True).start()

    def answer(self, wire: bytes, peer: t.Any) -> None:
        query = dns.message.from_wire(wire)
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        response.answer.append(dns.rrset.from_text(DOMAIN, 3600, "IN", "DS", DS_TEXT))
        time.sleep(self.delay)
        self.sock.sendto(response.to_wire(), peer)

    def stop(self) -> None:
        self.running = False
        self.join()
        self.sock.close()


def measure(count: int, slow: float, fast: float) -> tuple[int, float, float]:
    """Return (queries sent, wall time, sum of the delays) for ``count`` addresses."""
    delays = [slow] + [fast] * (count - 1)
    addresses = [f"127.53.203.{index + 1}" for index in range(count)]
    responders = [Responder(a, d) for a, d in zip(addresses, delays)]
    for responder in responders:
        responder.start()
    try:
        client = _dns.DnsClient(query_timeout=slow + 2, query_retry=0, port=PORT)
        start = time.monotonic()
        view = _parent.check_parent(client, DOMAIN, parent_servers=addresses)
        elapsed = time.monotonic() - start
        if not _parent.present(view, [parse_ds(DS_TEXT)]).holds:
            raise SystemExit("the stand-in servers did not answer as expected")
        return client.queries_sent, elapsed, sum(delays)
    finally:
        for responder in responders:
            responder.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--slow", type=float, default=1.0, help="delay of the slow one")
    parser.add_argument("--fast", type=float, default=0.2, help="delay of the others")
    args = parser.parse_args()

    print(
        f"one address answers after {args.slow:g} s, the others after {args.fast:g} s"
    )
    print(
        f"machine: {platform.node()}, {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPU(s), Python {platform.python_version()}"
    )
    print(f"{'addresses':>9} {'queries':>7} {'wall time':>10} {'sum of delays':>14}")
    for count in (1, 3, 6):
        queries, elapsed, total = measure(count, args.slow, args.fast)
        print(f"{count:>9} {queries:>7} {elapsed:>9.2f}s {total:>13.2f}s")


if __name__ == "__main__":
    main()
