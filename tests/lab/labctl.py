#!/usr/bin/env python
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""Run and control a DNS lab from the shell; see tests/lab/README.md."""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

# pylint: disable=wrong-import-position
from dnslab.addresses import default_net  # noqa: E402
from dnslab.daemon import Daemon, read_state, request, spawn  # noqa: E402
from dnslab.faults import FaultTable, parse_mode  # noqa: E402
from dnslab.lab import Lab, state_dir  # noqa: E402
from dnslab.process import LabError  # noqa: E402


def _print(data: object) -> None:
    print(json.dumps(data, indent=1, sort_keys=True))


def cmd_start(args: argparse.Namespace) -> None:
    """Start a lab daemon and print its addresses."""
    state = spawn(
        os.path.abspath(__file__),
        args.net,
        args.children,
        args.ds_ttl,
        simulators=args.simulators,
    )
    print(
        f"lab {args.net} is up (daemon PID {state['pid']}) "
        f"in {state['startup_seconds']} s"
    )
    print(f"root server:     {state['root_address']}")
    for name, addresses in state["parent_servers"].items():
        print(f"parent server:   {name} {' '.join(addresses)}")
    for name, addresses in state["child_servers"].items():
        print(f"child server:    {name} {' '.join(addresses)}")
    print(f"resolver:        {state['resolver_address']} (validating Unbound)")
    print(f"child zones:     {len(state['children'])}, e.g. {state['children'][-1]}")
    print(f"DS TTL:          {state['ds_ttl']} s")
    print(f"TSIG key file:   {state['tsig_key_file']} (hmac-sha256:name:secret)")
    print(f"state directory: {state['state_dir']}")
    for name, simulator in state.get("simulators", {}).items():
        print(f"{name + ' API:':<17}{simulator['url']}")


def cmd_serve(args: argparse.Namespace) -> None:
    """Run the lab in this process until stopped (used by ``start``)."""
    lab = Lab(net=args.net, children=args.children, ds_ttl=args.ds_ttl)
    Daemon(lab, simulators=args.simulators).serve()


def cmd_ansible_vars(args: argparse.Namespace) -> None:
    """Print the running lab as Ansible variables (JSON, which is also YAML).

    ``ansible-test integration`` reads them from
    ``tests/integration/integration_config.yml``.
    """
    state = read_state(args.net)
    if state is None:
        raise LabError(f"no lab daemon runs for net {args.net}")
    variables = {
        "lab_net": state["net"],
        "lab_resolver": state["resolver_address"],
        "lab_parent_addresses": state["parent_addresses"],
        "lab_children": state["children"],
        "lab_ds_ttl": state["ds_ttl"],
    }
    for name, simulator in state.get("simulators", {}).items():
        for key, value in simulator.items():
            variables[f"lab_{name}_{key}"] = value
    _print(variables)


def cmd_status(args: argparse.Namespace) -> None:
    """Print the state of the running lab."""
    _print(request(args.net, "status"))


def cmd_stop(args: argparse.Namespace) -> None:
    """Stop the lab daemon and wait until its PID has exited."""
    state = read_state(args.net)
    request(args.net, "stop")
    pid = state["pid"] if state else None
    deadline = time.monotonic() + 30
    while pid and time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        if pid:
            raise LabError(f"lab daemon {pid} did not exit within 30 s")
    print(f"lab {args.net} stopped")


def cmd_rotate(args: argparse.Namespace) -> None:
    """Start a rotation; with --wait, print its state until it is done."""
    _print(request(args.net, "rotate", zone=args.zone))
    while args.wait:
        time.sleep(1)
        state = request(args.net, "rotation", zone=args.zone)
        print(f"{state['phase']}: parent servers {state['parents']}")
        if state["phase"] in ("done", "failed", "stopped"):
            break


def cmd_rotation(args: argparse.Namespace) -> None:
    """Print the state of the last rotation of a zone."""
    _print(request(args.net, "rotation", zone=args.zone))


def cmd_fault(args: argparse.Namespace) -> None:
    """Set or clear the fault mode of a public server address."""
    table = FaultTable(state_dir(args.net) / "faults.json")
    if args.address == "clear":
        table.clear()
    else:
        mode, seconds = parse_mode(args.mode or "pass")
        table.set(args.address, mode, seconds)
    _print({address: list(mode) for address, mode in table.all().items()})


def cmd_freeze(args: argparse.Namespace) -> None:
    """Freeze or thaw the server at an address."""
    _print(request(args.net, args.command, address=args.address))


def cmd_ds(args: argparse.Namespace) -> None:
    """Print or change the DS set of a child zone in test."""
    action = args.action or "get"
    words = iter(args.ds)
    ds = [" ".join(group) for group in zip(words, words, words, words)]
    for line in request(
        args.net, "ds", zone=args.zone, action=action, ds=ds, delay=args.delay
    ):
        print(line)


def parser() -> argparse.ArgumentParser:
    """Return the command line parser."""
    top = argparse.ArgumentParser(description=__doc__)
    top.add_argument("--net", type=int, default=None, help="lab network number")
    sub = top.add_subparsers(dest="command", required=True)
    for name in ("start", "_serve"):
        cmd = sub.add_parser(
            name, help="start a lab daemon" if name == "start" else None
        )
        cmd.add_argument("--net", type=int, default=None, dest="net_sub")
        cmd.add_argument("--children", type=int, default=3)
        cmd.add_argument("--ds-ttl", type=int, default=3)
        cmd.add_argument(
            "--simulators",
            action="store_true",
            help="also serve the DNSimple and Name.com API simulators",
        )
        cmd.set_defaults(func=cmd_start if name == "start" else cmd_serve)
    sub.add_parser("status", help="print the lab's state").set_defaults(func=cmd_status)
    sub.add_parser(
        "ansible-vars", help="print the lab as Ansible variables"
    ).set_defaults(func=cmd_ansible_vars)
    sub.add_parser("stop", help="stop the lab").set_defaults(func=cmd_stop)
    for name, func in (("rotate", cmd_rotate), ("rotation", cmd_rotation)):
        cmd = sub.add_parser(name, help=f"{name} a child zone's KSK")
        cmd.add_argument("zone")
        if name == "rotate":
            cmd.add_argument("--wait", action="store_true")
        cmd.set_defaults(func=func)
    cmd = sub.add_parser("fault", help="ADDRESS pass|drop|servfail|refused|delay:S")
    cmd.add_argument("address", help="public server address, or 'clear'")
    cmd.add_argument("mode", nargs="?")
    cmd.set_defaults(func=cmd_fault)
    for name in ("freeze", "thaw"):
        cmd = sub.add_parser(name, help=f"{name} the server at ADDRESS")
        cmd.add_argument("address")
        cmd.set_defaults(func=cmd_freeze)
    cmd = sub.add_parser("ds", help="ZONE [set|add|remove DS...] [--delay S]")
    cmd.add_argument("zone")
    cmd.add_argument("action", nargs="?", choices=("get", "set", "add", "remove"))
    cmd.add_argument("ds", nargs="*", help="DS rdata: keytag alg type digest ...")
    cmd.add_argument("--delay", type=float, default=0.0)
    cmd.set_defaults(func=cmd_ds)
    return top


def main() -> int:
    """Run the command; print a LabError's message and return 1 on failure."""
    args = parser().parse_args()
    net = getattr(args, "net_sub", None)
    args.net = net if net is not None else args.net
    args.net = default_net() if args.net is None else args.net
    try:
        args.func(args)
    except LabError as exc:
        print(f"labctl: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
