# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""The role dnsops.dnssec.rotation and the playbook dnsops.dnssec.rotate on the lab.

The lab's signer rotates child zones' KSKs the way DNSimple does; registrar
simulators publish what the role writes into the lab's ``test.`` zone; the
playbook runs through ``ansible-playbook dnsops.dnssec.rotate`` as an operator
would run it, and the validating resolver's outage meter counts every SERVFAIL
on the way.

Each scenario has child zones of its own, so the scenarios run at the same
time: the fixture ``outcomes`` starts every selected scenario in a thread of
its own, and each test reports the outcome of its scenario.  A scenario that
freezes a parent server holds back every zone of its lab, so those run in a
second lab.  The rotations at the six registrars share playbook runs, one host
per domain, as an operator's inventory would.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import pathlib
import signal
import subprocess
import sys
import threading
import time
import typing as t
from dataclasses import dataclass, field

import pytest

from ansible_collections.dnsops.dnssec.plugins.module_utils import _rotation
from dnslab import Lab, free_net
from dnslab.dnsimple_sim import DnsimpleSimulator
from dnslab.dnsutil import Timeout, answer_rdatas, normalize_ds, query
from dnslab.pytest_plugin import lab_net
from dnslab.sims import simulator_class
from dnslab.sims._base import ds_text

# Minutes of lab work: handed to a worker before the short modules (see dnslab.pytest_plugin).
pytestmark = pytest.mark.long_module

COLLECTIONS = pathlib.Path(os.path.abspath(_rotation.__file__)).parents[5]
BIN = pathlib.Path(sys.executable).parent
REGISTRARS = ["namecom", "porkbun", "gandi", "ovh", "route53", "dnsimple"]

# Child zones of the shared lab: one per registrar of the full rotations and
# one per other scenario that runs at the same time.
SHARED_LAB_ZONES = len(REGISTRARS) + 5
# Child zones of the lab of the scenarios that freeze a parent server.
FREEZING_LAB_ZONES = 2

RECORDER_NAME = "dnsops_test_rotation_recorder"

# Writes, at the end of each playbook run, every domain's rotation_result,
# the recap and the failed tasks to the file named by DNSOPS_TEST_RESULT.
RECORDER = """\
from __future__ import annotations

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "dnsops_test_rotation_recorder"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.results = {}
        self.failed = {}

    def v2_runner_on_ok(self, result):
        facts = result._result.get("ansible_facts") or {}
        if "rotation_result" in facts:
            self.results[result._host.get_name()] = facts["rotation_result"]

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if not ignore_errors:
            self.failed.setdefault(result._host.get_name(), []).append(
                "%s: %s" % (result._task.get_name(), result._result.get("msg", ""))
            )

    def v2_playbook_on_stats(self, stats):
        data = {
            "results": self.results,
            "failed": self.failed,
            "recap": {host: stats.summarize(host) for host in stats.processed},
        }
        with open(os.environ["DNSOPS_TEST_RESULT"], "w") as handle:
            json.dump(data, handle, default=str)
"""


@dataclass
class Run:
    """One ansible-playbook run: its exit code, output, recap and results."""

    returncode: int
    output: str
    recap: dict[str, dict[str, int]] = field(default_factory=dict)
    results: dict[str, dict[str, t.Any]] = field(default_factory=dict)
    failures: dict[str, list[str]] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.returncode != 0

    @property
    def changed(self) -> int:
        return sum(counts.get("changed", 0) for counts in self.recap.values())

    def result(self, zone: str) -> dict[str, t.Any]:
        return self.results.get(zone.rstrip("."), {})

    def changed_for(self, zone: str) -> int:
        return self.recap.get(zone.rstrip("."), {}).get("changed", 0)

    def failed_for(self, zone: str) -> bool:
        """True when the run failed for ``zone`` or reported nothing for it."""
        counts = self.recap.get(zone.rstrip("."), {})
        failed = counts.get("failures") or counts.get("unreachable")
        return bool(failed) or not self.result(zone)


