# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""A KSK rotation from DNSimple's webhooks to its end, through ansible-rulebook.

The lab's signer rotates a child zone's KSK the way DNSimple does and hands
each event to the DNSimple simulator, which delivers it twice to the event
source's URL and retries while nobody answers.  ansible-rulebook runs the
collection's rulebook, unchanged, with the event source on loopback; the rule
runs the playbook ``dnsops.dnssec.rotate``, which talks to a Name.com
simulator that publishes into the lab's ``test.`` zone.  A callback plugin,
enabled through the environment, writes down what each playbook run did.

Deliveries with a wrong token, malformed JSON or an oversized body are answered
404, 400 and 413 and start no playbook run: ``test_eda_source.py`` covers them.
This module adds well-formed deliveries with the right token whose DS matches
no key the child servers publish: once the rotation is over, when the run has
nothing to do, and while another zone's rotation has started, when the run
must name the new KSK's DS and never the forged one.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import typing as t
import urllib.error
import urllib.request
from pathlib import Path

import dns.dnssec
import dns.name
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from dnslab.dnsimple_sim import DnsimpleSimulator
from dnslab.dnsutil import normalize_ds
from dnslab.sims.namecom import NameComSimulator

ROOT = Path(__file__).resolve().parents[2]
RULEBOOK = ROOT / "extensions" / "eda" / "rulebooks" / "dnsimple_rotation_playbook.yml"
TOKEN = "eda-rotation-token-6b1f0c2d9e8a7b3c4d5e"
RECORDER_NAME = "dnsops_test_run_recorder"

# Writes one JSON file per playbook run: the event it was started for, the
# event judgement of the first dnssec_rotation_info call, each domain's
# rotation_result, the failed tasks and the recap.
RECORDER = """\
from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "dnsops_test_run_recorder"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.run = {"started": time.time(), "delivery": None, "events": {},
                    "results": {}, "failed": []}

    def v2_playbook_on_play_start(self, play):
        if self.run["delivery"] is None:
            extra = play.get_variable_manager().extra_vars
            event = (extra.get("ansible_eda") or {}).get("event") or {}
            self.run["delivery"] = (event.get("meta") or {}).get("delivery") or {}

    def v2_runner_on_ok(self, result):
        host = result._host.get_name()
        data = result._result
        facts = data.get("ansible_facts") or {}
        if "rotation_result" in facts:
            self.run["results"][host] = facts["rotation_result"]
        domains = data.get("domains") or []
        if result._task.action.endswith("dnssec_rotation_info") and domains:
            self.run["events"].setdefault(host, domains[0].get("event"))

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if not ignore_errors:
            self.run["failed"].append(
                [result._host.get_name(), result._task.get_name(),
                 str(result._result.get("msg", ""))]
            )

    def v2_playbook_on_stats(self, stats):
        self.run["recap"] = {host: stats.summarize(host) for host in stats.processed}
        self.run["ended"] = time.time()
        path = os.path.join(
            os.environ["DNSOPS_TEST_RUNS"], "run-%d.json" % time.time_ns()
        )
        with open(path + ".tmp", "w") as handle:
            json.dump(self.run, handle, default=str)
        os.rename(path + ".tmp", path)
"""


def wait_until(check: t.Callable[[], t.Any], timeout: float, what: str) -> t.Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(0.2)


