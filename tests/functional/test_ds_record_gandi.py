# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""dnssec_ds_record with registrar=gandi, against the Gandi simulator and the lab.

The module runs through ``ansible`` as an operator would.  The simulator's
writes land in the lab's ``test.`` zone, and every parent server address is
asked for the DS set directly.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import typing as t

import pytest

from ansible_collections.dnsops.dnssec.plugins.module_utils import _registrar_gandi
from dnslab.dnsutil import Timeout, answer_rdatas, normalize_ds, query
from dnslab.sims.gandi import GandiSimulator

TOKEN = "pat_lab-gandi-7c1e9f0b42"
WRONG_TOKEN = "pat_wrong-token-5d2a8e11"


def run_module(args: dict[str, t.Any], *extra: str) -> tuple[dict[str, t.Any], str]:
    """Run dnssec_ds_record once with ``ansible``; return its result and all output."""
    collections = pathlib.Path(os.path.abspath(_registrar_gandi.__file__)).parents[5]
    env = dict(os.environ)
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", str(collections))
    env.update(ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    with tempfile.TemporaryDirectory() as tree:
        command = [
            str(pathlib.Path(sys.executable).parent / "ansible"),
            "localhost",
            "-c",
            "local",
            "-i",
            "localhost,",
            "-e",
            f"ansible_python_interpreter={sys.executable}",
            "-m",
            "dnsops.dnssec.dnssec_ds_record",
            "-a",
            json.dumps(args),
            "--tree",
            tree,
            *extra,
        ]
        process = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=300, check=False
        )
        output = process.stdout + process.stderr
        try:
            result = json.loads(pathlib.Path(tree, "localhost").read_text())
        except (OSError, ValueError):
            pytest.fail(f"no result from ansible:\n{output}")
    # ansible exits 2 when the task failed.
    result["failed"] = process.returncode != 0
    return result, output


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


def wait_parent(lab: t.Any, zone: str, wanted: list[str], timeout: float = 30) -> None:
    """Wait until every parent server address serves exactly ``wanted``."""
    wanted = sorted(normalize_ds(text) for text in wanted)
    deadline = time.monotonic() + timeout
    while True:
        seen = parent_ds(lab, zone)
        if all(value == wanted for value in seen.values()):
            return
        if time.monotonic() > deadline:
            pytest.fail(f"parent servers serve {seen} for {zone}, wanted {wanted}")
        time.sleep(0.2)


@pytest.fixture()
def gandi(dns_lab: t.Any) -> t.Iterator[tuple[t.Any, GandiSimulator, str]]:
    """The lab, a Gandi simulator owning one child zone, that zone.

    The zone's DS set in ``test.`` is restored afterwards.
    """
    zone = dns_lab.children[-1]
    original = dns_lab.registry.get_ds(zone)
    simulator = GandiSimulator(dns_lab.registry.publish, credentials=TOKEN)
    simulator.start()
    simulator.add_domain(zone)
    try:
        yield dns_lab, simulator, zone
    finally:
        simulator.stop()
        dns_lab.registry.set_ds(zone, original)
        wait_parent(dns_lab, zone, original)


def module_args(
    lab: t.Any, simulator: GandiSimulator, zone: str, **args: t.Any
) -> dict:
    base = {
        "domain": zone.rstrip("."),
        "registrar": "gandi",
        "gandi_token": TOKEN,
        "gandi_api_url": simulator.url,
        "resolvers": [lab.resolver_address],
        "registrar_timeout": 5,
    }
    base.update(args)
    return base


def signing_ksk(lab: t.Any, zone: str) -> dict[str, t.Any]:
    (key,) = [key for key in lab.child_keys(zone) if key["signing"]]
    return key


def test_add_reaches_every_parent_server_then_nothing_to_do(gandi):
    lab, simulator, zone = gandi
    key = signing_ksk(lab, zone)
    lab.registry.set_ds(zone, [])
    wait_parent(lab, zone, [])

    result, output = run_module(module_args(lab, simulator, zone, keys=[key["dnskey"]]))

    assert result["failed"] is False, output
    assert result["changed"] is True
    assert result["before"] == []
    assert [entry["ds"]["text"] for entry in result["after"]] == [key["ds"]]
    posts = simulator.requests_to("POST", "/dnskeys")
    assert len(posts) == 1
    public_key = "".join(key["dnskey"].split()[3:])
    assert json.loads(posts[0].text)["public_key"] == public_key
    wait_parent(lab, zone, [key["ds"]])

    again, output = run_module(module_args(lab, simulator, zone, keys=[key["dnskey"]]))

    assert again["failed"] is False, output
    assert again["changed"] is False
    assert len(simulator.requests_to("POST", "/dnskeys")) == 1
    assert [op["method"] for op in again["operations"]] == ["GET"]


def test_last_validating_ds_is_kept_unless_overridden(gandi):
    lab, simulator, zone = gandi
    key = signing_ksk(lab, zone)
    simulator.add_key(zone, key["dnskey"])
    wait_parent(lab, zone, [key["ds"]])
    absent = module_args(lab, simulator, zone, records=[key["ds"]], state="absent")

    refused, output = run_module(absent)

    assert refused["failed"] is True, output
    assert simulator.requests_to("DELETE") == []
    assert len(simulator.records(zone)) == 1
    wait_parent(lab, zone, [key["ds"]])

    removed, output = run_module(dict(absent, allow_unsafe=True))

    assert removed["failed"] is False, output
    assert removed["changed"] is True
    assert removed["after"] == []
    assert len(simulator.requests_to("DELETE", "/dnskeys/")) == 1
    wait_parent(lab, zone, [])


def test_registry_sha1_extra_is_tolerated(gandi):
    lab, simulator, zone = gandi
    key = signing_ksk(lab, zone)
    lab.registry.set_ds(zone, [])
    simulator.fault = "sha1"

    result, output = run_module(module_args(lab, simulator, zone, keys=[key["dnskey"]]))

    assert result["failed"] is False, output
    assert result["changed"] is True
    served = parent_ds(lab, zone)[lab.parent_addresses[0]]
    assert key["ds"] in served
    assert any(text.split()[2] == "1" for text in served)

    again, output = run_module(module_args(lab, simulator, zone, keys=[key["dnskey"]]))

    assert again["changed"] is False, output


def test_wrong_token_changes_nothing_and_never_shows_a_secret(gandi):
    lab, simulator, zone = gandi
    key = signing_ksk(lab, zone)
    args = module_args(
        lab, simulator, zone, keys=[key["dnskey"]], gandi_token=WRONG_TOKEN
    )

    result, output = run_module(args, "-vvvv")

    assert result["failed"] is True
    assert "Gandi" in result["msg"]
    assert "401" in result["msg"]
    assert WRONG_TOKEN not in output
    assert simulator.writes() == []


def test_unknown_domain_is_reported(gandi):
    lab, simulator, zone = gandi
    key = signing_ksk(lab, zone)
    args = module_args(lab, simulator, zone, keys=[key["dnskey"]])
    simulator.domains.clear()

    result, output = run_module(args)

    assert result["failed"] is True, output
    assert "not found" in result["msg"]
    assert simulator.writes() == []
