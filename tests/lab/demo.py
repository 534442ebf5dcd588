# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""A whole DNSimple-style KSK rotation on the lab, driven by webhooks.

Starts a lab, a DNSimple API simulator whose webhook points at a small local
receiver, and a Name.com simulator that publishes into the lab's ``test.``
zone. The lab's signer rotates the KSK of ``child1.test.``; every webhook it
sends makes the receiver run ``ansible-playbook dnsops.dnssec.rotate`` with
the payload. A timeline shows what happened when, and on which servers; the
outage meter counts the SERVFAIL answers of the validating resolver. Everything
is torn down at the end. Needs root (port 53 on loopback) and Knot DNS.

Run by ``make demo``; by hand: ``PYTHONPATH=<collections root>
ANSIBLE_COLLECTIONS_PATH=<collections root> python tests/lab/demo.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import typing as t
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

# pylint: disable=wrong-import-position
from dnslab.dnsimple_sim import DnsimpleSimulator  # noqa: E402
from dnslab.dnsutil import Timeout, answer_rdatas, normalize_ds, query  # noqa: E402
from dnslab.lab import Lab, free_net  # noqa: E402
from dnslab.process import LabError  # noqa: E402
from dnslab.sims.namecom import NameComSimulator  # noqa: E402

WEBHOOK_PATH = "/dnsimple/demo-webhook-token"


class Timeline:
    """Lines with wall-clock offsets from the start, printed as they come."""

    def __init__(self) -> None:
        self.began = time.monotonic()
        self.lock = threading.Lock()

    def say(self, text: str) -> None:
        with self.lock:
            print(f"+{time.monotonic() - self.began:05.1f}s {text}", flush=True)


def short(ds_text: str) -> str:
    """``tag alg type DIGEST`` with the digest cut to 12 characters."""
    tag, algorithm, digest_type, digest = ds_text.split()
    return f"{tag} {algorithm} {digest_type} {digest[:12]}..."


