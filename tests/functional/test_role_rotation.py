# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""The role dnsops.dnssec.rotation and the playbook dnsops.dnssec.rotate on the lab.

The lab's signer rotates a child zone's KSK the way DNSimple does; a registrar
simulator publishes what the role writes into the lab's ``test.`` zone; the
playbook runs through ``ansible-playbook`` as an operator would run it, and the
validating resolver's outage meter counts every SERVFAIL on the way.
"""

from __future__ import annotations

import importlib
import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import time
import typing as t
from dataclasses import dataclass, field

import pytest

from ansible_collections.dnsops.dnssec.plugins.module_utils import _rotation
from dnslab.dnsimple_sim import DnsimpleSimulator
from dnslab.dnsutil import Timeout, answer_rdatas, normalize_ds, query
from dnslab.sims import simulator_class
from dnslab.sims._base import ds_text

COLLECTIONS = pathlib.Path(os.path.abspath(_rotation.__file__)).parents[5]
BIN = pathlib.Path(sys.executable).parent
REGISTRARS = ["namecom", "porkbun", "gandi", "ovh", "route53", "dnsimple"]
SIM_CLASSES = {"route53": "Route53DomainsSimulator"}

# Wraps the collection's playbook and writes each domain's rotation_result to
# a file, so that tests read the outcome as data.
WRAPPER = """---
- name: The collection's playbook
  ansible.builtin.import_playbook: dnsops.dnssec.rotate

- name: Write the outcome
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Write rotation_result of every domain
      ansible.builtin.copy:
        dest: "{{ result_file }}"
        content: "{{ dict(groups['dnsops_dnssec_rotate'] | default([])
                     | zip(groups['dnsops_dnssec_rotate'] | default([])
                           | map('extract', hostvars) | map(attribute='rotation_result', default={}))) | to_json }}"
        mode: "0600"
      check_mode: false
"""


@dataclass
class Run:
    """One ansible-playbook run: its exit code, output, recap and results."""

    returncode: int
    output: str
    recap: dict[str, dict[str, int]]
    results: dict[str, dict[str, t.Any]] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.returncode != 0

    @property
    def changed(self) -> int:
        # localhost only writes the test's result file.
        return sum(
            counts.get("changed", 0)
            for host, counts in self.recap.items()
            if host != "localhost"
        )

    def result(self, zone: str) -> dict[str, t.Any]:
        return self.results.get(zone.rstrip("."), {})


def parse_recap(output: str) -> dict[str, dict[str, int]]:
    recap = {}
    for line in output.split("PLAY RECAP")[-1].splitlines():
        match = re.match(r"^(\S+)\s+:\s+(.*)$", line.strip())
        if match:
            counts = dict(re.findall(r"(\w+)=(\d+)", match.group(2)))
            recap[match.group(1)] = {key: int(value) for key, value in counts.items()}
    return recap


class Registrar:
    """A registrar simulator holding ``zone`` with the DS set the parent serves."""

    def __init__(self, name: str, lab: t.Any, zone: str) -> None:
        self.name = name
        self.zone = zone.rstrip(".")
        if name == "dnsimple":
            self.sim = DnsimpleSimulator(publish=lab.registry.publish)
        else:
            if name in SIM_CLASSES:
                module = importlib.import_module(f"dnslab.sims.{name}")
                cls = getattr(module, SIM_CLASSES[name])
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
    """Runs the playbook for the lab with one registrar's credentials."""

    def __init__(self, lab: t.Any, registrar: Registrar, workdir: pathlib.Path):
        self.lab = lab
        self.registrar = registrar
        self.workdir = workdir
        self.state_file = workdir / "state.json"
        self.lock_dir = workdir / "locks"
        self.wrapper = workdir / "wrapper.yml"
        self.wrapper.write_text(WRAPPER)
        self.runs = 0

    def command(self, extra: dict[str, t.Any], result_file: pathlib.Path) -> list[str]:
        variables = {
            "ansible_python_interpreter": sys.executable,
            "rotation_registrar": self.registrar.name,
            "rotation_resolvers": [self.lab.resolver_address],
            "rotation_query_timeout": 1.0,
            "rotation_query_retry": 1,
            "rotation_state_file": str(self.state_file),
            "rotation_lock_dir": str(self.lock_dir),
            "rotation_wait_timeout": 30,
            "rotation_poll_interval": 1,
            "domain": self.registrar.zone,
            "result_file": str(result_file),
        }
        variables.update(extra)
        if variables["domain"] is None:
            del variables["domain"]
        return [
            str(BIN / "ansible-playbook"),
            str(self.wrapper),
            "-e",
            json.dumps(variables),
        ]

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(self.registrar.env)
        env.update(
            ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS),
            ANSIBLE_LOCALHOST_WARNING="0",
            ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_FORCE_COLOR="0",
            ANSIBLE_RETRY_FILES_ENABLED="0",
        )
        return env

    def start(
        self, *flags: str, **extra: t.Any
    ) -> tuple[subprocess.Popen, pathlib.Path]:
        self.runs += 1
        result_file = self.workdir / f"result-{self.runs}.json"
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            self.command(extra, result_file) + list(flags),
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        return process, result_file

    def finish(self, process: subprocess.Popen, result_file: pathlib.Path) -> Run:
        output = process.communicate(timeout=600)[0]
        run = Run(process.returncode, output, parse_recap(output))
        if result_file.exists():
            run.results = json.loads(result_file.read_text())
        return run

    def play(self, *flags: str, **extra: t.Any) -> Run:
        return self.finish(*self.start(*flags, **extra))


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


