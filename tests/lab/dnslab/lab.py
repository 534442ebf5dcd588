# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""The lab: a signed root, ``test.`` and its child zones on loopback."""

from __future__ import annotations

import base64
import fcntl
import os
import pathlib
import secrets
import shutil
import socket
import subprocess
import time
import typing as t

from . import zones
from .addresses import BACKEND_PORT, DNS_PORT, LabAddresses, check_net, default_net
from .dnsutil import (
    Timeout,
    answer_rdatas,
    ds_event,
    ds_text,
    is_ksk,
    keytag,
    query,
    signing_keytags,
)
from .faults import FaultTable
from .meter import OutageMeter
from .process import LabError, run
from .proxy import FaultProxy
from .registry import Registry
from .servers import KnotServer, UnboundServer, ZoneSpec, knot_listen, require_tools
from .signer import Signer

TSIG_NAME = "registry."


def state_dir(net: int) -> pathlib.Path:
    """Return the directory holding the configs, logs and state of lab ``net``."""
    return pathlib.Path(f"/tmp/dnslab-{net}")


def lock_path(net: int) -> pathlib.Path:
    """Return the lock file held by the process that runs lab ``net``."""
    return pathlib.Path(f"/tmp/dnslab-{net}.lock")


def net_in_use(net: int) -> bool:
    """Return True when a process holds lab ``net`` or its root address is bound."""
    try:
        with open(lock_path(net), "a+", encoding="ascii") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(handle, fcntl.LOCK_UN)
    except BlockingIOError:
        return True
    return port_holder(LabAddresses(net).root, DNS_PORT) is not None


def free_net(start: int = 0) -> int:
    """Return the first lab network number from ``start`` that nothing uses.

    Raises LabError when every number is taken.
    """
    for net in range(start, 256):
        if not net_in_use(net):
            return net
    raise LabError("every lab network number 0-255 is in use")


