# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""The lab of the Molecule scenario: DNS servers, a signer and a Name.com simulator.

``labd.py start --net N`` starts, in a detached process, a lab on network N and
a Name.com API simulator that holds every child zone with the DS the parent
serves and publishes its writes into the lab's ``test.`` zone; it returns once
both are up and prints their details as JSON (also in ``STATE_DIR/state.json``).
``labd.py rotate --net N ZONE`` starts a KSK rotation of ZONE and returns once
DNSimple's side has sent ``dnssec.rotation_start``. ``labd.py stop --net N``
stops everything and waits for the process to exit.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import signal
import subprocess
import sys
import threading
import time
import typing as t

COLLECTION = pathlib.Path(__file__).resolve().parents[3]
sys.path.insert(0, str(COLLECTION / "tests" / "lab"))

# pylint: disable=wrong-import-position
from dnslab.lab import Lab  # noqa: E402
from dnslab.sims.namecom import NameComSimulator  # noqa: E402


def state_dir(net: int) -> pathlib.Path:
    """Where the scenario's lab keeps its state (outside the lab's own directory)."""
    return pathlib.Path(f"/tmp/dnsops-molecule-{net}")


def api_port(net: int) -> int:
    """The TCP port of the Name.com simulator of lab ``net`` on 127.0.0.1."""
    return 18400 + net


def read_state(net: int) -> dict[str, t.Any]:
    """The state the serving process last wrote, or an empty dict."""
    try:
        return json.loads((state_dir(net) / "state.json").read_text())
    except (OSError, ValueError):
        return {}


def serve(net: int) -> None:
    """Run the lab and the simulator until SIGTERM; act on rotation requests."""
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    directory = state_dir(net)
    lab = Lab(net=net, children=3)
    lab.start()
    sim = NameComSimulator(
        publish=lab.registry.publish, child_keys=lab.child_keys, port=api_port(net)
    )
    try:
        sim.start()
        for zone in lab.children:
            sim.add_domain(zone.rstrip("."), records=lab.registry.get_ds(zone))
        state = {
            "pid": os.getpid(),
            "net": net,
            "children": lab.children,
            "resolver": lab.resolver_address,
            "parent_addresses": lab.parent_addresses,
            "namecom_api_url": sim.url,
            "namecom_username": sim.credentials[0],
            "namecom_token": sim.credentials[1],
        }
        while not done.wait(0.2):
            request = directory / "rotate"
            if request.exists():
                zone = request.read_text().strip()
                request.unlink()
                lab.signer.start_rotation(zone)
            state["rotations"] = {
                zone: lab.signer.rotation_state(zone)["phase"] for zone in lab.children
            }
            path = directory / "state.json"
            path.with_suffix(".tmp").write_text(json.dumps(state, indent=1))
            path.with_suffix(".tmp").replace(path)
    finally:
        sim.stop()
        lab.stop()
        (directory / "state.json").unlink(missing_ok=True)


def start(net: int) -> None:
    """Start ``serve`` detached; print the state once the lab is up."""
    directory = state_dir(net)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "state.json").unlink(missing_ok=True)
    with open(directory / "labd.log", "wb") as log:
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, __file__, "serve", "--net", str(net)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = read_state(net)
        if state.get("pid") == process.pid and "rotations" in state:
            print(json.dumps(state))
            return
        if process.poll() is not None:
            sys.exit((directory / "labd.log").read_text()[-4000:])
        time.sleep(0.2)
    sys.exit(
        f"the lab of network {net} is not up after 120 s; see {directory}/labd.log"
    )


def rotate(net: int, zone: str) -> None:
    """Ask for a rotation of ``zone``; return once rotation_start has been sent."""
    zone = zone if zone.endswith(".") else zone + "."
    (state_dir(net) / "rotate").write_text(zone)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        phase = read_state(net).get("rotations", {}).get(zone)
        if phase in ("waiting_new_ds", "waiting_old_ds_gone", "done"):
            print(json.dumps({"zone": zone, "phase": phase}))
            return
        if phase == "failed":
            break
        time.sleep(0.2)
    sys.exit(f"the rotation of {zone} did not start: {read_state(net)}")


def stop(net: int) -> None:
    """Stop the serving process by its PID and wait until it has exited."""
    pid = read_state(net).get("pid")
    if not pid:
        print(f"no lab runs for network {net}")
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            print(f"lab {net} stopped")
            return
        time.sleep(0.2)
    sys.exit(f"the lab process {pid} did not exit within 30 s")


def main() -> None:
    """Parse the command line and run the command."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("start", "serve", "rotate", "stop"))
    parser.add_argument("zone", nargs="?")
    parser.add_argument("--net", type=int, default=2)
    args = parser.parse_args()
    if args.command == "start":
        start(args.net)
    elif args.command == "serve":
        serve(args.net)
    elif args.command == "rotate":
        rotate(args.net, args.zone or "child1.test.")
    else:
        stop(args.net)


if __name__ == "__main__":
    main()