def post(url: str, body: bytes) -> tuple[int, dict[str, t.Any]]:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def event_ds(ds: t.Mapping[str, t.Any]) -> str:
    return normalize_ds(
        f"{ds['keytag']} {ds['algorithm']} {ds['digest_type']} {ds['digest']}"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Rulebook:
    """ansible-rulebook with the collection's rulebook, event source and playbook."""

    def __init__(
        self,
        workdir: Path,
        lab: t.Any,
        namecom: NameComSimulator,
    ) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/dnsimple/{TOKEN}"
        self.runs_dir = workdir / "runs"
        self.runs_dir.mkdir()
        self.log = workdir / "rulebook.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.command = [
            shutil.which("ansible-rulebook")
            or str(Path(sys.executable).parent / "ansible-rulebook"),
            "-r",
            str(RULEBOOK),
            "-i",
            str(self._inventory(lab)),
            "--vars",
            str(self._variables()),
        ]
        self.env = self._env(namecom)

    def _variables(self) -> Path:
        path = self.workdir / "vars.yml"
        path.write_text(
            json.dumps(
                {
                    "dnsimple_webhook_token": TOKEN,
                    "dnsimple_webhook_host": "127.0.0.1",
                    "dnsimple_webhook_port": self.port,
                    "dnsimple_webhook_state_file": str(self.workdir / "seen.json"),
                }
            )
        )
        return path

    def _inventory(self, lab: t.Any) -> Path:
        # The playbook's variables, as an operator keeps them in group_vars.
        path = self.workdir / "inventory.yml"
        path.write_text(
            json.dumps(
                {
                    "all": {
                        "hosts": {"localhost": {"ansible_connection": "local"}},
                        "vars": {
                            "ansible_python_interpreter": sys.executable,
                            "rotation_registrar": "namecom",
                            # The second zone only gets instructions.
                            "rotation_registrars": {
                                lab.children[1].rstrip("."): "manual"
                            },
                            "rotation_resolvers": [lab.resolver_address],
                            "rotation_query_timeout": 1.0,
                            "rotation_query_retry": 1,
                            "rotation_state_file": str(self.workdir / "state.json"),
                            "rotation_lock_dir": str(self.workdir / "locks"),
                            "rotation_wait_timeout": 30,
                            # One look at the parent servers per DS TTL.
                            "rotation_poll_interval": lab.ds_ttl,
                        },
                    }
                }
            )
        )
        return path

    def _env(self, namecom: NameComSimulator) -> dict[str, str]:
        collections = self.workdir / "collections"
        (collections / "ansible_collections" / "dnsops").mkdir(parents=True)
        (collections / "ansible_collections" / "dnsops" / "dnssec").symlink_to(ROOT)
        callbacks = self.workdir / "callbacks"
        callbacks.mkdir()
        (callbacks / f"{RECORDER_NAME}.py").write_text(RECORDER)
        user, token = namecom.credentials
        env = dict(os.environ)
        env.update(
            PATH=f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
            ANSIBLE_COLLECTIONS_PATH=str(collections),
            ANSIBLE_CALLBACK_PLUGINS=str(callbacks),
            ANSIBLE_CALLBACKS_ENABLED=RECORDER_NAME,
            ANSIBLE_LOCALHOST_WARNING="0",
            ANSIBLE_NOCOLOR="1",
            DNSOPS_TEST_RUNS=str(self.runs_dir),
            NAMECOM_API_URL=namecom.url,
            NAMECOM_USERNAME=user,
            NAMECOM_TOKEN=token,
        )
        return env

    def start(self) -> None:
        """Start ansible-rulebook unless it runs; return once it listens."""
        if self.process is None:
            with open(self.log, "ab") as log:
                self.process = subprocess.Popen(  # noqa: S603
                    self.command,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=self.workdir,
                    start_new_session=True,
                )
        wait_until(self.listening, 90, "the event source to listen")

    def listening(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            pytest.fail(f"ansible-rulebook exited:\n{self.log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        # A playbook run that outlived ansible-rulebook is in its session.
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process = None

    def runs(self) -> list[dict[str, t.Any]]:
        """The finished playbook runs, oldest first."""
        return [
            json.loads(path.read_text())
            for path in sorted(self.runs_dir.glob("run-*.json"))
        ]

    def run_for(self, request_identifier: str) -> list[dict[str, t.Any]]:
        return [
            run
            for run in self.runs()
            if (run["delivery"] or {}).get("request_identifier") == request_identifier
        ]


def namecom_writes(namecom: NameComSimulator, zone: str) -> list[tuple[str, str]]:
    """(method, DS digest) of every write to the zone's DNSSEC records."""
    writes = []
    for request in namecom.writes():
        if f"/domains/{zone}/dnssec" not in request.path:
            continue
        if request.method == "POST":
            writes.append(("POST", str(json.loads(request.body)["digest"]).upper()))
        else:
            writes.append((request.method, request.path.rsplit("/", 1)[-1].upper()))
    return writes


def failed_tasks(run: dict[str, t.Any]) -> list[t.Any]:
    failures = sum(counts.get("failures", 0) for counts in run["recap"].values())
    unreachable = sum(counts.get("unreachable", 0) for counts in run["recap"].values())
    return run["failed"] if failures or unreachable else []


@pytest.fixture(scope="module")
def zone(dns_lab: t.Any) -> str:
    return dns_lab.children[0]


@pytest.fixture(scope="module")
def namecom(dns_lab: t.Any, zone: str) -> t.Iterator[NameComSimulator]:
    """Name.com holding the zone with the DS set the parent servers serve."""
    sim = NameComSimulator(
        publish=dns_lab.registry.publish, child_keys=dns_lab.child_keys
    )
    sim.start()
    sim.add_domain(zone.rstrip("."), records=dns_lab.registry.get_ds(zone))
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def dnsimple(dns_lab: t.Any, zone: str) -> t.Iterator[DnsimpleSimulator]:
    """DNSimple, delivering each of the zone's events twice, with retries."""
    # Retries 1, 2 and then every 4 s: DNSimple's two hours, shortened.
    sim = DnsimpleSimulator(retry_delays=(1.0, 2.0, 4.0), duplicates=2)
    sim.start()
    sim.add_domain(zone.rstrip("."))
    dns_lab.signer.add_listener(
        lambda name, event_zone, ds: (
            sim.on_event(name, event_zone, ds)
            if event_zone.rstrip(".") == zone.rstrip(".")
            else None
        )
    )
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def rulebook(
    dns_lab: t.Any, namecom: NameComSimulator, tmp_path_factory: pytest.TempPathFactory
) -> t.Iterator[Rulebook]:
    """ansible-rulebook, started by the test when it wants the listener up."""
    assert RULEBOOK.is_file()
    process = Rulebook(tmp_path_factory.mktemp("eda-rotation"), dns_lab, namecom)
    yield process
    process.stop()
    log = process.log.read_text() if process.log.exists() else ""
    assert TOKEN not in log
    assert namecom.credentials[1] not in log


def test_rotation_from_webhooks_to_the_end(
    dns_lab: t.Any,
    zone: str,
    namecom: NameComSimulator,
    dnsimple: DnsimpleSimulator,
    rulebook: Rulebook,
) -> None:
    lab = dns_lab
    [old] = lab.registry.get_ds(zone)
    assert namecom.records(zone) == [old]
    dnsimple.add_webhook(rulebook.url)
    meter = lab.meter([zone])
    meter.start()
    try:
        lab.signer.start_rotation(zone)
        # The listener is not up yet: DNSimple's retries must bring the
        # rotation_start in.
        wait_until(
            lambda: any(entry["status"] is None for entry in dnsimple.deliveries),
            60,
            "a failed delivery of rotation_start",
        )
        rulebook.start()
        lab.signer.wait(zone, "done", timeout=120)
        dnsimple.wait_deliveries(timeout=60)
        wait_until(
            lambda: all(
                rulebook.run_for(body["request_identifier"])
                for body in dnsimple.emitted
            ),
            90,
            "a playbook run for each event",
        )
    finally:
        meter.stop()

    state = lab.signer.rotation_state(zone)
    new = event_ds(state["new_ds"])
    assert event_ds(state["old_ds"]) == old != new

    # Every parent server serves the new DS and nothing else; no SERVFAIL.
    assert lab.registry.get_ds(zone) == [new]
    parent = lab.registry.parent_ds(zone)
    assert parent == {address: [new] for address in lab.parent_addresses}, parent
    assert meter.queries > 0
    assert meter.servfail_count == 0, meter.failures

    # Each event was delivered twice, after failed attempts for the first.
    names = [body["name"] for body in dnsimple.emitted]
    assert names == ["dnssec.rotation_start", "dnssec.rotation_complete"]
    for body in dnsimple.emitted:
        assert len(dnsimple.delivered(body["request_identifier"])) == 2
    start_id = dnsimple.emitted[0]["request_identifier"]
    assert any(
        entry["status"] is None and entry["request_identifier"] == start_id
        for entry in dnsimple.deliveries
    )

    # One playbook run per event, and one add and one removal at Name.com.
    runs = rulebook.runs()
    assert [run["delivery"]["request_identifier"] for run in runs] == [
        body["request_identifier"] for body in dnsimple.emitted
    ]
    host = zone.rstrip(".")
    for run, body in zip(runs, dnsimple.emitted):
        assert not failed_tasks(run), run
        judged = run["events"][host]
        assert judged["name"] == body["name"] and judged["applies"], judged
        assert judged["ds"]["text"] == event_ds(
            body["data"]["delegation_signer_record"]
        )
    # rotation_complete names the old KSK, which may be gone by its run.
    assert runs[0]["events"][host]["matches_child"] is True, runs[0]
    assert runs[0]["results"][host]["added"] == [new]
    assert sum(len(run["results"][host]["added"]) for run in runs) == 1
    assert sum(len(run["results"][host]["removed"]) for run in runs) == 1
    assert namecom_writes(namecom, host) == [
        ("POST", new.split()[3]),
        ("DELETE", old.split()[3]),
    ]
    assert namecom.records(zone) == [new]


def forged_ds(zone: str) -> dict[str, str]:
    """A DS, with its key, for a KSK the child servers do not publish."""
    key = dns.dnssec.make_dnskey(
        ec.generate_private_key(ec.SECP256R1()).public_key(),
        dns.dnssec.Algorithm.ECDSAP256SHA256,
        flags=257,
    )
    ds = dns.dnssec.make_ds(dns.name.from_text(zone), key, "SHA256")
    return {
        "keytag": str(ds.key_tag),
        "algorithm": str(ds.algorithm),
        "digest_type": str(ds.digest_type),
        "digest": ds.digest.hex().upper(),
        "public_key": base64.b64encode(key.key).decode("ascii"),
    }


def test_a_forged_ds_changes_nothing(
    dns_lab: t.Any,
    zone: str,
    namecom: NameComSimulator,
    dnsimple: DnsimpleSimulator,
    rulebook: Rulebook,
) -> None:
    lab = dns_lab
    host = zone.rstrip(".")
    rulebook.start()
    # Runs for earlier deliveries are over: the last recorded is the newest.
    wait_until(
        lambda: all(
            rulebook.run_for(b["request_identifier"]) for b in dnsimple.emitted
        ),
        90,
        "the runs of earlier deliveries",
    )
    parent = lab.registry.parent_ds(zone)
    held = namecom.records(zone)
    writes = namecom_writes(namecom, host)
    forged = forged_ds(zone)
    assert all(event_ds(forged) not in ds_set for ds_set in parent.values())

    body = dnsimple.payload("dnssec.rotation_start", zone, forged)
    status, answer = post(rulebook.url, json.dumps(body).encode())
    assert (status, answer) == (200, {"message": "accepted"})
    [run] = wait_until(
        lambda: rulebook.run_for(body["request_identifier"]), 90, "the playbook run"
    )

    assert not failed_tasks(run), run
    judged = run["events"][host]
    assert judged["matches_child"] is False, judged
    assert "matches no KSK" in judged["note"], judged
    assert run["results"][host]["added"] == []
    assert run["results"][host]["removed"] == []
    assert namecom_writes(namecom, host) == writes
    assert namecom.records(zone) == held
    assert lab.registry.parent_ds(zone) == parent
    # A redelivery of the same forged body is acknowledged and runs nothing.
    assert post(rulebook.url, json.dumps(body).encode()) == (
        200,
        {"message": "duplicate"},
    )


def test_a_forged_ds_is_not_added_when_a_rotation_has_started(
    dns_lab: t.Any, namecom: NameComSimulator, rulebook: Rulebook
) -> None:
    # A second zone, whose registrar is "manual": the run only says what to add.
    lab = dns_lab
    zone = lab.children[1]
    host = zone.rstrip(".")
    rulebook.start()
    parent = lab.registry.parent_ds(zone)
    lab.signer.start_rotation(zone)
    state = lab.signer.wait(zone, "waiting_new_ds", timeout=60)
    new = event_ds(state["new_ds"])
    forged = forged_ds(zone)

    # No webhook of DNSimple for this zone: the forged one is the first.
    body = DnsimpleSimulator().payload("dnssec.rotation_start", zone, forged)
    assert post(rulebook.url, json.dumps(body).encode()) == (
        200,
        {"message": "accepted"},
    )
    [run] = wait_until(
        lambda: rulebook.run_for(body["request_identifier"]), 90, "the playbook run"
    )

    assert not failed_tasks(run), run
    assert run["events"][host]["matches_child"] is False, run["events"]
    result = run["results"][host]
    assert result["phase_before"] == "rotation_started", result
    # The run tells what DNS shows is due, the new KSK's DS, never the forged one.
    assert result["added"] == [] and result["removed"] == [], result
    assert result["instructions"] == [f"add DS {new}"], result
    assert forged["digest"] not in json.dumps(result)
    assert lab.registry.parent_ds(zone) == parent
    assert not [r for r in namecom.writes() if host in r.path]