def port_holder(address: str, port: int) -> str | None:
    """Return who holds ``address``:``port`` (UDP or TCP), None if it is free."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        with socket.socket(family, kind) as sock:
            try:
                sock.bind((address, port))
            except OSError as exc:
                if exc.errno == 99:
                    # Address not available: not ours to report as held.
                    return None
                return _ss_holder(address, port) or str(exc)
    return None


def _ss_holder(address: str, port: int) -> str | None:
    try:
        output = subprocess.run(
            ["ss", "-Hlunpt", f"sport = :{port}"],
            capture_output=True,
            text=True,
            check=False,
            timeout=5,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    wanted = {f"{address}:{port}", f"[{address}]:{port}", f"0.0.0.0:{port}"}
    wanted |= {f"*:{port}", f"[::]:{port}"}
    for line in output.splitlines():
        fields = line.split()
        if len(fields) >= 5 and fields[4] in wanted:
            return line.strip()
    return None


class Lab:
    """A running DNS lab; see the package docstring for the full contract.

    ``net`` (0-255, default ``DNSLAB_NET`` or 0) picks the addresses,
    ``children`` (1-1000) the number of child zones, ``ds_ttl`` the TTL in
    seconds of every DS record in ``test.``.
    """

    tld = zones.TLD

    def __init__(
        self,
        net: int | None = None,
        children: int = 1,
        ds_ttl: int = 3,
        state: pathlib.Path | None = None,
    ) -> None:
        self.net = check_net(default_net() if net is None else net)
        self.addresses = LabAddresses(self.net)
        self.children = zones.child_names(children)
        self.ds_ttl = ds_ttl
        self.workdir = state or state_dir(self.net)
        self.tsig_key_file = self.workdir / "tsig.key"
        self.tsig_key = (TSIG_NAME, "")
        self.faults = FaultTable(self.workdir / "faults.json")
        self.registry = Registry(self)
        self.signer = Signer(self)
        self.frozen: set[str] = set()
        self.startup_seconds = 0.0
        self._lock: t.IO[str] | None = None
        self._proxies: list[FaultProxy] = []
        self._added_v6 = False
        self._started = False
        self.knot: dict[str, KnotServer] = {}
        self.unbound: UnboundServer | None = None
        self._child_ds: dict[str, list[str]] = {}
        self._tld_ds: list[str] = []
        self._root_ds: list[str] = []

    # Addresses -----------------------------------------------------------

    @property
    def root_address(self) -> str:
        """The root server's address."""
        return self.addresses.root

    @property
    def parent_addresses(self) -> list[str]:
        """Every address of every parent server of the child zones."""
        return self.addresses.parents

    @property
    def parent_servers(self) -> dict[str, list[str]]:
        """Parent server name -> its addresses (the NS set of ``test.``)."""
        a = self.addresses
        names = zones.TLD_SERVERS
        return {
            names[0]: [a.tld_primary],
            names[1]: [a.tld_secondary],
            names[2]: [a.tld_secondary6],
        }

    @property
    def child_servers(self) -> dict[str, list[str]]:
        """Child server name -> its addresses (the NS set of every child zone)."""
        a = self.addresses
        return {
            zones.CHILD_SERVERS[0]: [a.child_primary],
            zones.CHILD_SERVERS[1]: [a.child_secondary],
        }

    @property
    def child_addresses(self) -> list[str]:
        """Every address of every child server."""
        return self.addresses.children

    @property
    def resolver_address(self) -> str:
        """The validating Unbound's address (port 53)."""
        return self.addresses.resolver

    @property
    def tld_primary_backend(self) -> tuple[str, int]:
        """Where the TLD primary's Knot listens behind its fault proxy."""
        return self.addresses.tld_primary, BACKEND_PORT

    @property
    def tld_secondaries(self) -> list[KnotServer]:
        """The Knot instances of the secondary servers of ``test.``."""
        return [self.knot["tld-secondary"], self.knot["tld-secondary6"]]

    def server_for(self, address: str) -> KnotServer:
        """Return the Knot instance behind public ``address``.

        Raises KeyError for an address that is not a lab server.
        """
        a = self.addresses
        names = {
            a.root: "root",
            a.tld_primary: "tld-primary",
            a.tld_secondary: "tld-secondary",
            a.tld_secondary6: "tld-secondary6",
            a.child_primary: "child-primary",
            a.child_secondary: "child-secondary",
        }
        return self.knot[names[address]]

    # Lifecycle -----------------------------------------------------------

    def __enter__(self) -> Lab:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> Lab:
        """Bring every server up; return once Unbound validates a child name.

        Raises LabError naming the server that failed and why; everything
        already started is stopped again first.
        """
        began = time.monotonic()
        try:
            self._prepare()
            self._start_children()
            self._start_tld()
            self._start_root()
            self._wait_secondaries()
            self._start_resolver()
        except BaseException:
            self.stop()
            raise
        self._started = True
        self.startup_seconds = time.monotonic() - began
        return self

    def stop(self) -> None:
        """Stop every process by its PID, close the proxies, release the net."""
        self.signer.stop()
        if self.unbound is not None:
            self.unbound.stop()
        for server in self.knot.values():
            server.stop()
        for proxy in self._proxies:
            proxy.stop()
        self._proxies = []
        if self._added_v6:
            subprocess.run(
                [
                    "ip",
                    "-6",
                    "addr",
                    "del",
                    f"{self.addresses.tld_secondary6}/128",
                    "dev",
                    "lo",
                ],
                capture_output=True,
                check=False,
            )
            self._added_v6 = False
        if self._lock is not None:
            self._lock.close()
            self._lock = None
        self._started = False

    # Bring-up steps --------------------------------------------------------

    def _prepare(self) -> None:
        if os.geteuid() != 0:
            raise LabError("the lab binds port 53 on loopback: run it as root")
        require_tools()
        self._lock = open(lock_path(self.net), "a+", encoding="ascii")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise LabError(
                f"lab {self.net} is already run by another process "
                f"(lock {lock_path(self.net)}); stop it or pick another net"
            ) from exc
        shutil.rmtree(self.workdir, ignore_errors=True)
        self.workdir.mkdir(parents=True)
        self._add_v6_address()
        self._check_ports()
        self._write_tsig_key()
        self.faults.clear()
        for address in self.addresses.authoritative:
            proxy = FaultProxy(address, DNS_PORT, BACKEND_PORT, self.faults)
            proxy.start()
            self._proxies.append(proxy)

    def _add_v6_address(self) -> None:
        address = self.addresses.tld_secondary6
        shown = run(["ip", "-6", "addr", "show", "dev", "lo"])
        if f" {address}/128 " not in shown:
            # nodad: the address is usable at once, never "tentative".
            run(["ip", "-6", "addr", "add", f"{address}/128", "dev", "lo", "nodad"])
            self._added_v6 = True

    def _check_ports(self) -> None:
        busy = []
        for address in self.addresses.authoritative:
            for port in (DNS_PORT, BACKEND_PORT):
                holder = port_holder(address, port)
                if holder:
                    busy.append(f"{address} port {port} is held by: {holder}")
        holder = port_holder(self.resolver_address, DNS_PORT)
        if holder:
            busy.append(f"{self.resolver_address} port 53 is held by: {holder}")
        if busy:
            raise LabError(
                f"lab {self.net} cannot start, its addresses are in use:\n"
                + "\n".join(busy)
            )

    def _write_tsig_key(self) -> None:
        secret = base64.b64encode(secrets.token_bytes(32)).decode("ascii")
        self.tsig_key = (TSIG_NAME, secret)
        self.tsig_key_file.write_text(f"hmac-sha256:{TSIG_NAME}:{secret}\n")
        self.tsig_key_file.chmod(0o600)

    def _knot(
        self,
        name: str,
        address: str,
        zone_specs: list[ZoneSpec],
        preamble: str = "",
        update_key: bool = False,
    ) -> KnotServer:
        server = KnotServer(
            name,
            self.workdir / name,
            [knot_listen(address, BACKEND_PORT)],
            zone_specs,
            preamble,
            update_key,
        )
        server.write_config()
        self.knot[name] = server
        return server

    def _remote(self, name: str, address: str) -> str:
        return f"  - id: {name}\n    address: {knot_listen(address, BACKEND_PORT)}"

    def _start_children(self) -> None:
        a = self.addresses
        preamble = "\n".join(
            [
                "remote:",
                self._remote("secondary", a.child_secondary),
                self._remote("primary", a.child_primary),
                f"  - id: nowhere\n    address: {a.unreachable}@53",
                "submission:",
                "  - id: signer",
                "    parent: nowhere",
                "    check-interval: 1s",
                "policy:",
                "  - id: child",
                "    algorithm: ecdsap256sha256",
                "    ksk-lifetime: 0",
                "    zsk-lifetime: 0",
                "    dnskey-ttl: 2",
                "    zone-max-ttl: 5",
                "    propagation-delay: 0",
                "    ksk-submission: signer",
                "    cds-cdnskey-publish: always",
            ]
        )
        primary_dir = self.workdir / "child-primary"
        primary_dir.mkdir(parents=True)
        specs = []
        for zone in self.children:
            path = primary_dir / f"{zone}zone"
            path.write_text(zones.child_zone(zone))
            specs.append(
                ZoneSpec(zone, file=path, notify=["secondary"], policy="child")
            )
        primary = self._knot("child-primary", a.child_primary, specs, preamble)
        secondary = self._knot(
            "child-secondary",
            a.child_secondary,
            [ZoneSpec(zone, master="primary") for zone in self.children],
            preamble,
        )
        primary.start()
        secondary.start()
        self._child_ds = self._wait_signed(primary, a.child_primary, self.children)

    def _wait_signed(
        self, server: KnotServer, address: str, names: list[str], timeout: float = 90
    ) -> dict[str, list[str]]:
        """Wait until every zone in ``names`` has a KSK signing its DNSKEY RRset.

        Returns zone -> DS texts (SHA-256) of its KSKs.
        """
        found: dict[str, list[str]] = {}
        deadline = time.monotonic() + timeout
        pending = list(names)
        while pending:
            server.process.check()
            if time.monotonic() > deadline:
                raise server.process.failure(
                    f"did not sign {len(pending)} zone(s), e.g. {pending[0]}, "
                    f"within {timeout:.0f} s"
                )
            waiting = []
            for zone in pending:
                ds_set = self._signed_ksk_ds(address, zone)
                if ds_set:
                    found[zone] = ds_set
                else:
                    waiting.append(zone)
            pending = waiting
            if pending:
                time.sleep(0.05)
        return found

    def _signed_ksk_ds(self, address: str, zone: str) -> list[str]:
        try:
            response = query(address, zone, "DNSKEY", port=BACKEND_PORT, timeout=0.5)
        except (Timeout, OSError):
            return []
        signers = signing_keytags(response, zone, "DNSKEY")
        return [
            ds_text(zone, key)
            for key in answer_rdatas(response, zone, "DNSKEY")
            if is_ksk(key) and keytag(key) in signers
        ]

    def _start_tld(self) -> None:
        a = self.addresses
        tld_dir = self.workdir / "tld-primary"
        tld_dir.mkdir(parents=True)
        zone_file = tld_dir / "test.zone"
        zone_file.write_text(zones.tld_zone(a, self._child_ds, self.ds_ttl))
        preamble = "\n".join(
            [
                "key:",
                "  - id: registry",
                "    algorithm: hmac-sha256",
                f"    secret: {self.tsig_key[1]}",
                "remote:",
                self._remote("primary", a.tld_primary),
                self._remote("secondary", a.tld_secondary),
                self._remote("secondary6", a.tld_secondary6),
                _FAST_POLICY,
            ]
        )
        primary = self._knot(
            "tld-primary",
            a.tld_primary,
            [
                ZoneSpec(
                    self.tld,
                    file=zone_file,
                    notify=["secondary", "secondary6"],
                    acl=["transfer", "update"],
                    policy="fast",
                )
            ],
            preamble,
            update_key=True,
        )
        secondaries = [
            self._knot(name, address, [ZoneSpec(self.tld, master="primary")], preamble)
            for name, address in (
                ("tld-secondary", a.tld_secondary),
                ("tld-secondary6", a.tld_secondary6),
            )
        ]
        for server in (primary, *secondaries):
            server.start()
        self._tld_ds = self._wait_signed(primary, a.tld_primary, [self.tld], 20)[
            self.tld
        ]

    def _start_root(self) -> None:
        a = self.addresses
        root_dir = self.workdir / "root"
        root_dir.mkdir(parents=True)
        zone_file = root_dir / "root.zone"
        zone_file.write_text(zones.root_zone(a, self._tld_ds))
        root = self._knot(
            "root",
            a.root,
            [ZoneSpec(".", file=zone_file, policy="fast")],
            _FAST_POLICY,
        )
        root.start()
        self._root_ds = self._wait_signed(root, a.root, ["."], 20)["."]

    def _wait_secondaries(self, timeout: float = 60) -> None:
        a = self.addresses
        checks = [
            (self.knot["tld-secondary"], a.tld_secondary, [self.tld]),
            (self.knot["tld-secondary6"], a.tld_secondary6, [self.tld]),
            (self.knot["child-secondary"], a.child_secondary, self.children),
        ]
        primaries = {self.tld: a.tld_primary}
        for server, address, names in checks:
            deadline = time.monotonic() + timeout
            pending = list(names)
            while pending:
                server.process.check()
                if time.monotonic() > deadline:
                    raise server.process.failure(
                        f"has not transferred {len(pending)} zone(s), e.g. "
                        f"{pending[0]}, within {timeout:.0f} s"
                    )
                pending = [
                    zone
                    for zone in pending
                    if self._serial(address, zone)
                    != self._serial(primaries.get(zone, a.child_primary), zone)
                    or self._serial(address, zone) is None
                ]
                if pending:
                    time.sleep(0.05)

    def _serial(self, address: str, zone: str) -> int | None:
        try:
            response = query(address, zone, "SOA", port=BACKEND_PORT, timeout=0.5)
        except (Timeout, OSError):
            return None
        soa = answer_rdatas(response, zone, "SOA")
        return soa[0].serial if soa else None

    def _start_resolver(self, timeout: float = 20) -> None:
        hints = (
            f". 3600000 NS {zones.ROOT_SERVER}\n"
            f"{zones.ROOT_SERVER} 3600000 A {self.root_address}\n"
        )
        anchor = "".join(f". IN DS {ds}\n" for ds in self._root_ds)
        self.unbound = UnboundServer(
            self.workdir / "unbound", self.resolver_address, hints, anchor
        )
        self.unbound.write_config()
        self.unbound.start()
        probe = f"www.{self.children[-1]}"
        deadline = time.monotonic() + timeout
        while True:
            self.unbound.process.check()
            try:
                response = self.resolve(probe, "A")
                if response.rcode() == 0 and response.flags & 0x0020:
                    return
                what = f"answered {response.rcode()} without AD for {probe} A"
            except (Timeout, OSError) as exc:
                what = f"did not answer {probe} A ({exc})"
            if time.monotonic() > deadline:
                raise self.unbound.process.failure(what)
            time.sleep(0.1)

    # Working with a running lab -------------------------------------------

    def resolve(self, name: str, rdtype: str, timeout: float = 2.0) -> t.Any:
        """Ask the lab's validating resolver; return the dns.message.Message."""
        import dns.message
        import dns.query

        message = dns.message.make_query(name, rdtype, want_dnssec=True)
        return dns.query.udp(message, self.resolver_address, timeout=timeout)

    def child_keys(self, zone: str) -> list[dict[str, t.Any]]:
        """Return the KSKs of ``zone`` as its first child server serves them.

        Each item: ``dnskey`` (rdata text), ``keytag`` (int), ``signing``
        (True when it signs the DNSKEY RRset), ``ds`` (SHA-256 DS text) and
        ``event`` (the DS as DNSimple's webhooks carry it).
        """
        zone = zone if zone.endswith(".") else zone + "."
        response = query(
            self.addresses.child_primary, zone, "DNSKEY", port=BACKEND_PORT
        )
        signers = signing_keytags(response, zone, "DNSKEY")
        return [
            {
                "dnskey": key.to_text(),
                "keytag": keytag(key),
                "signing": keytag(key) in signers,
                "ds": ds_text(zone, key),
                "event": ds_event(zone, key),
            }
            for key in answer_rdatas(response, zone, "DNSKEY")
            if is_ksk(key)
        ]

    def flush_resolver(self) -> None:
        """Empty the validating resolver's caches, bad keys included.

        Call it after a test that broke a zone on purpose: Unbound otherwise
        keeps failing the zone for a minute or more after it is repaired.
        """
        if self.unbound is not None:
            self.unbound.flush()

    def freeze(self, address: str) -> None:
        """Hold back zone changes on the server at ``address`` (it lags)."""
        server = self.server_for(address)
        server.freeze()
        self.frozen.add(server.name)

    def thaw(self, address: str) -> None:
        """Let the server at ``address`` catch up again."""
        server = self.server_for(address)
        self.frozen.discard(server.name)
        server.thaw()

    def meter(
        self, zones_: list[str] | None = None, interval: float = 0.2
    ) -> OutageMeter:
        """Return an outage meter over ``www.<zone>`` of ``zones_`` (all children)."""
        names = [f"www.{zone}" for zone in (zones_ or self.children)]
        return OutageMeter(self.resolver_address, names, interval=interval)

    def describe(self) -> dict[str, t.Any]:
        """Return the lab's addresses and files as plain data (for ``labctl``)."""
        return {
            "net": self.net,
            "root_address": self.root_address,
            "tld": self.tld,
            "parent_servers": self.parent_servers,
            "parent_addresses": self.parent_addresses,
            "child_servers": self.child_servers,
            "child_addresses": self.child_addresses,
            "resolver_address": self.resolver_address,
            "children": self.children,
            "ds_ttl": self.ds_ttl,
            "tsig_key_file": str(self.tsig_key_file),
            "tsig_key_name": self.tsig_key[0],
            "state_dir": str(self.workdir),
            "faults_file": str(self.faults.path),
            "startup_seconds": round(self.startup_seconds, 2),
        }


_FAST_POLICY = "\n".join(
    [
        "policy:",
        "  - id: fast",
        "    algorithm: ecdsap256sha256",
        "    ksk-lifetime: 0",
        "    zsk-lifetime: 0",
        "    dnskey-ttl: 5",
        "    zone-max-ttl: 5",
        "    propagation-delay: 0",
    ]
)