class Registrar:
    """A registrar simulator holding ``zone`` with the DS set the parent serves."""

    def __init__(self, name: str, lab: t.Any, zone: str) -> None:
        self.name = name
        self.zone = zone.rstrip(".")
        if name == "dnsimple":
            self.sim = DnsimpleSimulator(publish=lab.registry.publish)
        else:
            cls = simulator_class(name)
            self.sim = cls(publish=lab.registry.publish, child_keys=lab.child_keys)
        url = self.sim.start()
        self._seed(lab)
        self.env = self._env(url)

    def _seed(self, lab: t.Any) -> None:
        current = lab.registry.get_ds(self.zone)
        signing = [key["dnskey"] for key in lab.child_keys(self.zone) if key["signing"]]
        sim = self.sim
        if self.name in ("namecom", "porkbun"):
            sim.add_domain(self.zone, records=current)
        elif self.name in ("gandi", "ovh"):
            sim.add_domain(self.zone)
            for key in signing:
                sim.add_key(self.zone, key)
        elif self.name == "route53":
            sim.add_domain(self.zone)
            for number, key in enumerate(signing):
                flags, _protocol, algorithm, public_key = key.split(None, 3)
                tag, _alg, _type, digest = ds_text(self.zone, key).split()
                sim.domains[self.zone].append(
                    {
                        "Algorithm": int(algorithm),
                        "Flags": int(flags),
                        "PublicKey": public_key.replace(" ", ""),
                        "DigestType": 2,
                        "Digest": digest,
                        "KeyTag": int(tag),
                        "Id": f"seed-{number}",
                    }
                )
        else:
            domain = sim.add_domain(self.zone, state="registered")
            for number, text in enumerate(current):
                tag, algorithm, digest_type, digest = text.split()
                sim.ds_records[self.zone].append(
                    {
                        "id": 500 + number,
                        "domain_id": domain["id"],
                        "keytag": tag,
                        "algorithm": algorithm,
                        "digest_type": digest_type,
                        "digest": digest,
                        "public_key": None,
                        "created_at": None,
                        "updated_at": None,
                    }
                )

    def _env(self, url: str) -> dict[str, str]:
        creds = self.sim.credentials
        if self.name == "namecom":
            return {
                "NAMECOM_API_URL": url,
                "NAMECOM_USERNAME": creds[0],
                "NAMECOM_TOKEN": creds[1],
            }
        if self.name == "porkbun":
            return {
                "PORKBUN_API_URL": url,
                "PORKBUN_API_KEY": creds[0],
                "PORKBUN_SECRET_API_KEY": creds[1],
            }
        if self.name == "gandi":
            return {"GANDI_API_URL": url, "GANDI_TOKEN": creds}
        if self.name == "ovh":
            return {
                "OVH_API_URL": url,
                "OVH_APPLICATION_KEY": creds[0],
                "OVH_APPLICATION_SECRET": creds[1],
                "OVH_CONSUMER_KEY": creds[2],
            }
        if self.name == "route53":
            return {
                "ROUTE53_API_URL": url,
                "AWS_ACCESS_KEY_ID": creds[0],
                "AWS_SECRET_ACCESS_KEY": creds[1],
                "AWS_REGION": "us-east-1",
            }
        return {
            "DNSIMPLE_API_URL": url,
            "DNSIMPLE_TOKEN": self.sim.token,
            "DNSIMPLE_ACCOUNT": str(self.sim.account_id),
        }

    def ds_texts(self) -> list[str]:
        """The DS set the registrar holds, as texts (computed for key data)."""
        records = self.sim.records(self.zone)
        texts = []
        for record in records:
            if isinstance(record, str):
                texts.append(normalize_ds(record))
            elif "PublicKey" in record:
                key = f"{record['Flags']} 3 {record['Algorithm']} {record['PublicKey']}"
                texts.append(ds_text(self.zone, key))
            elif "publicKey" in record:
                key = f"{record['flags']} 3 {record['algorithm']} {record['publicKey']}"
                texts.append(ds_text(self.zone, key))
            elif "public_key" in record and "flags" in record:
                key = (
                    f"{record['flags']} 3 {record['algorithm']} {record['public_key']}"
                )
                texts.append(ds_text(self.zone, key))
            elif "keytag" in record:
                texts.append(
                    normalize_ds(
                        f"{record['keytag']} {record['algorithm']} "
                        f"{record['digest_type']} {record['digest']}"
                    )
                )
            else:
                texts.append(json.dumps(record, sort_keys=True))
        return sorted(texts)

    def stop(self) -> None:
        self.sim.stop()


