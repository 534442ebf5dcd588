# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""Knot and Unbound instances of the lab: their configurations and control."""

from __future__ import annotations

import pathlib
import shutil

from .process import LabError, ServerProcess, run

KNOTD = "/usr/sbin/knotd"
KNOTC = "/usr/sbin/knotc"
UNBOUND = "/usr/sbin/unbound"
UNBOUND_CONTROL = "/usr/sbin/unbound-control"


def require_tools() -> None:
    """Raise LabError naming every server program the lab needs but cannot find."""
    missing = [tool for tool in (KNOTD, KNOTC, UNBOUND) if shutil.which(tool) is None]
    if missing:
        raise LabError(
            f"missing {', '.join(missing)}: apt-get install -y "
            "--no-install-recommends knot knot-dnsutils unbound"
        )


def knot_listen(address: str, port: int) -> str:
    """Return a Knot address with port, e.g. ``127.53.0.2@5300``."""
    return f"{address}@{port}"


class ZoneSpec:
    """One zone of a Knot instance: file, role and policy.

    ``master`` names a remote id for a secondary zone; ``signing`` names a
    DNSSEC policy id for a zone Knot signs.
    """

    def __init__(
        self,
        name: str,
        file: pathlib.Path | None = None,
        master: str | None = None,
        notify: list[str] | None = None,
        acl: list[str] | None = None,
        policy: str | None = None,
    ) -> None:
        self.name = name
        self.file = file
        self.master = master
        self.notify = notify or []
        self.acl = acl or ["transfer"]
        self.policy = policy

    def config(self) -> str:
        """Return the zone's entry in a Knot ``zone:`` section."""
        lines = [f"  - domain: {self.name}"]
        if self.file is not None:
            lines.append(f'    file: "{self.file}"')
        if self.master:
            lines.append(f"    master: {self.master}")
        if self.notify:
            lines.append(f"    notify: [{', '.join(self.notify)}]")
        lines.append(f"    acl: [{', '.join(self.acl)}]")
        if self.policy:
            lines.append("    dnssec-signing: on")
            lines.append(f"    dnssec-policy: {self.policy}")
        return "\n".join(lines)


class KnotServer:
    """One knotd process with its own configuration, run and storage directories.

    ``preamble`` holds the ``key``, ``remote``, ``submission`` and ``policy``
    sections; ACLs ``transfer`` (any loopback or lab address) and, when a TSIG
    key named ``registry`` is in the preamble, ``update`` are always defined.
    """

    def __init__(
        self,
        name: str,
        workdir: pathlib.Path,
        listen: list[str],
        zones: list[ZoneSpec],
        preamble: str = "",
        update_key: bool = False,
    ) -> None:
        self.name = name
        self.workdir = workdir
        self.listen = listen
        self.zones = zones
        self.preamble = preamble
        self.update_key = update_key
        self.conf = workdir / "knot.conf"
        self.socket = workdir / "run" / "knot.sock"
        self.process = ServerProcess(
            name, [KNOTD, "-c", str(self.conf)], workdir / "knotd.log"
        )

    def write_config(self) -> None:
        """Create the directories and write ``knot.conf``."""
        for sub in ("run", "db"):
            (self.workdir / sub).mkdir(parents=True, exist_ok=True)
        acls = [
            "acl:",
            "  - id: transfer",
            "    address: [127.0.0.0/8, ::1, fd53::/16]",
            "    action: [transfer, notify]",
        ]
        if self.update_key:
            acls += ["  - id: update", "    key: registry", "    action: update"]
        text = "\n".join(
            [
                "server:",
                f'    rundir: "{self.workdir / "run"}"',
                f"    listen: [{', '.join(self.listen)}]",
                "    background-workers: 2",
                "    udp-workers: 2",
                "    tcp-workers: 2",
                "log:",
                "  - target: stderr",
                "    any: info",
                "database:",
                f'    storage: "{self.workdir / "db"}"',
                "    journal-db-max-size: 256M",
                "    kasp-db-max-size: 64M",
                "    timer-db-max-size: 16M",
                "    catalog-db-max-size: 16M",
                self.preamble,
                *acls,
                "template:",
                "  - id: default",
                f'    storage: "{self.workdir}"',
                "    zonefile-sync: -1",
                "    zonefile-load: whole",
                "    journal-max-usage: 1M",
                "    semantic-checks: off",
                "zone:",
                *(zone.config() for zone in self.zones),
            ]
        )
        self.conf.write_text(text + "\n")

    def start(self) -> None:
        """Start knotd (in the foreground, as a child process)."""
        self.process.start()

    def stop(self) -> None:
        """Stop knotd by its PID and wait for it to exit."""
        self.process.stop()

    def knotc(self, *args: str, timeout: float = 60.0) -> str:
        """Run ``knotc`` against this instance; return its output.

        Raises LabError with knotc's message when it fails.
        """
        return run([KNOTC, "-s", str(self.socket), "-t", "10", *args], timeout=timeout)

    def freeze(self) -> None:
        """Hold back every zone change (transfers, updates) until thaw.

        Blocking, so that a transfer already under way has finished and
        none starts after this returns.
        """
        self.knotc("-b", "zone-freeze")

    def thaw(self) -> None:
        """Let held zone changes happen again."""
        self.knotc("zone-thaw")


