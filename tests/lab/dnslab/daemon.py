# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""Run a lab in a background process and talk to it over a Unix socket.

The daemon writes ``state.json`` (the lab's description and its PID) and
``events.jsonl`` (every signer event) into the lab's state directory and
answers one JSON request per connection on ``control.sock`` there.
"""

from __future__ import annotations

import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import threading
import time
import typing as t

from .dnsimple_sim import DnsimpleSimulator
from .lab import Lab, state_dir
from .process import LabError, tail
from .sims.namecom import NameComSimulator


def control_path(net: int) -> pathlib.Path:
    """Return the control socket of lab ``net``."""
    return state_dir(net) / "control.sock"


def daemon_log(net: int) -> pathlib.Path:
    """Return the daemon's own log (outside the state directory it recreates)."""
    return pathlib.Path(f"/tmp/dnslab-{net}.log")


def read_state(net: int) -> dict[str, t.Any] | None:
    """Return the ``state.json`` of lab ``net``, None when it has none."""
    try:
        return json.loads((state_dir(net) / "state.json").read_text())
    except (OSError, ValueError):
        return None


def spawn(
    script: str,
    net: int,
    children: int,
    ds_ttl: int,
    timeout: float = 120,
    simulators: bool = False,
):
    """Start ``script _serve`` detached; return the lab state once it is up.

    Raises LabError with the daemon's log tail when it fails to come up.
    """
    log = daemon_log(net)
    with open(log, "wb") as handle:
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            [
                sys.executable,
                script,
                "_serve",
                "--net",
                str(net),
                "--children",
                str(children),
                "--ds-ttl",
                str(ds_ttl),
            ]
            + (["--simulators"] if simulators else []),
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = read_state(net)
        if state and state.get("pid") == process.pid:
            return state
        if process.poll() is not None:
            raise LabError(f"lab {net} failed to start:\n{tail(log, 40)}")
        time.sleep(0.2)
    raise LabError(f"lab {net} is not up after {timeout:.0f} s; see {log}")


def request(net: int, command: str, **args: t.Any) -> t.Any:
    """Send ``command`` to the daemon of lab ``net``; return its result.

    Raises LabError when no daemon runs or the command failed.
    """
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(120)
        try:
            sock.connect(str(control_path(net)))
        except OSError as exc:
            raise LabError(f"no lab daemon runs for net {net} ({exc})") from exc
        sock.sendall(json.dumps({"command": command, **args}).encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    reply = json.loads(data or b"{}")
    if "error" in reply:
        raise LabError(reply["error"])
    return reply.get("result")


class Daemon:
    """Own a running lab and answer control requests until told to stop."""

    def __init__(self, lab: Lab, simulators: bool = False) -> None:
        self.lab = lab
        self.done = threading.Event()
        self.with_simulators = simulators
        self.simulators: dict[str, t.Any] = {}

    def start_simulators(self) -> dict[str, dict[str, t.Any]]:
        """Serve the DNSimple and Name.com simulators for every child zone.

        DNSimple hosts every child zone and delivers the signer's events as
        webhooks; Name.com is the registrar of every child zone and publishes
        its DS changes into the lab's parent zone.  Returns what a client needs
        to reach them (URL and lab credentials).
        """
        lab = self.lab
        dnsimple = DnsimpleSimulator()
        namecom = NameComSimulator(publish=lab.registry.set_ds)
        self.simulators = {"dnsimple": dnsimple, "namecom": namecom}
        for zone in lab.children:
            dnsimple.add_domain(zone)
            namecom.add_domain(zone, lab.registry.get_ds(zone))
        lab.signer.add_listener(dnsimple.on_event)
        username, token = namecom.credentials
        return {
            "dnsimple": {
                "url": dnsimple.start(),
                "token": dnsimple.token,
                "account": str(dnsimple.account_id),
            },
            "namecom": {"url": namecom.start(), "username": username, "token": token},
        }

    def serve(self) -> None:
        """Start the lab, publish its state, serve requests, stop the lab."""
        signal.signal(signal.SIGTERM, lambda *_: self.done.set())
        signal.signal(signal.SIGINT, lambda *_: self.done.set())
        self.lab.start()
        try:
            self.lab.signer.event_log = open(  # pylint: disable=consider-using-with
                self.lab.workdir / "events.jsonl", "a", encoding="utf-8"
            )
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            server.bind(str(control_path(self.lab.net)))
            server.listen(8)
            server.settimeout(0.2)
            state = {**self.lab.describe(), "pid": os.getpid()}
            if self.with_simulators:
                state["simulators"] = self.start_simulators()
            (self.lab.workdir / "state.json").write_text(json.dumps(state, indent=1))
            print(json.dumps(state, indent=1), flush=True)
            while not self.done.is_set():
                try:
                    conn = server.accept()[0]
                except (TimeoutError, socket.timeout):
                    continue
                threading.Thread(target=self._handle, args=(conn,), daemon=True).start()
            server.close()
        finally:
            for simulator in self.simulators.values():
                simulator.stop()
            self.lab.stop()
            (self.lab.workdir / "state.json").unlink(missing_ok=True)
            control_path(self.lab.net).unlink(missing_ok=True)

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10)
            data = b""
            while not data.endswith(b"\n"):
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            try:
                message = json.loads(data)
                reply = {"result": self._run(message.pop("command"), **message)}
            except Exception as exc:  # pylint: disable=broad-exception-caught
                reply = {"error": f"{type(exc).__name__}: {exc}"}
            conn.sendall(json.dumps(reply).encode() + b"\n")

    def _run(self, command: str, **args: t.Any) -> t.Any:
        lab = self.lab
        if command == "stop":
            self.done.set()
            return "stopping"
        if command == "status":
            return {
                **lab.describe(),
                "pid": os.getpid(),
                "faults": lab.faults.all(),
                "frozen": sorted(lab.frozen),
                "rotations": {
                    zone: lab.signer.rotation_state(zone)["phase"]
                    for zone in lab.children
                },
            }
        if command == "rotate":
            lab.signer.start_rotation(args["zone"])
            return lab.signer.rotation_state(args["zone"])
        if command == "rotation":
            return lab.signer.rotation_state(args["zone"])
        if command in ("freeze", "thaw"):
            getattr(lab, command)(args["address"])
            return sorted(lab.frozen)
        if command == "ds":
            return self._ds(args)
        raise LabError(f"unknown command {command}")

    def _ds(self, args: dict[str, t.Any]) -> list[str]:
        registry = self.lab.registry
        zone, action = args["zone"], args.get("action", "get")
        delay = float(args.get("delay", 0))
        if action == "set":
            registry.set_ds(zone, args["ds"], delay)
        elif action == "add":
            for text in args["ds"]:
                registry.add_ds(zone, text, delay)
        elif action == "remove":
            for text in args["ds"]:
                registry.remove_ds(zone, text, delay)
        return registry.get_ds(zone)