class Player:
    """Runs the playbook on the lab for the domains of ``registrars``.

    With one registrar the domain and its registrar are given as ``domain``
    and ``rotation_registrar``; with several, as ``domains`` and the mapping
    ``rotation_registrars``, and every registrar's credentials are in the
    environment of the run.
    """

    def __init__(
        self,
        lab: t.Any,
        registrars: list[Registrar],
        workdir: pathlib.Path,
        callbacks: pathlib.Path,
    ) -> None:
        self.lab = lab
        self.registrars = registrars
        self.registrar = registrars[0]
        self.workdir = workdir
        self.callbacks = callbacks
        self.state_file = workdir / "state.json"
        self.lock_dir = workdir / "locks"
        self.runs = 0
        # A nice value for runs that may yield the CPU to other scenarios' runs.
        self.niceness = 0
        self._count = threading.Lock()

    def variables(self, extra: dict[str, t.Any]) -> dict[str, t.Any]:
        variables: dict[str, t.Any] = {
            "ansible_python_interpreter": sys.executable,
            "rotation_resolvers": [self.lab.resolver_address],
            "rotation_query_timeout": 1.0,
            "rotation_query_retry": 1,
            "rotation_state_file": str(self.state_file),
            "rotation_lock_dir": str(self.lock_dir),
            "rotation_wait_timeout": 30,
            # One look at the parent servers per DS TTL.
            "rotation_poll_interval": self.lab.ds_ttl,
        }
        if len(self.registrars) == 1:
            variables["rotation_registrar"] = self.registrar.name
            variables["domain"] = self.registrar.zone
        else:
            variables["rotation_registrars"] = {
                registrar.zone: registrar.name for registrar in self.registrars
            }
            variables["domains"] = [registrar.zone for registrar in self.registrars]
        variables.update(extra)
        for name in ("domain", "domains"):
            if name in variables and variables[name] is None:
                del variables[name]
        return variables

    def env(self, result_file: pathlib.Path) -> dict[str, str]:
        env = dict(os.environ)
        for registrar in self.registrars:
            env.update(registrar.env)
        env.update(
            ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS),
            ANSIBLE_CALLBACK_PLUGINS=str(self.callbacks),
            ANSIBLE_CALLBACKS_ENABLED=RECORDER_NAME,
            ANSIBLE_FORKS=str(max(5, len(self.registrars))),
            ANSIBLE_LOCALHOST_WARNING="0",
            ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_FORCE_COLOR="0",
            ANSIBLE_RETRY_FILES_ENABLED="0",
            DNSOPS_TEST_RESULT=str(result_file),
        )
        return env

    def start(
        self, *flags: str, **extra: t.Any
    ) -> tuple[subprocess.Popen, pathlib.Path]:
        with self._count:
            self.runs += 1
            result_file = self.workdir / f"result-{self.runs}.json"
        command = [
            *(["nice", "-n", str(self.niceness)] if self.niceness else []),
            str(BIN / "ansible-playbook"),
            "dnsops.dnssec.rotate",
            "-e",
            json.dumps(self.variables(extra)),
            *flags,
        ]
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            command,
            env=self.env(result_file),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        return process, result_file

    @staticmethod
    def finish(process: subprocess.Popen, result_file: pathlib.Path) -> Run:
        output = process.communicate(timeout=600)[0]
        run = Run(process.returncode, output)
        if result_file.exists():
            data = json.loads(result_file.read_text())
            run.recap = data["recap"]
            run.results = data["results"]
            run.failures = data["failed"]
        return run

    def play(self, *flags: str, **extra: t.Any) -> Run:
        return self.finish(*self.start(*flags, **extra))