class Receiver:
    """A webhook receiver: answers 200 at once, queues each delivery."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self.deliveries: queue.Queue[dict[str, t.Any]] = queue.Queue()
        self.seen: set[str] = set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                ok = self.path == WEBHOOK_PATH
                self.send_response(200 if ok else 404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                if ok:
                    receiver.accept(json.loads(body))

            def log_message(self, format: str, *args: t.Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{WEBHOOK_PATH}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def accept(self, payload: dict[str, t.Any]) -> None:
        ident = payload.get("request_identifier", "")
        duplicate = ident in self.seen
        self.seen.add(ident)
        self.timeline.say(
            f"webhook received: {payload.get('name')} for "
            f"{payload['data']['zone']['name']} (request {ident[:8]}"
            f"{', a duplicate: acknowledged, not run again' if duplicate else ''})"
        )
        if not duplicate:
            self.deliveries.put(payload)


class Runner:
    """Runs ``ansible-playbook dnsops.dnssec.rotate`` for each delivery, in turn."""

    def __init__(
        self, lab: Lab, registrar: NameComSimulator, workdir: pathlib.Path, tl: Timeline
    ) -> None:
        self.lab = lab
        self.registrar = registrar
        self.workdir = workdir
        self.timeline = tl
        self.runs = 0
        self.failures = 0
        self.phase = ""

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        user, token = self.registrar.credentials
        env.update(
            NAMECOM_API_URL=self.registrar.url,
            NAMECOM_USERNAME=user,
            NAMECOM_TOKEN=token,
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_LOCALHOST_WARNING="0",
            ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
        )
        return env

    def run(self, payload: dict[str, t.Any] | None, why: str) -> None:
        self.runs += 1
        variables = {
            "ansible_python_interpreter": sys.executable,
            "rotation_registrar": "namecom",
            "rotation_resolvers": [self.lab.resolver_address],
            "rotation_query_timeout": 1.0,
            "rotation_query_retry": 1,
            "rotation_state_file": str(self.workdir / "state.json"),
            "rotation_lock_dir": str(self.workdir / "locks"),
            "rotation_wait_timeout": 20,
            "rotation_poll_interval": 1,
        }
        if payload is not None:
            variables["rotation_event"] = payload
        else:
            variables["domain"] = self.lab.children[0]
        playbook = shutil.which("ansible-playbook") or str(
            pathlib.Path(sys.executable).parent / "ansible-playbook"
        )
        self.timeline.say(f"ansible-playbook dnsops.dnssec.rotate #{self.runs} ({why})")
        log = self.workdir / f"run-{self.runs}.log"
        with open(log, "w", encoding="utf-8") as handle:
            code = subprocess.call(
                [playbook, "dnsops.dnssec.rotate", "-e", json.dumps(variables)],
                env=self.env(),
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        self.report(log.read_text(encoding="utf-8"), code)

    def report(self, output: str, code: int) -> None:
        found = re.search(r"at namecom: phase (\w+)\s+\(was (\w+)\)", output)
        changed = re.findall(r"changed=(\d+)", output.split("PLAY RECAP")[-1])
        lines = re.findall(
            r'"(added DS [^"]*|removed DS [^"]*|not yet: [^"]*)"', output
        )
        if code != 0 or not found:
            self.failures += 1
            self.timeline.say(f"   run #{self.runs} FAILED (exit {code}):")
            print(output[-3000:], flush=True)
            return
        self.phase = found.group(1)
        self.timeline.say(
            f"   run #{self.runs} done: phase {found.group(2)} -> {found.group(1)}, "
            f"{sum(int(n) for n in changed)} change(s)"
        )
        for line in lines:
            self.timeline.say(f"   role: {line[:150]}")


class ParentWatch:
    """Reports when each parent server address starts or stops serving a DS."""

    def __init__(self, lab: Lab, zone: str, tl: Timeline) -> None:
        self.lab = lab
        self.zone = zone
        self.timeline = tl
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.last: dict[str, frozenset[str]] = {}

    def start(self) -> None:
        self.last = self._look()
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(5)

    def _look(self) -> dict[str, frozenset[str]]:
        seen = {}
        for address in self.lab.parent_addresses:
            try:
                response = query(address, self.zone, "DS", timeout=1.0)
            except (Timeout, OSError):
                continue
            seen[address] = frozenset(
                normalize_ds(rdata.to_text())
                for rdata in answer_rdatas(response, self.zone, "DS")
            )
        return seen

    def _run(self) -> None:
        while not self.stop_event.wait(0.2):
            now = self._look()
            changes: dict[tuple[str, str], list[str]] = {}
            for address, ds_set in now.items():
                before = self.last.get(address, ds_set)
                for ds in ds_set - before:
                    changes.setdefault(("serve", ds), []).append(address)
                for ds in before - ds_set:
                    changes.setdefault(("no longer serve", ds), []).append(address)
            for (verb, ds), addresses in sorted(changes.items()):
                self.timeline.say(
                    f"parent servers {' '.join(addresses)} {verb} DS {short(ds)}"
                )
            self.last.update(now)


def watch_signer(lab: Lab, zone: str, tl: Timeline, stop: threading.Event) -> None:
    """Report the signer's phases (the DNSimple side of the rotation)."""
    said = ""
    while not stop.wait(0.2):
        phase = lab.signer.rotation_state(zone)["phase"]
        if phase != said:
            text = {
                "starting": "new KSK published, signing next to the old one",
                "waiting_new_ds": "both KSKs sign; waiting for the new DS at the parent",
                "waiting_old_ds_gone": "new DS served for its TTL; waiting for the old DS to go",
                "dropping_old_ksk": "old DS gone from every parent server; dropping the old KSK",
                "done": "old KSK gone from every child server: rotation done",
            }.get(phase, phase)
            tl.say(f"signer (DNSimple side): {text}")
            said = phase


