# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""The safety rules of docs/safety.md that only a run on real DNS servers shows.

The half of rule 1 about time (the DS that stays has been served by every
parent server for at least its TTL) is judged by dnssec_rotation_info and
acted on by the rotation role; dnssec_ds_record checks only the DS sets as they
are now.  Here the role runs through ansible-playbook against the lab, with a
Name.com simulator as the registrar, while the lab's signer rotates a KSK the
way DNSimple does.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import time
import typing as t

from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import parse_ds
from dnslab.sims.namecom import NameComSimulator
from dnslab.sims.runner import collections_path, parent_ds, wait_parent

USER, TOKEN = "lab-user", "namecom-lab-token-rules"

# The collection's playbook, then each domain's rotation_result into a file.
WRAPPER = """---
- name: The collection's playbook
  ansible.builtin.import_playbook: dnsops.dnssec.rotate

- name: Write the outcome
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Write rotation_result of the domain
      ansible.builtin.copy:
        dest: "{{ result_file }}"
        content: "{{ hostvars[domain].rotation_result | default({}) | to_json }}"
        mode: "0600"
      check_mode: false
"""


class Registrar:
    """A Name.com simulator that notes when each DS set reached the parent."""

    def __init__(self, lab: t.Any, zone: str) -> None:
        self.lab = lab
        self.zone = zone
        self.published: list[tuple[float, list[str]]] = []
        self.sim = NameComSimulator(self.publish, credentials=(USER, TOKEN))
        self.url = self.sim.start()
        self.sim.add_domain(zone, lab.registry.get_ds(zone))

    def publish(self, zone: str, ds_texts: list[str]) -> None:
        self.published.append((time.time(), sorted(ds_texts)))
        self.lab.registry.publish(zone, ds_texts)

    def records(self) -> list[str]:
        return sorted(parse_ds(text).to_text() for text in self.sim.records(self.zone))

    def first_publication_without(self, record: str) -> float | None:
        for when, ds_set in self.published:
            if record not in [parse_ds(text).to_text() for text in ds_set]:
                return when
        return None


def play(
    lab: t.Any, registrar: Registrar, workdir: pathlib.Path, **extra: t.Any
) -> tuple[dict[str, t.Any], str]:
    """Run the rotate playbook for the registrar's zone; return its result."""
    result_file = workdir / f"result-{time.monotonic_ns()}.json"
    playbook = workdir / "wrapper.yml"
    playbook.write_text(WRAPPER)
    variables = {
        "ansible_python_interpreter": sys.executable,
        "domain": registrar.zone.rstrip("."),
        "result_file": str(result_file),
        "rotation_registrar": "namecom",
        "rotation_resolvers": [lab.resolver_address],
        "rotation_query_timeout": 1.0,
        "rotation_query_retry": 1,
        "rotation_lock_dir": str(workdir / "locks"),
        "rotation_wait_timeout": 30,
        "rotation_poll_interval": 1,
    }
    variables.update(extra)
    env = dict(os.environ)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=collections_path(),
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
        NAMECOM_API_URL=registrar.url,
        NAMECOM_USERNAME=USER,
        NAMECOM_TOKEN=TOKEN,
    )
    process = subprocess.run(
        [
            str(pathlib.Path(sys.executable).parent / "ansible-playbook"),
            str(playbook),
            "-e",
            json.dumps(variables),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = process.stdout + process.stderr
    assert process.returncode == 0, output
    return json.loads(result_file.read_text()), output


def finish_rotation(lab: t.Any, zone: str) -> None:
    """Take a rotation the test left half-way to its end, by hand."""
    state = lab.signer.rotation_state(zone)
    if state["phase"] in ("idle", "done", "failed", "stopped"):
        return
    state = lab.signer.wait(zone, "waiting_new_ds", timeout=60)
    new = parse_ds(state["new_ds"]).to_text()
    lab.registry.set_ds(zone, [new])
    lab.signer.wait(zone, "done", timeout=60)


def test_rule1_the_role_removes_the_old_ds_only_after_the_ds_ttl(dns_lab, tmp_path):
    lab = dns_lab
    zone = lab.children[0]
    registrar = Registrar(lab, zone)
    meter = lab.meter([zone])
    meter.start()
    try:
        lab.signer.start_rotation(zone)
        state = lab.signer.wait(zone, "waiting_new_ds", timeout=60)
        old = parse_ds(state["old_ds"]).to_text()
        new = parse_ds(state["new_ds"]).to_text()

        # Without a state file and without DNSimple's rotation_complete nothing
        # shows that the new DS has been served for its TTL: the old DS stays.
        first, output = play(lab, registrar, tmp_path, rotation_state_file="")
        assert first["added"] == [new], output
        assert first["phase"] == "published", output
        assert first["removed"] == [], output
        assert any("no evidence" in reason for reason in first["pending"]), output
        assert registrar.sim.requests_to("DELETE") == []
        assert registrar.records() == sorted([old, new])
        wait_parent(lab, zone, lambda ds_set: old in ds_set and new in ds_set)

        # With a state file the role sees the new DS on every parent server,
        # waits out the DS TTL within the run, then removes the old DS.
        state_file = tmp_path / "state.json"
        second, output = play(
            lab, registrar, tmp_path, rotation_state_file=str(state_file)
        )
        assert second["removed"] == [old], output
        assert registrar.records() == [new]
        record = json.loads(state_file.read_text())["domains"][zone]
        seen_everywhere = record["ds_first_seen"][new]
        removed_at = registrar.first_publication_without(old)
        assert removed_at is not None
        assert removed_at - seen_everywhere >= lab.ds_ttl, (
            f"the old DS left {removed_at - seen_everywhere:.2f} s after the new "
            f"DS was first seen on every parent server; the DS TTL is {lab.ds_ttl} s"
        )
        assert len(registrar.sim.requests_to("DELETE")) == 1
        wait_parent(lab, zone, lambda ds_set: ds_set == [new])
        lab.signer.wait(zone, "done", timeout=60)
    finally:
        meter.stop()
        registrar.sim.stop()
        finish_rotation(lab, zone)
    assert meter.queries > 0
    assert meter.servfail_count == 0, meter.failures
    assert all(ds_set == [new] for ds_set in parent_ds(lab, zone).values())