class Bench:
    """A lab whose child zones scenarios take, one or more each, and their tools.

    Safe to use from several threads: every zone goes to one scenario only.
    """

    def __init__(self, lab: t.Any, workdir: pathlib.Path) -> None:
        self.lab = lab
        self.workdir = workdir
        self.callbacks = workdir / "callbacks"
        self.callbacks.mkdir(parents=True)
        (self.callbacks / f"{RECORDER_NAME}.py").write_text(RECORDER)
        self._free = list(lab.children)
        self._registrars: list[Registrar] = []
        self._lock = threading.Lock()

    def zone(self) -> str:
        """Take a child zone no other scenario uses."""
        with self._lock:
            assert self._free, "the lab has too few child zones for the scenarios"
            return self._free.pop(0)

    def player(self, *pairs: tuple[str, str]) -> Player:
        """A Player for the (registrar, zone) pairs, each at a simulator of its own."""
        registrars = [Registrar(name, self.lab, zone) for name, zone in pairs]
        with self._lock:
            self._registrars.extend(registrars)
            workdir = self.workdir / "-".join(r.zone for r in registrars)[:100]
        workdir.mkdir()
        return Player(self.lab, registrars, workdir, self.callbacks)

    def close(self) -> None:
        """Stop every simulator, all at once (each takes up to half a second)."""
        stopping = [threading.Thread(target=r.stop) for r in self._registrars]
        for thread in stopping:
            thread.start()
        for thread in stopping:
            thread.join()


def parent_ds(lab: t.Any, zone: str) -> dict[str, list[str]]:
    """The DS set each parent server address serves for ``zone``."""
    seen = {}
    for address in lab.parent_addresses:
        try:
            response = query(address, zone, "DS", timeout=2.0)
        except Timeout:
            seen[address] = ["timeout"]
            continue
        seen[address] = sorted(
            normalize_ds(rdata.to_text())
            for rdata in answer_rdatas(response, zone, "DS")
        )
    return seen


def wait_until(check: t.Callable[[], t.Any], timeout: float, what: str) -> t.Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(0.2)


def event_payload(name: str, zone: str, ds: dict[str, t.Any]) -> dict[str, t.Any]:
    """A DNSimple webhook body as the simulator would deliver it."""
    return DnsimpleSimulator().payload(name, zone, ds)


def event_ds_text(ds: dict[str, t.Any]) -> str:
    return normalize_ds(
        f"{ds['keytag']} {ds['algorithm']} {ds['digest_type']} {ds['digest']}"
    )


def rotate_rest(lab: t.Any, player: Player, zone: str, last: Run | None = None) -> Run:
    """Run the playbook until the rotation of ``zone`` is over; the last run.

    Over means the role's phase is stable or complete and the signer, which
    needs nothing more from the role then, has finished.  ``last`` is a run
    the caller just made, which may already have reached that phase.
    """
    deadline = time.monotonic() + 120
    run = last or player.play()
    while True:
        assert not run.failed, run.output
        if run.result(zone)["phase"] in ("stable", "complete"):
            lab.signer.wait(zone, "done", timeout=60)
            return run
        assert time.monotonic() < deadline, run.output
        time.sleep(1)
        run = player.play()


# Scenarios: each function named after its test without "test_" takes a
# Bench and raises on failure.  FREEZING lists those that freeze a parent
# server: they share a lab of their own, where each freezes a different parent
# server and checks only what holds whichever other parent server lags.

FREEZING = (
    "run_killed_between_adding_and_checking_converges",
    "early_rotation_complete_removes_nothing",
)


@dataclass
class Rotation:
    """What the full rotation of one zone at one registrar showed."""

    registrar: str
    zone: str
    old: list[str]
    meter: t.Any
    runs: list[Run] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    final: Run | None = None
    new: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    parent: dict[str, list[str]] = field(default_factory=dict)

    def results(self) -> list[dict[str, t.Any]]:
        return [run.result(self.zone) for run in self.runs]