def demo(net: int) -> int:
    """Run the demo on lab ``net``; return the exit code."""
    timeline = Timeline()
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="dnsops-demo-"))
    lab = Lab(net=net, children=1)
    print(
        f"Starting the DNS lab (network {net}): root, test. (3 parent servers), "
        "child1.test. (2 child servers), a validating Unbound",
        flush=True,
    )
    lab.start()
    zone = lab.children[0]
    timeline.say(
        f"lab up in {lab.startup_seconds:.1f} s; parent servers "
        f"{' '.join(lab.parent_addresses)}, child servers "
        f"{' '.join(lab.child_addresses)}, resolver {lab.resolver_address}"
    )
    receiver = Receiver(timeline)
    dnsimple = DnsimpleSimulator(duplicates=2)

    def publish(domain: str, ds_texts: list[str]) -> None:
        timeline.say(
            f"Name.com sends the registry the DS set of {domain}: "
            f"{', '.join(short(ds) for ds in ds_texts) or 'none'}"
        )
        lab.registry.publish(domain, ds_texts)

    namecom = NameComSimulator(publish=publish, child_keys=lab.child_keys)
    meter = lab.meter([zone])
    watch = ParentWatch(lab, zone, timeline)
    stop = threading.Event()
    runner = Runner(lab, namecom, workdir, timeline)
    try:
        receiver.start()
        dnsimple.start()
        dnsimple.add_domain(zone.rstrip("."), state="hosted")
        dnsimple.add_webhook(receiver.url)
        namecom.start()
        current = lab.registry.get_ds(zone)
        namecom.add_domain(zone.rstrip("."), records=current)
        lab.signer.add_listener(dnsimple.on_event)
        lab.signer.add_listener(
            lambda name, event_zone, ds: timeline.say(
                f"DNSimple sends {name} for {event_zone} (DS {ds['keytag']} "
                f"{ds['algorithm']} {ds['digest_type']} {ds['digest'][:12]}...)"
            )
        )
        timeline.say(
            f"{zone} is signed; the parent serves DS {short(current[0])}; "
            "Name.com holds the same DS"
        )
        meter.start()
        watch.start()
        threading.Thread(
            target=watch_signer, args=(lab, zone, timeline, stop), daemon=True
        ).start()

        timeline.say(f"DNSimple starts a KSK rotation of {zone}")
        lab.signer.start_rotation(zone)
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            try:
                payload = receiver.deliveries.get(timeout=0.5)
            except queue.Empty:
                if lab.signer.rotation_state(zone)["phase"] in ("done", "failed"):
                    break
                continue
            runner.run(payload, f"{payload['name']} webhook")
        # One last look, as a scheduled run would do, shows the final phase.
        runner.run(None, "a scheduled run after the rotation")
        state = lab.signer.rotation_state(zone)
        meter.stop()
        watch.stop()
        stop.set()
        final = lab.registry.get_ds(zone)
        print()
        print("Summary")
        print(
            f"  rotation of {zone}: signer {state['phase']}, role phase {runner.phase}"
        )
        print(
            f"  parent DS set: {' '.join(short(ds) for ds in final)} (was {short(current[0])})"
        )
        print(
            f"  Name.com holds: {' '.join(short(ds) for ds in namecom.records(zone))}"
        )
        print(
            f"  playbook runs: {runner.runs}, failed: {runner.failures}; "
            f"webhook deliveries: {len(receiver.seen)} distinct "
            f"(each sent twice by DNSimple)"
        )
        print(
            f"  outage meter: {meter.queries} queries of www.{zone} through the "
            f"validating resolver, {meter.servfail_count} SERVFAIL, "
            f"{meter.timeouts} timeouts"
        )
        ok = (
            state["phase"] == "done"
            and runner.failures == 0
            and meter.servfail_count == 0
            and runner.phase == "stable"
        )
        print("  result: " + ("a complete rotation, 0 SERVFAIL" if ok else "FAILED"))
        return 0 if ok else 1
    finally:
        stop.set()
        meter.stop()
        if watch.thread.is_alive():
            watch.stop()
        for thing in (namecom, dnsimple, receiver):
            thing.stop()
        lab.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        print(
            f"lab {net} stopped; everything torn down "
            f"({time.monotonic() - timeline.began:.0f} s in all)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--net", type=int, default=None, help="lab network number (default: a free one)"
    )
    args = parser.parse_args()
    try:
        return demo(free_net(0) if args.net is None else args.net)
    except LabError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