class UnboundServer:
    """A validating Unbound on ``address`` that starts from the lab root."""

    def __init__(
        self,
        workdir: pathlib.Path,
        address: str,
        root_hints: str,
        trust_anchor: str,
    ) -> None:
        self.workdir = workdir
        self.address = address
        self.root_hints = root_hints
        self.trust_anchor = trust_anchor
        self.conf = workdir / "unbound.conf"
        self.process = ServerProcess(
            "unbound", [UNBOUND, "-d", "-c", str(self.conf)], workdir / "unbound.log"
        )

    def write_config(self) -> None:
        """Write root hints, trust anchor and ``unbound.conf``."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        hints = self.workdir / "root.hints"
        anchor = self.workdir / "root.anchor"
        hints.write_text(self.root_hints)
        anchor.write_text(self.trust_anchor)
        settings = [
            f"interface: {self.address}",
            "port: 53",
            "do-daemonize: no",
            'chroot: ""',
            'username: ""',
            f'directory: "{self.workdir}"',
            'pidfile: ""',
            "use-syslog: no",
            "verbosity: 1",
            "log-servfail: yes",
            "num-threads: 1",
            "do-ip6: yes",
            "do-not-query-localhost: no",
            "access-control: 127.0.0.0/8 allow",
            "access-control: ::1 allow",
            'local-zone: "test." nodefault',
            f'root-hints: "{hints}"',
            f'trust-anchor-file: "{anchor}"',
            "cache-max-ttl: 2",
            "cache-max-negative-ttl: 1",
            "val-bogus-ttl: 1",
            "infra-host-ttl: 5",
            "infra-cache-min-rtt: 50",
            "prefetch: no",
            "serve-expired: no",
            "qname-minimisation: no",
            "harden-referral-path: no",
            "aggressive-nsec: no",
        ]
        text = "server:\n" + "".join(f"    {line}\n" for line in settings)
        text += (
            "remote-control:\n    control-enable: yes\n"
            f'    control-interface: "{self.workdir / "control.sock"}"\n'
            "    control-use-cert: no\n"
        )
        self.conf.write_text(text)

    def flush(self) -> None:
        """Forget cached data, bad keys and server state (``unbound-control``).

        Unbound keeps a key it found bogus for a minute or more whatever
        ``val-bogus-ttl`` says; flushing lets a repaired zone validate at once.
        """
        for command in (["flush_bogus"], ["flush_negative"], ["flush_infra", "all"]):
            run([UNBOUND_CONTROL, "-c", str(self.conf), *command])
        run([UNBOUND_CONTROL, "-c", str(self.conf), "flush_zone", "."])

    def start(self) -> None:
        """Start unbound in the foreground."""
        self.process.start()

    def stop(self) -> None:
        """Stop unbound by its PID and wait for it to exit."""
        self.process.stop()