def full_rotation_driven_only_by_the_role(
    bench: Bench, registrar: list[str]
) -> dict[str, Rotation]:
    """Rotate one zone at each registrar, every zone in the same playbook runs.

    After a run that changed something for a zone the next run follows at
    once: it must not repeat any of it.  A zone is over once a run that
    started after the signer finished its rotation changes nothing and finds
    the phase stable.  A problem of one zone is noted for its registrar and
    the other zones go on.
    """
    lab = bench.lab
    pairs = [(name, bench.zone()) for name in registrar]
    player = bench.player(*pairs)
    # The bulk of the module's work, in few steps: the scenarios that go step
    # by step come first.
    player.niceness = 10
    # The other domains are hosted at DNSimple, as every domain of this role is.
    for hosting in player.registrars:
        if hosting.name == "dnsimple":
            for other in player.registrars:
                if other is not hosting:
                    hosting.sim.add_domain(other.zone)
    rotations = {
        zone: Rotation(name, zone, lab.registry.get_ds(zone), lab.meter([zone]))
        for name, zone in pairs
    }
    for rotation in rotations.values():
        rotation.meter.start()
    try:
        for zone in rotations:
            lab.signer.start_rotation(zone)
        for zone in rotations:
            lab.signer.wait(zone, "waiting_new_ds", timeout=60)
        drive_rotations(lab, player, rotations)
    finally:
        for rotation in rotations.values():
            rotation.meter.stop()
    for registrar_ in player.registrars:
        rotation = rotations[registrar_.zone + "."]
        rotation.new = lab.registry.get_ds(rotation.zone)
        rotation.held = registrar_.ds_texts()
        rotation.parent = parent_ds(lab, rotation.zone)
    return {rotation.registrar: rotation for rotation in rotations.values()}


def drive_rotations(lab: t.Any, player: Player, rotations: dict[str, Rotation]) -> None:
    active = list(rotations)
    deadline = time.monotonic() + 600
    while active:
        over = {z for z in active if lab.signer.rotation_state(z)["phase"] == "done"}
        run = player.play(domains=[zone.rstrip(".") for zone in active])
        acted = False
        for zone in list(active):
            rotation = rotations[zone]
            if run.failed_for(zone):
                failures = run.failures.get(zone.rstrip("."), [])
                rotation.problems.append(
                    f"the run failed for {zone}: {failures}\n{run.output}"
                )
                active.remove(zone)
                continue
            result = run.result(zone)
            if rotation.runs:
                rotation.problems.extend(repeated(rotation.runs[-1], run, zone))
            rotation.runs.append(run)
            if result["added"] or result["removed"]:
                acted = True
            elif zone in over and result["phase"] == "stable":
                if run.changed_for(zone):
                    rotation.problems.append(f"the last run changed:\n{run.output}")
                rotation.final = run
                active.remove(zone)
        if active and time.monotonic() > deadline:
            for zone in active:
                rotations[zone].problems.append(
                    f"no end of the rotation: {run.result(zone)}"
                )
            return
        if not acted:
            time.sleep(1)


def repeated(before: Run, after: Run, zone: str) -> list[str]:
    """What ``after``, run at once after ``before``, did again for ``zone``."""
    done, redo = before.result(zone), after.result(zone)
    if not done["added"] and not done["removed"]:
        return []
    problems = []
    if set(done["added"]) & set(redo["added"]):
        problems.append(f"added again: {redo['added']}\n{after.output}")
    if set(done["removed"]) & set(redo["removed"]):
        problems.append(f"removed again: {redo['removed']}\n{after.output}")
    if not redo["added"] and not redo["removed"] and after.changed_for(zone):
        problems.append(f"changed with nothing to do:\n{after.output}")
    return problems


def run_killed_between_adding_and_checking_converges(bench: Bench) -> None:
    lab = bench.lab
    zone = bench.zone()
    player = bench.player(("dnsimple", zone))
    old = lab.registry.get_ds(zone)
    lab.signer.start_rotation(zone)
    state = lab.signer.wait(zone, "waiting_new_ds", timeout=60)
    new = event_ds_text(state["new_ds"])
    # A lagging parent server holds the run in its check of the parent.
    lab.freeze(lab.addresses.tld_secondary)
    try:
        process = player.start()[0]
        try:
            wait_until(
                lambda: new in player.registrar.ds_texts()
                or process.poll() is not None,
                180,
                "the DS at the registrar",
            )
            time.sleep(1)
            assert process.poll() is None, "the run ended before it could be killed"
            assert new in player.registrar.ds_texts()
        finally:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
        lock = player.lock_dir / f"{zone.rstrip('.')}.lock"
        assert lock.is_dir(), "the killed run left no lock behind"
    finally:
        lab.thaw(lab.addresses.tld_secondary)

    again = player.play()
    assert not again.failed, again.output
    result = again.result(zone)
    assert result["phase_before"] in ("submitted", "published"), again.output
    assert result["added"] == [], again.output
    assert player.registrar.ds_texts().count(new) <= 1
    assert not lock.exists()
    rotate_rest(lab, player, zone, again)
    assert lab.registry.get_ds(zone) == [new] != old