def finish_rotation(lab: t.Any, zone: str) -> None:
    """Take a rotation a test left half-way to its end, by hand."""
    state = lab.signer.rotation_state(zone)
    if state["phase"] in ("idle", "done", "failed", "stopped"):
        return
    state = lab.signer.wait(zone, "waiting_new_ds", timeout=60)
    new = event_ds_text(state["new_ds"])
    if state["phase"] == "waiting_new_ds":
        lab.registry.set_ds(zone, [*lab.registry.get_ds(zone), new])
        lab.signer.wait(zone, "waiting_old_ds_gone", timeout=60)
    lab.registry.set_ds(zone, [new])
    lab.signer.wait(zone, "done", timeout=60)


@pytest.fixture
def rotation_lab(clean_faults):
    """The session lab; rotations a test left half-way are finished afterwards."""
    lab = clean_faults
    yield lab
    lab.faults.clear()
    for address in lab.parent_addresses:
        if lab.server_for(address).name in lab.frozen:
            lab.thaw(address)
    for zone in lab.children:
        finish_rotation(lab, zone)
    lab.flush_resolver()


@pytest.fixture
def player_for(rotation_lab, tmp_path):
    """Make a Player for (registrar, zone); stops its simulator afterwards."""
    made: list[Registrar] = []

    def make(name: str, zone: str) -> Player:
        registrar = Registrar(name, rotation_lab, zone)
        made.append(registrar)
        workdir = tmp_path / f"{name}-{zone.strip('.')}"
        workdir.mkdir()
        return Player(rotation_lab, registrar, workdir)

    yield make
    for registrar in made:
        registrar.stop()


def assert_rerun_repeats_nothing(player: Player, first: Run, zone: str) -> Run:
    """Run again at once: nothing done by ``first`` is done a second time."""
    again = player.play()
    assert not again.failed, again.output
    done, redo = first.result(zone), again.result(zone)
    assert not set(done["added"]) & set(redo["added"]), again.output
    assert not set(done["removed"]) & set(redo["removed"]), again.output
    if not redo["added"] and not redo["removed"]:
        assert again.changed == 0, again.output
    return again


def rotate_with_role(lab: t.Any, player: Player, zone: str) -> list[Run]:
    """Start a rotation of ``zone`` and run the playbook until it is over.

    After every run that changed something the playbook runs again at once;
    that run must not repeat anything.  Returns every run.
    """
    old = lab.registry.get_ds(zone)
    lab.signer.start_rotation(zone)
    lab.signer.wait(zone, "waiting_new_ds", timeout=60)
    runs = []
    deadline = time.monotonic() + 240
    while True:
        run = player.play()
        assert not run.failed, run.output
        runs.append(run)
        result = run.result(zone)
        if result["added"] or result["removed"]:
            runs.append(assert_rerun_repeats_nothing(player, run, zone))
        done = lab.signer.rotation_state(zone)["phase"] == "done"
        if done and result["phase"] in ("stable", "complete"):
            break
        assert time.monotonic() < deadline, f"no end of the rotation: {result}"
        time.sleep(1)
    final = player.play()
    assert not final.failed, final.output
    assert final.changed == 0, final.output
    assert final.result(zone)["phase"] == "stable", final.output
    new = lab.registry.get_ds(zone)
    assert new != old and len(new) == 1
    assert set(player.registrar.ds_texts()) == set(new)
    return runs + [final]


