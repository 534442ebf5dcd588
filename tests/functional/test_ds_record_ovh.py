# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""dnssec_ds_record with registrar=ovh, against the OVHcloud simulator and the lab.

The module runs through ``ansible`` as an operator would.  The simulator's
writes land in the lab's ``test.`` zone when its task is done, and every parent
server address is asked for the DS set directly.  OVHcloud replaces the whole
set on each write, so one test races a key added elsewhere between the
module's read and its write.
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

import dns.dnssec
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from ansible_collections.dnsops.dnssec.plugins.module_utils import _registrar_ovh
from dnslab.dnsutil import Timeout, answer_rdatas, normalize_ds, query
from dnslab.sims._base import ds_text
from dnslab.sims.ovh import OvhSimulator

APPLICATION_KEY = "lab-ovh-app-4e1f9a"
APPLICATION_SECRET = "lab-ovh-secret-b7c2d83e5f"
CONSUMER_KEY = "lab-ovh-consumer-0a9d7c61"
WRONG_SECRET = "wrong-ovh-secret-66f1e2d4"


def run_module(args: dict[str, t.Any], *extra: str) -> tuple[dict[str, t.Any], str]:
    """Run dnssec_ds_record once with ``ansible``; return its result and all output."""
    collections = pathlib.Path(os.path.abspath(_registrar_ovh.__file__)).parents[5]
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
def ovh(dns_lab: t.Any) -> t.Iterator[tuple[t.Any, OvhSimulator, str]]:
    """The lab, an OVHcloud simulator owning one child zone, that zone.

    The zone starts with no DS in ``test.``; its DS set is restored afterwards.
    """
    zone = dns_lab.children[0]
    original = dns_lab.registry.get_ds(zone)
    simulator = OvhSimulator(
        dns_lab.registry.publish,
        credentials=(APPLICATION_KEY, APPLICATION_SECRET, CONSUMER_KEY),
    )
    simulator.start()
    simulator.add_domain(zone)
    dns_lab.registry.set_ds(zone, [])
    wait_parent(dns_lab, zone, [])
    try:
        yield dns_lab, simulator, zone
    finally:
        simulator.stop()
        dns_lab.registry.set_ds(zone, original)
        wait_parent(dns_lab, zone, original)


def module_args(lab: t.Any, simulator: OvhSimulator, zone: str, **args: t.Any) -> dict:
    base = {
        "domain": zone.rstrip("."),
        "registrar": "ovh",
        "ovh_application_key": APPLICATION_KEY,
        "ovh_application_secret": APPLICATION_SECRET,
        "ovh_consumer_key": CONSUMER_KEY,
        "ovh_api_url": simulator.url + "/1.0",
        "resolvers": [lab.resolver_address],
        "registrar_timeout": 5,
        "registrar_operation_timeout": 30,
    }
    base.update(args)
    return base


def signing_ksk(lab: t.Any, zone: str) -> dict[str, t.Any]:
    (key,) = [key for key in lab.child_keys(zone) if key["signing"]]
    return key


def foreign_key() -> str:
    """A KSK someone else submits: a fresh ECDSA P-256 key, as DNSKEY text."""
    private = ec.generate_private_key(ec.SECP256R1())
    dnskey = dns.dnssec.make_dnskey(private.public_key(), 13, flags=257)
    return dnskey.to_text()


def published_keys(simulator: OvhSimulator, zone: str) -> list[str]:
    return sorted(key["publicKey"] for key in simulator.records(zone))


def test_add_reaches_every_parent_server_then_nothing_to_do(ovh):
    lab, simulator, zone = ovh
    key = signing_ksk(lab, zone)

    result, output = run_module(module_args(lab, simulator, zone, keys=[key["dnskey"]]))

    assert result["failed"] is False, output
    assert result["changed"] is True
    assert [entry["ds"]["text"] for entry in result["after"]] == [key["ds"]]
    (post,) = simulator.requests_to("POST", "/dsRecord")
    (sent,) = json.loads(post.text)["keys"]
    assert sent["tag"] == key["keytag"]
    assert sent["publicKey"] == "".join(key["dnskey"].split()[3:])
    assert simulator.requests_to("GET", "/task/")
    wait_parent(lab, zone, [key["ds"]])

    again, output = run_module(module_args(lab, simulator, zone, keys=[key["dnskey"]]))

    assert again["failed"] is False, output
    assert again["changed"] is False
    assert len(simulator.requests_to("POST", "/dsRecord")) == 1


def test_key_added_elsewhere_between_read_and_write_is_kept(ovh):
    lab, simulator, zone = ovh
    key = signing_ksk(lab, zone)
    other = foreign_key()
    simulator.after_list = lambda service: simulator.add_key(service, other)

    result, output = run_module(module_args(lab, simulator, zone, keys=[key["dnskey"]]))

    assert result["failed"] is False, output
    assert simulator.after_list is None, "the race hook never ran"
    (post,) = simulator.requests_to("POST", "/dsRecord")
    other_key = "".join(other.split()[3:])
    assert other_key in [sent["publicKey"] for sent in json.loads(post.text)["keys"]]
    assert published_keys(simulator, zone) == sorted(
        ["".join(key["dnskey"].split()[3:]), other_key]
    )
    assert len(result["after"]) == 2
    other_ds = ds_text(zone, other)
    wait_parent(lab, zone, [key["ds"], other_ds])


def test_last_validating_ds_is_kept_unless_overridden(ovh):
    lab, simulator, zone = ovh
    key = signing_ksk(lab, zone)
    simulator.add_key(zone, key["dnskey"])
    wait_parent(lab, zone, [key["ds"]])
    absent = module_args(lab, simulator, zone, records=[key["ds"]], state="absent")

    refused, output = run_module(absent)

    assert refused["failed"] is True, output
    assert simulator.requests_to("POST") == []
    wait_parent(lab, zone, [key["ds"]])

    removed, output = run_module(dict(absent, allow_unsafe=True))

    assert removed["failed"] is False, output
    assert removed["changed"] is True
    assert removed["after"] == []
    (post,) = simulator.requests_to("POST", "/dsRecord")
    assert json.loads(post.text) == {"keys": []}
    wait_parent(lab, zone, [])


def test_task_that_stays_pending_is_a_failure(ovh):
    lab, simulator, zone = ovh
    key = signing_ksk(lab, zone)
    simulator.fault = "pending"
    args = module_args(
        lab, simulator, zone, keys=[key["dnskey"]], registrar_operation_timeout=3
    )

    result, output = run_module(args)

    assert result["failed"] is True, output
    assert "did not finish within 3 seconds" in result["msg"]
    assert parent_ds(lab, zone) == {address: [] for address in lab.parent_addresses}


def test_wrong_secret_changes_nothing_and_never_shows_a_secret(ovh):
    lab, simulator, zone = ovh
    key = signing_ksk(lab, zone)
    args = module_args(
        lab, simulator, zone, keys=[key["dnskey"]], ovh_application_secret=WRONG_SECRET
    )

    result, output = run_module(args, "-vvvv")

    assert result["failed"] is True
    assert "INVALID_SIGNATURE" in result["msg"]
    for secret in (WRONG_SECRET, APPLICATION_KEY, CONSUMER_KEY):
        assert secret not in output
    assert simulator.requests_to("POST") == []
