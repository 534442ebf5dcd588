# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""ansible-rulebook with the DNSimple webhook event source and the rulebook.

The DNSimple simulator delivers webhooks, with duplicates and with retries while
the listener is not up yet; ansible-rulebook runs the collection's rulebook, with
its playbook swapped for one that records each run.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import typing as t
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from dnslab.dnsimple_sim import DnsimpleSimulator

ROOT = Path(__file__).resolve().parents[2]
RULEBOOK = ROOT / "extensions" / "eda" / "rulebooks" / "dnsimple_rotation_playbook.yml"
TOKEN = "eda-functional-token-0123456789abcdef"
DS = {
    "keytag": "2371",
    "algorithm": "13",
    "digest_type": "2",
    "digest": "684A1F049D7D082B7F98691657DA5A65764913DF7F065F6F8C36EDF62D66CA03",
}

RECORDER = """\
- name: Record the event
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Write the event
      ansible.builtin.copy:
        dest: "{{ runs_dir }}/{{ ansible_eda.event.meta.delivery.request_identifier }}-{{ 1000000 | random }}.json"
        content: "{{ ansible_eda.event | to_json }}"
        mode: "0600"
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _collections_path(tmp: Path) -> Path:
    """Return a collection path where dnsops.dnssec is this checkout."""
    path = tmp / "collections"
    (path / "ansible_collections" / "dnsops").mkdir(parents=True)
    (path / "ansible_collections" / "dnsops" / "dnssec").symlink_to(ROOT)
    return path


def _post(url: str, body: bytes) -> tuple[int, str]:
    """POST ``body``; return the HTTP status and the event source's message."""
    request = urllib.request.Request(url, data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
            return answer.status, _message(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, _message(exc.read())


def _message(body: bytes) -> str:
    try:
        return str(json.loads(body or b"{}").get("message", ""))
    except ValueError:
        return body.decode("utf-8", "replace")


def _wait_for(check: t.Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def rulebook_env(tmp_path: Path) -> t.Iterator[dict[str, t.Any]]:
    rulebook_bin = shutil.which("ansible-rulebook") or str(
        Path(sys.executable).parent / "ansible-rulebook"
    )
    assert os.path.exists(rulebook_bin), "ansible-rulebook is not installed"
    runs = tmp_path / "runs"
    runs.mkdir()
    recorder = tmp_path / "recorder.yml"
    recorder.write_text(RECORDER)
    rulebook = tmp_path / "rulebook.yml"
    rulebook.write_text(
        RULEBOOK.read_text().replace("name: dnsops.dnssec.rotate", f"name: {recorder}")
    )
    port = _free_port()
    variables = tmp_path / "vars.yml"
    variables.write_text(
        json.dumps(
            {
                "dnsimple_webhook_token": TOKEN,
                "dnsimple_webhook_host": "127.0.0.1",
                "dnsimple_webhook_port": port,
                "dnsimple_webhook_state_file": str(tmp_path / "state.json"),
            }
        )
    )
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(
        json.dumps(
            {
                "all": {
                    "hosts": {"localhost": {"ansible_connection": "local"}},
                    "vars": {
                        "ansible_python_interpreter": sys.executable,
                        "runs_dir": str(runs),
                    },
                }
            }
        )
    )
    env = dict(os.environ)
    env["ANSIBLE_COLLECTIONS_PATH"] = str(_collections_path(tmp_path))
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
    yield {
        "command": [
            rulebook_bin,
            "-r",
            str(rulebook),
            "-i",
            str(inventory),
            "--vars",
            str(variables),
        ],
        "env": env,
        "url": f"http://127.0.0.1:{port}/dnsimple/{TOKEN}",
        "port": port,
        "runs": runs,
        "log": tmp_path / "rulebook.log",
        "state": tmp_path / "state.json",
    }


def _start(rulebook_env: dict[str, t.Any]) -> subprocess.Popen[bytes]:
    log = open(rulebook_env["log"], "ab")  # noqa: SIM115
    return subprocess.Popen(  # noqa: S603
        rulebook_env["command"],
        env=rulebook_env["env"],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=rulebook_env["runs"].parent,
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _runs(rulebook_env: dict[str, t.Any]) -> list[dict[str, t.Any]]:
    return [
        json.loads(p.read_text()) for p in sorted(rulebook_env["runs"].glob("*.json"))
    ]


def _run_ids(rulebook_env: dict[str, t.Any]) -> list[str]:
    return sorted(
        run["meta"]["delivery"]["request_identifier"] for run in _runs(rulebook_env)
    )


def _drain(rulebook_env: dict[str, t.Any], sim: DnsimpleSimulator) -> str:
    """Deliver a fresh event and wait for its run; return its request identifier.

    ansible-rulebook takes events in the order they arrive and runs one
    playbook at a time, so once this run is recorded every event accepted
    before it has had its run: a duplicate that slipped through would show.
    """
    body = sim.payload("dnssec.rotation_start", "child1.test", DS)
    answer = _post(rulebook_env["url"], json.dumps(body).encode())
    assert answer == (200, "accepted"), answer
    request_id = body["request_identifier"]
    _wait_for(lambda: request_id in _run_ids(rulebook_env), 60, "the last event's run")
    return request_id


def test_webhooks_through_ansible_rulebook(rulebook_env: dict[str, t.Any]) -> None:
    sim = DnsimpleSimulator(retry_delays=(1.0, 2.0, 3.0, 4.0, 5.0), duplicates=3)
    sim.start()
    sim.add_domain("child1.test")
    sim.add_webhook(rulebook_env["url"])
    wrong = sim.add_webhook(rulebook_env["url"].replace(TOKEN, TOKEN[::-1]))
    process = None
    try:
        # Sent before the listener is up: DNSimple's retries must bring it in.
        start = sim.emit("dnssec.rotation_start", "child1.test", DS)
        process = _start(rulebook_env)
        _wait_for(
            lambda: len(sim.delivered(start["request_identifier"])) == 3,
            60,
            "every copy of the first event",
        )
        _wait_for(lambda: len(_runs(rulebook_env)) >= 1, 60, "the playbook run")

        complete = sim.emit("dnssec.rotation_complete", "child1.test", DS)
        create = sim.emit("dnssec.create", "child1.test")
        _wait_for(
            lambda: all(
                len(sim.delivered(body["request_identifier"])) == 3
                for body in (complete, create)
            ),
            60,
            "every copy of the later events",
        )
        _wait_for(lambda: len(_runs(rulebook_env)) >= 2, 60, "the second playbook run")

        url = rulebook_env["url"]
        assert _post(url, json.dumps(start).encode()) == (200, "duplicate")
        wrong_url = url.replace(TOKEN, "x" * len(TOKEN))
        assert _post(wrong_url, json.dumps(start).encode())[0] == 404
        assert _post(url, b"{not json")[0] == 400
        assert _post(url, b'{"name": "dnssec.rotation_start"}')[0] == 400
        big = dict(complete, request_identifier="big-1", padding="x" * 70000)
        assert _post(url, json.dumps(big).encode())[0] == 413
        last = _drain(rulebook_env, sim)
        # The URL with the wrong token keeps failing until DNSimple gives up.
        sim.wait_deliveries(timeout=60)
    finally:
        if process is not None:
            _stop(process)
        sim.stop()

    runs = [
        run
        for run in _runs(rulebook_env)
        if run["meta"]["delivery"]["request_identifier"] != last
    ]
    log = rulebook_env["log"].read_text()
    assert sorted(
        run["meta"]["delivery"]["request_identifier"] for run in runs
    ) == sorted([start["request_identifier"], complete["request_identifier"]])
    assert {run["payload"]["name"] for run in runs} == {
        "dnssec.rotation_start",
        "dnssec.rotation_complete",
    }
    assert create["request_identifier"] not in json.dumps(runs)

    # Duplicates were delivered and answered 200, yet made one run each.
    delivered = sim.delivered(start["request_identifier"])
    assert len(delivered) == 3
    # The first attempts found no listener; a later attempt got through.
    first = [
        e
        for e in sim.deliveries
        if e["request_identifier"] == start["request_identifier"]
    ]
    assert any(e["status"] is None for e in first)
    assert all(e["attempt"] > 1 for e in delivered if e["webhook_id"] != wrong)
    # The URL with the wrong token was refused every time the listener was up.
    refused = [e["status"] for e in sim.deliveries if e["webhook_id"] == wrong]
    assert 404 in refused and set(refused) <= {None, 404}

    assert TOKEN not in log
    assert TOKEN not in json.dumps(runs)
    state = json.loads(rulebook_env["state"].read_text())
    assert {rid for rid, _seen in state["request_identifiers"]} == {
        start["request_identifier"],
        complete["request_identifier"],
        create["request_identifier"],
        last,
    }


def test_a_restart_keeps_deduplicating(rulebook_env: dict[str, t.Any]) -> None:
    sim = DnsimpleSimulator(retry_delays=(1.0, 2.0, 3.0), duplicates=1)
    sim.start()
    sim.add_domain("child1.test")
    sim.add_webhook(rulebook_env["url"])
    try:
        process = _start(rulebook_env)
        try:
            body = sim.emit("dnssec.rotation_start", "child1.test", DS)
            sim.wait_deliveries(timeout=60)
            _wait_for(lambda: len(_runs(rulebook_env)) == 1, 60, "the playbook run")
        finally:
            _stop(process)

        process = _start(rulebook_env)
        try:
            _wait_for(
                lambda: _listening(rulebook_env["port"]), 60, "the listener to restart"
            )
            answer = _post(rulebook_env["url"], json.dumps(body).encode())
            assert answer == (200, "duplicate"), answer
            last = _drain(rulebook_env, sim)
        finally:
            _stop(process)
    finally:
        sim.stop()
    assert _run_ids(rulebook_env) == sorted([body["request_identifier"], last])


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False