@pytest.mark.parametrize("registrar", REGISTRARS)
def test_full_rotation_driven_only_by_the_role(
    rotation_lab, player_for, registrar
) -> None:
    lab = rotation_lab
    zone = lab.children[0]
    player = player_for(registrar, zone)
    meter = lab.meter([zone])
    meter.start()
    try:
        runs = rotate_with_role(lab, player, zone)
    finally:
        meter.stop()

    phases = [run.result(zone)["phase_before"] for run in runs]
    assert "rotation_started" in phases, phases
    assert sum(len(run.result(zone)["added"]) for run in runs) == 1
    assert sum(len(run.result(zone)["removed"]) for run in runs) >= 1
    assert meter.queries > 0
    assert meter.servfail_count == 0, meter.failures
    assert all(ds == lab.registry.get_ds(zone) for ds in parent_ds(lab, zone).values())


def test_run_killed_between_adding_and_checking_converges(rotation_lab, player_for):
    lab = rotation_lab
    zone = lab.children[1]
    player = player_for("dnsimple", zone)
    old = lab.registry.get_ds(zone)
    lab.signer.start_rotation(zone)
    state = lab.signer.wait(zone, "waiting_new_ds", timeout=60)
    new = event_ds_text(state["new_ds"])
    # A lagging parent server holds the run in its check of the parent.
    lab.freeze(lab.addresses.tld_secondary)
    process = player.start()[0]
    try:
        wait_until(
            lambda: new in player.registrar.ds_texts(), 60, "the DS at the registrar"
        )
        time.sleep(1)
        assert process.poll() is None, "the run ended before it could be killed"
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
    lock = player.lock_dir / f"{zone.rstrip('.')}.lock"
    assert lock.is_dir(), "the killed run left no lock behind"
    lab.thaw(lab.addresses.tld_secondary)

    again = player.play()
    assert not again.failed, again.output
    result = again.result(zone)
    assert result["phase_before"] in ("submitted", "published"), again.output
    assert result["added"] == [], again.output
    assert player.registrar.ds_texts().count(new) <= 1
    assert not lock.exists()
    rotate_rest(lab, player, zone)
    assert lab.registry.get_ds(zone) == [new] != old


def rotate_rest(lab: t.Any, player: Player, zone: str) -> None:
    """Run the playbook until the rotation of ``zone`` is over."""
    deadline = time.monotonic() + 120
    while True:
        run = player.play()
        assert not run.failed, run.output
        if lab.signer.rotation_state(zone)["phase"] == "done":
            if run.result(zone)["phase"] in ("stable", "complete"):
                return
        assert time.monotonic() < deadline, run.output
        time.sleep(1)


def test_early_rotation_complete_removes_nothing(rotation_lab, player_for):
    lab = rotation_lab
    zone = lab.children[1]
    player = player_for("namecom", zone)
    [old] = lab.registry.get_ds(zone)
    lab.signer.start_rotation(zone)
    state = lab.signer.wait(zone, "waiting_new_ds", timeout=60)
    new = event_ds_text(state["new_ds"])
    lagging = lab.addresses.tld_secondary6
    lab.freeze(lagging)

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

    lab.thaw(lagging)
    rotate_rest(lab, player, zone)


def test_duplicate_webhook_deliveries_change_nothing(rotation_lab, player_for):
    lab = rotation_lab
    zone = lab.children[2]
    player = player_for("porkbun", zone)
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


def test_two_runs_at_once_end_as_one_run(rotation_lab, player_for):
    lab = rotation_lab
    zone = lab.children[0]
    player = player_for("dnsimple", zone)
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


def test_broken_chain_fails_with_what_to_do(rotation_lab, player_for):
    lab = rotation_lab
    zone = lab.children[2]
    player = player_for("namecom", zone)
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


def test_stuck_rotation_fails_before_the_window_ends(rotation_lab, player_for):
    lab = rotation_lab
    zone = lab.children[2]
    player = player_for("namecom", zone)
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


def test_check_mode_writes_nothing(rotation_lab, player_for):
    lab = rotation_lab
    zone = lab.children[1]
    player = player_for("gandi", zone)
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