def early_rotation_complete_removes_nothing(bench: Bench) -> None:
    lab = bench.lab
    zone = bench.zone()
    player = bench.player(("namecom", zone))
    [old] = lab.registry.get_ds(zone)
    lab.signer.start_rotation(zone)
    state = lab.signer.wait(zone, "waiting_new_ds", timeout=60)
    new = event_ds_text(state["new_ds"])
    lagging = lab.addresses.tld_secondary6
    lab.freeze(lagging)
    try:
        added = player.play(rotation_wait_timeout=2)
        assert not added.failed, added.output
        assert added.result(zone)["added"] == [new]
        assert added.result(zone)["phase"] == "submitted", added.output

        # DNSimple's (or a forger's) rotation_complete, while one parent server
        # still lacks the new DS: the old DS must stay everywhere.
        complete = event_payload("dnssec.rotation_complete", zone, state["old_ds"])
        early = player.play(rotation_event=complete, rotation_wait_timeout=2)
        assert not early.failed, early.output
        assert early.result(zone)["removed"] == [], early.output
        assert early.changed == 0, early.output
        assert old in player.registrar.ds_texts()
        assert all(old in ds_set for ds_set in parent_ds(lab, zone).values())
        assert new not in parent_ds(lab, zone)[lagging]
    finally:
        lab.thaw(lagging)
    rotate_rest(lab, player, zone)


def duplicate_webhook_deliveries_change_nothing(bench: Bench) -> None:
    lab = bench.lab
    zone = bench.zone()
    player = bench.player(("porkbun", zone))
    events: list[dict[str, t.Any]] = []
    lab.signer.add_listener(
        lambda name, event_zone, ds: (
            events.append(event_payload(name, event_zone, ds))
            if event_zone == zone
            else None
        )
    )
    meter = lab.meter([zone])
    meter.start()
    lab.signer.start_rotation(zone)
    handled = 0
    deadline = time.monotonic() + 180
    try:
        while lab.signer.rotation_state(zone)["phase"] != "done":
            assert time.monotonic() < deadline, lab.signer.rotation_state(zone)
            if handled == len(events):
                time.sleep(0.2)
                continue
            event = events[handled]
            handled += 1
            # DNSimple delivers the same webhook twice: once as ansible-rulebook
            # hands it over, once as an automation controller's extra variable.
            first = player.play(ansible_eda={"event": {"payload": event}}, domain=None)
            second = player.play(rotation_event=json.dumps(event), domain=None)
            assert not first.failed and not second.failed, first.output + second.output
            assert second.result(zone)["added"] == [], second.output
            assert second.result(zone)["removed"] == [], second.output
            assert second.changed == 0, second.output
            if event["name"] == "dnssec.rotation_start":
                assert first.result(zone)["added"], first.output
            else:
                assert first.result(zone)["removed"] or first.result(zone)[
                    "phase_before"
                ] in ("retiring", "complete", "stable"), first.output
    finally:
        meter.stop()
    assert [event["name"] for event in events] == [
        "dnssec.rotation_start",
        "dnssec.rotation_complete",
    ]
    assert meter.servfail_count == 0, meter.failures


def two_runs_at_once_end_as_one_run(bench: Bench) -> None:
    lab = bench.lab
    zone = bench.zone()
    player = bench.player(("dnsimple", zone))
    lab.signer.start_rotation(zone)
    state = lab.signer.wait(zone, "waiting_new_ds", timeout=60)
    new = event_ds_text(state["new_ds"])

    started = [player.start(), player.start()]
    runs = [player.finish(*pair) for pair in started]
    for run in runs:
        assert not run.failed, run.output
    results = [run.result(zone) for run in runs]
    assert sum(len(result["added"]) for result in results) == 1, results
    assert {result["phase"] for result in results} <= {"complete", "stable"}, results
    # DNSimple keeps a second copy of a record added twice: there is one.
    assert player.registrar.ds_texts() == [new]
    assert lab.registry.get_ds(zone) == [new]


