# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""The registry backend: the DS sets of the child zones in ``test.``.

Changes are RFC 2136 UPDATEs signed with the lab's TSIG key, sent to the
primary server of ``test.``; the secondaries follow by NOTIFY and IXFR.
"""

from __future__ import annotations

import threading
import time
import typing as t

import dns.query
import dns.rcode
import dns.tsig
import dns.tsigkeyring
import dns.update

from .dnsutil import answer_rdatas, is_authoritative, normalize_ds, query
from .process import LabError

if t.TYPE_CHECKING:
    from .lab import Lab


class Registry:
    """Read and change child DS sets in ``test.`` on the TLD primary server.

    The primary is reached on its Knot address behind the fault proxy, so
    faults set on the public parent addresses never hide the registry's view.
    """

    def __init__(self, lab: Lab) -> None:
        self._lab = lab
        self._lock = threading.Lock()
        self._held = 0

    def get_ds(self, domain: str) -> list[str]:
        """Return the DS set of ``domain`` on the primary, sorted.

        Each DS is ``"keytag algorithm digest_type DIGEST"`` with the digest in
        upper case. Raises LabError when the primary does not answer.
        """
        domain = _absolute(domain)
        try:
            response = query(
                self._lab.tld_primary_backend[0],
                domain,
                "DS",
                port=self._lab.tld_primary_backend[1],
                timeout=2.0,
                dnssec=False,
            )
        except dns.exception.Timeout as exc:
            raise LabError(f"TLD primary did not answer DS {domain}") from exc
        return sorted(
            normalize_ds(rdata.to_text())
            for rdata in answer_rdatas(response, domain, "DS")
        )

    def set_ds(self, domain: str, ds_texts: list[str], delay: float = 0.0) -> None:
        """Replace the DS set of ``domain`` with ``ds_texts`` (may be empty).

        With ``delay`` seconds the secondaries are frozen first and thawed
        after the delay, so they serve the change that much later.  Returns
        once the primary serves the new set; raises LabError when the update
        is refused or does not show.
        """
        domain = _absolute(domain)
        wanted = sorted({normalize_ds(text) for text in ds_texts})
        update = self._update()
        update.delete(domain, "DS")
        for text in wanted:
            update.add(domain, self._lab.ds_ttl, "DS", text)
        if delay > 0:
            self._hold_secondaries(delay)
        self._send(update, domain)
        self._wait_primary(domain, wanted)

    def add_ds(self, domain: str, ds_text: str, delay: float = 0.0) -> None:
        """Add one DS to the DS set of ``domain`` (no change if present)."""
        current = self.get_ds(domain)
        text = normalize_ds(ds_text)
        if text not in current:
            self.set_ds(domain, [*current, text], delay)

    def remove_ds(self, domain: str, ds_text: str, delay: float = 0.0) -> None:
        """Remove one DS from the DS set of ``domain`` (no change if absent)."""
        current = self.get_ds(domain)
        text = normalize_ds(ds_text)
        if text in current:
            self.set_ds(domain, [ds for ds in current if ds != text], delay)

    def parent_ds(self, domain: str) -> dict[str, list[str] | None]:
        """Return parent server address -> the DS set it serves for ``domain``.

        None for an address that gave no authoritative NOERROR answer.
        """
        domain = _absolute(domain)
        result: dict[str, list[str] | None] = {}
        for address in self._lab.parent_addresses:
            try:
                response = query(address, domain, "DS", timeout=1.0, dnssec=False)
            except (dns.exception.Timeout, OSError):
                result[address] = None
                continue
            if response.rcode() != dns.rcode.NOERROR or not is_authoritative(response):
                result[address] = None
                continue
            result[address] = sorted(
                normalize_ds(rdata.to_text())
                for rdata in answer_rdatas(response, domain, "DS")
            )
        return result

    def wait_published(self, domain: str, timeout: float = 30.0) -> None:
        """Wait until every parent server address serves the primary's DS set.

        Raises LabError naming the addresses that still differ on timeout.
        """
        deadline = time.monotonic() + timeout
        while True:
            wanted = self.get_ds(domain)
            differ = {
                address: ds_set
                for address, ds_set in self.parent_ds(domain).items()
                if ds_set != wanted
            }
            if not differ:
                return
            if time.monotonic() > deadline:
                raise LabError(
                    f"DS {domain} is {wanted} on the TLD primary but not yet on "
                    f"{differ} after {timeout:.0f} s"
                )
            time.sleep(0.1)

    def publish(self, domain: str, ds_texts: list[str]) -> None:
        """Replace the DS set of ``domain``; the callable registrar simulators use."""
        self.set_ds(domain, ds_texts)

    def _update(self) -> dns.update.UpdateMessage:
        name, secret = self._lab.tsig_key
        keyring = dns.tsigkeyring.from_text({name: secret})
        return dns.update.UpdateMessage(
            self._lab.tld,
            keyring=keyring,
            keyname=name,
            keyalgorithm=dns.tsig.HMAC_SHA256,
        )

    def _send(self, update: dns.update.UpdateMessage, domain: str) -> None:
        address, port = self._lab.tld_primary_backend
        try:
            response = dns.query.tcp(update, address, port=port, timeout=5.0)
        except (OSError, dns.exception.DNSException) as exc:
            raise LabError(
                f"UPDATE of DS {domain} to the TLD primary failed: {exc}"
            ) from exc
        if response.rcode() != dns.rcode.NOERROR:
            raise LabError(
                f"TLD primary answered {dns.rcode.to_text(response.rcode())} "
                f"to the UPDATE of DS {domain}"
            )

    def _wait_primary(self, domain: str, wanted: list[str]) -> None:
        deadline = time.monotonic() + 10.0
        while self.get_ds(domain) != wanted:
            if time.monotonic() > deadline:
                raise LabError(f"TLD primary does not serve DS {domain} = {wanted}")
            time.sleep(0.05)

    def _hold_secondaries(self, delay: float) -> None:
        with self._lock:
            if self._held == 0:
                for server in self._lab.tld_secondaries:
                    server.freeze()
            self._held += 1
        timer = threading.Timer(delay, self._release_secondaries)
        timer.daemon = True
        timer.start()

    def _release_secondaries(self) -> None:
        with self._lock:
            self._held -= 1
            if self._held == 0:
                for server in self._lab.tld_secondaries:
                    if server.name not in self._lab.frozen and server.process.running():
                        server.thaw()


def _absolute(domain: str) -> str:
    return domain if domain.endswith(".") else domain + "."
