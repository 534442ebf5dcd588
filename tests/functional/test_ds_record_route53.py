# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""dnssec_ds_record with registrar=route53, against the Route 53 Domains simulator.

The module runs through ``ansible`` as an operator would, boto3 signing every
call.  The simulator's operations land in the lab's ``test.`` zone when they
succeed, and every parent server address is asked for the DS set directly.
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

from ansible_collections.dnsops.dnssec.plugins.module_utils import _registrar_route53
from dnslab.dnsutil import Timeout, answer_rdatas, normalize_ds, query
from dnslab.sims.route53 import Route53DomainsSimulator

ACCESS_KEY_ID = "AKIALAB7ROUTE53DOMAIN"
SECRET_ACCESS_KEY = "lab/route53/SecretAccessKey+9f3e1c7a2b"
WRONG_ACCESS_KEY_ID = "AKIAWRONGKEY00000042"


def run_module(args: dict[str, t.Any], *extra: str) -> tuple[dict[str, t.Any], str]:
    """Run dnssec_ds_record once with ``ansible``; return its result and all output."""
    collections = pathlib.Path(os.path.abspath(_registrar_route53.__file__)).parents[5]
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
def route53(dns_lab: t.Any) -> t.Iterator[tuple[t.Any, Route53DomainsSimulator, str]]:
    """The lab, a Route 53 Domains simulator owning one child zone, that zone.

    The zone starts with no DS in ``test.``; its DS set is restored afterwards.
    """
    zone = dns_lab.children[min(1, len(dns_lab.children) - 1)]
    original = dns_lab.registry.get_ds(zone)
    simulator = Route53DomainsSimulator(
        dns_lab.registry.publish, credentials=(ACCESS_KEY_ID, SECRET_ACCESS_KEY)
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


def module_args(
    lab: t.Any, simulator: Route53DomainsSimulator, zone: str, **args: t.Any
) -> dict:
    base = {
        "domain": zone.rstrip("."),
        "registrar": "route53",
        "aws_access_key_id": ACCESS_KEY_ID,
        "aws_secret_access_key": SECRET_ACCESS_KEY,
        "route53_api_url": simulator.url,
        "resolvers": [lab.resolver_address],
        "registrar_timeout": 5,
        "registrar_operation_timeout": 30,
    }
    base.update(args)
    return base


def signing_ksk(lab: t.Any, zone: str) -> dict[str, t.Any]:
    (key,) = [key for key in lab.child_keys(zone) if key["signing"]]
    return key


def targets(simulator: Route53DomainsSimulator) -> list[str]:
    return [
        (request.header("X-Amz-Target") or "").rsplit(".", 1)[-1]
        for request in simulator.requests
    ]


def test_add_reaches_every_parent_server_then_nothing_to_do(route53):
    lab, simulator, zone = route53
    key = signing_ksk(lab, zone)

    result, output = run_module(module_args(lab, simulator, zone, keys=[key["dnskey"]]))

    assert result["failed"] is False, output
    assert result["changed"] is True
    assert [entry["ds"]["text"] for entry in result["after"]] == [key["ds"]]
    assert targets(simulator).count("AssociateDelegationSignerToDomain") == 1
    assert "GetOperationDetail" in targets(simulator)
    (associate,) = [
        request
        for request in simulator.requests
        if (request.header("X-Amz-Target") or "").endswith(
            "AssociateDelegationSignerToDomain"
        )
    ]
    assert associate.header("Authorization").startswith(
        f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY_ID}/"
    )
    assert json.loads(associate.text)["SigningAttributes"] == {
        "Algorithm": 13,
        "Flags": 257,
        "PublicKey": "".join(key["dnskey"].split()[3:]),
    }
    wait_parent(lab, zone, [key["ds"]])

    again, output = run_module(module_args(lab, simulator, zone, keys=[key["dnskey"]]))

    assert again["failed"] is False, output
    assert again["changed"] is False
    assert targets(simulator).count("AssociateDelegationSignerToDomain") == 1


def test_last_validating_ds_is_kept_unless_overridden(route53):
    lab, simulator, zone = route53
    key = signing_ksk(lab, zone)
    first, output = run_module(module_args(lab, simulator, zone, keys=[key["dnskey"]]))
    assert first["changed"] is True, output
    wait_parent(lab, zone, [key["ds"]])
    absent = module_args(lab, simulator, zone, records=[key["ds"]], state="absent")

    refused, output = run_module(absent)

    assert refused["failed"] is True, output
    assert "DisassociateDelegationSignerFromDomain" not in targets(simulator)
    wait_parent(lab, zone, [key["ds"]])

    removed, output = run_module(dict(absent, allow_unsafe=True))

    assert removed["failed"] is False, output
    assert removed["changed"] is True
    assert removed["after"] == []
    assert targets(simulator).count("DisassociateDelegationSignerFromDomain") == 1
    wait_parent(lab, zone, [])


def test_operation_that_stays_pending_is_a_failure(route53):
    lab, simulator, zone = route53
    key = signing_ksk(lab, zone)
    simulator.fault = "pending"
    args = module_args(
        lab, simulator, zone, keys=[key["dnskey"]], registrar_operation_timeout=3
    )

    result, output = run_module(args)

    assert result["failed"] is True, output
    assert "did not finish within 3 seconds" in result["msg"]
    assert parent_ds(lab, zone) == {address: [] for address in lab.parent_addresses}


def test_wrong_access_key_changes_nothing_and_never_shows_a_secret(route53):
    lab, simulator, zone = route53
    key = signing_ksk(lab, zone)
    args = module_args(
        lab,
        simulator,
        zone,
        keys=[key["dnskey"]],
        aws_access_key_id=WRONG_ACCESS_KEY_ID,
    )

    result, output = run_module(args, "-vvvv")

    assert result["failed"] is True
    assert "UnrecognizedClientException" in result["msg"]
    assert WRONG_ACCESS_KEY_ID not in output
    assert SECRET_ACCESS_KEY not in output
    assert targets(simulator) == ["GetDomainDetail"]


def test_unknown_domain_is_reported(route53):
    lab, simulator, zone = route53
    key = signing_ksk(lab, zone)
    simulator.domains.clear()

    result, output = run_module(module_args(lab, simulator, zone, keys=[key["dnskey"]]))

    assert result["failed"] is True, output
    assert "not found" in result["msg"]
    assert targets(simulator) == ["GetDomainDetail"]