def broken_chain_fails_with_what_to_do(bench: Bench) -> None:
    lab = bench.lab
    zone = bench.zone()
    player = bench.player(("namecom", zone))
    good = lab.registry.get_ds(zone)
    stranger = "12345 13 2 " + "5A" * 32
    lab.registry.set_ds(zone, [stranger])
    try:
        run = player.play()
    finally:
        lab.registry.set_ds(zone, good)
    assert run.failed
    assert f"{zone.rstrip('.')} is broken" in run.output
    assert "SERVFAIL" in run.output
    [key] = [key for key in lab.child_keys(zone) if key["signing"]]
    assert f"the DS of KSK {key['keytag']}" in run.output, run.output
    assert run.changed == 0
    assert player.registrar.ds_texts() == good


def stuck_rotation_fails_before_the_window_ends(bench: Bench) -> None:
    lab = bench.lab
    zone = bench.zone()
    player = bench.player(("namecom", zone))
    lab.signer.start_rotation(zone)
    lab.signer.wait(zone, "waiting_new_ds", timeout=60)

    # A run that only looks (manual registrar) records the rotation's start.
    first = player.play(rotation_registrar="manual")
    assert not first.failed, first.output
    assert first.result(zone)["phase"] == "rotation_started"
    assert first.result(zone)["instructions"], first.output

    data = json.loads(player.state_file.read_text())
    [key] = [name for name in data["domains"] if name.rstrip(".") == zone.rstrip(".")]
    data["domains"][key]["rotation_started_at"] = time.time() - 6.5 * 86400
    player.state_file.write_text(json.dumps(data))
    stuck = player.play(rotation_registrar="manual")
    assert stuck.failed
    assert "is stuck in phase rotation_started" in stuck.output, stuck.output
    assert "add it in the registrar web form" in stuck.output, stuck.output
    assert stuck.changed == 0


def check_mode_writes_nothing(bench: Bench) -> None:
    lab = bench.lab
    zone = bench.zone()
    player = bench.player(("gandi", zone))
    before = player.registrar.ds_texts()
    lab.signer.start_rotation(zone)
    state = lab.signer.wait(zone, "waiting_new_ds", timeout=60)
    new = event_ds_text(state["new_ds"])

    checked = player.play("--check")
    assert not checked.failed, checked.output
    assert checked.result(zone)["phase"] == "rotation_started", checked.output
    assert checked.result(zone)["added"] == [new], "check mode tells what it would add"
    assert player.registrar.ds_texts() == before
    assert player.registrar.sim.writes() == []
    assert all(new not in ds_set for ds_set in parent_ds(lab, zone).values())
    assert not (player.lock_dir / f"{zone.rstrip('.')}.lock").exists()
    rotate_rest(lab, player, zone)


# Running the scenarios ------------------------------------------------------


class Outcomes:
    """The scenarios of the selected tests, running or over, by test name."""

    def __init__(self, futures: dict[str, concurrent.futures.Future]) -> None:
        self._futures = futures

    def of(self, request: pytest.FixtureRequest) -> t.Any:
        """Wait for the scenario of the calling test; return its value.

        A scenario that failed raises its error here, in its test.
        """
        return self._futures[request.node.originalname].result()


def selected_scenarios(
    request: pytest.FixtureRequest,
) -> dict[str, dict[str, list[t.Any]]]:
    """Test name -> its parameters (name -> values) of this module's selected tests."""
    selected: dict[str, dict[str, list[t.Any]]] = {}
    for item in request.session.items:
        if getattr(item, "module", None) is not request.module:
            continue
        params = selected.setdefault(item.originalname, {})
        callspec = getattr(item, "callspec", None)
        for name, value in (callspec.params if callspec else {}).items():
            params.setdefault(name, []).append(value)
    return selected


@pytest.fixture(scope="module")
def freezing_lab(dns_lab: t.Any) -> t.Iterator[t.Any]:
    """A second lab, for the scenarios that freeze one of its parent servers."""
    net = free_net(dns_lab.net + 1)
    lab = Lab(net=net, children=FREEZING_LAB_ZONES)
    lab.start()
    try:
        yield lab
    finally:
        lab.stop()


@pytest.fixture(scope="module")
def dns_lab() -> t.Iterator[t.Any]:
    """The module's lab, with a child zone for every scenario that runs at once."""
    lab = Lab(net=lab_net(), children=SHARED_LAB_ZONES)
    lab.start()
    try:
        yield lab
    finally:
        lab.stop()


@pytest.fixture(scope="module")
def outcomes(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> t.Iterator[Outcomes]:
    """Start the scenarios of the module's selected tests, all at once."""
    selected = selected_scenarios(request)
    pool = concurrent.futures.ThreadPoolExecutor(len(selected) or 1)
    benches: dict[str, Bench] = {}
    futures = {}
    for test_name, params in selected.items():
        name = test_name.removeprefix("test_")
        lab = "freezing_lab" if name in FREEZING else "dns_lab"
        if lab not in benches:
            workdir = tmp_path_factory.mktemp(lab)
            benches[lab] = Bench(request.getfixturevalue(lab), workdir)
        futures[test_name] = pool.submit(globals()[name], benches[lab], **params)
    try:
        yield Outcomes(futures)
    finally:
        pool.shutdown(wait=True)
        for bench in benches.values():
            bench.close()


# The tests ------------------------------------------------------------------


@pytest.mark.parametrize("registrar", REGISTRARS)
def test_full_rotation_driven_only_by_the_role(
    request: pytest.FixtureRequest, outcomes: Outcomes, registrar: str
) -> None:
    """The role alone takes the zone at ``registrar`` through its rotation."""
    rotation = outcomes.of(request)[registrar]
    if rotation.problems:
        pytest.fail(f"{registrar}: " + "\n".join(rotation.problems))

    phases = [result["phase_before"] for result in rotation.results()]
    assert "rotation_started" in phases, phases
    assert sum(len(result["added"]) for result in rotation.results()) == 1
    assert sum(len(result["removed"]) for result in rotation.results()) >= 1
    assert rotation.final is not None
    assert rotation.final.result(rotation.zone)["phase"] == "stable"
    assert rotation.final.changed_for(rotation.zone) == 0, rotation.final.output
    assert rotation.new != rotation.old and len(rotation.new) == 1
    assert set(rotation.held) == set(rotation.new)
    assert rotation.meter.queries > 0
    assert rotation.meter.servfail_count == 0, rotation.meter.failures
    assert all(ds == rotation.new for ds in rotation.parent.values()), rotation.parent


def test_run_killed_between_adding_and_checking_converges(
    request: pytest.FixtureRequest, outcomes: Outcomes
) -> None:
    """A run killed after adding the DS leaves nothing that a new run repeats."""
    outcomes.of(request)


def test_early_rotation_complete_removes_nothing(
    request: pytest.FixtureRequest, outcomes: Outcomes
) -> None:
    """A rotation_complete before every parent server has the new DS removes nothing."""
    outcomes.of(request)


def test_duplicate_webhook_deliveries_change_nothing(
    request: pytest.FixtureRequest, outcomes: Outcomes
) -> None:
    """The second delivery of each webhook changes nothing."""
    outcomes.of(request)


def test_two_runs_at_once_end_as_one_run(
    request: pytest.FixtureRequest, outcomes: Outcomes
) -> None:
    """Two runs started at once add the new DS once."""
    outcomes.of(request)


def test_broken_chain_fails_with_what_to_do(
    request: pytest.FixtureRequest, outcomes: Outcomes
) -> None:
    """A broken chain of trust fails the run with the repair and changes nothing."""
    outcomes.of(request)


def test_stuck_rotation_fails_before_the_window_ends(
    request: pytest.FixtureRequest, outcomes: Outcomes
) -> None:
    """A rotation that does not move fails before DNSimple's window ends."""
    outcomes.of(request)


def test_check_mode_writes_nothing(
    request: pytest.FixtureRequest, outcomes: Outcomes
) -> None:
    """Check mode tells what it would add and writes nothing."""
    outcomes.of(request)
