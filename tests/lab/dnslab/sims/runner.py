# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""Running dnssec_ds_record as an operator would, and reading the parent's DS sets.

``run_module`` calls ``ansible localhost -m dnsops.dnssec.dnssec_ds_record`` with
the collection found from the imported ``ansible_collections`` package, and
returns the module's result and everything ansible printed.  ``parent_ds`` asks
every parent server address of the lab directly; ``wait_parent`` polls it until
a condition holds on every address (the secondaries lag about a second), and
``wait_parent_set`` until each serves exactly the DS set given.
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

import dns.exception

from ..dnsutil import answer_rdatas, normalize_ds, query

MODULE = "dnsops.dnssec.dnssec_ds_record"


def collections_path() -> str:
    """The directory holding ``ansible_collections`` of the imported collection."""
    import ansible_collections.dnsops.dnssec as collection  # noqa: PLC0415

    root = pathlib.Path(os.path.abspath(list(collection.__path__)[0]))
    return str(root.parents[2])


def run_module(
    args: dict[str, t.Any],
    *extra: str,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> tuple[dict[str, t.Any], str]:
    """Run the module once; return (result, stdout + stderr)."""
    environment = dict(os.environ)
    environment.setdefault("ANSIBLE_COLLECTIONS_PATH", collections_path())
    environment.update(
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
        ANSIBLE_NOCOLOR="1",
    )
    environment.update(env or {})
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
            MODULE,
            "-a",
            json.dumps(args),
            "--tree",
            tree,
            *extra,
        ]
        process = subprocess.run(
            command,
            env=environment,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        output = process.stdout + process.stderr
        try:
            result = json.loads(pathlib.Path(tree, "localhost").read_text())
        except (OSError, ValueError):
            raise AssertionError(f"no result from ansible:\n{output}") from None
    # The tree file holds the module's own result; ansible's exit code says
    # whether the task failed.
    result["failed"] = bool(result.get("failed")) or process.returncode != 0
    return result, output


def parent_ds(lab: t.Any, zone: str) -> dict[str, list[str]]:
    """The DS set each parent server address serves for ``zone``."""
    seen = {}
    for address in lab.parent_addresses:
        try:
            response = query(address, zone, "DS", timeout=2.0)
        except dns.exception.Timeout:
            seen[address] = ["timeout"]
            continue
        seen[address] = sorted(
            normalize_ds(rdata.to_text())
            for rdata in answer_rdatas(response, zone, "DS")
        )
    return seen


def wait_parent(
    lab: t.Any,
    zone: str,
    condition: t.Callable[[list[str]], bool],
    timeout: float = 30.0,
) -> dict[str, list[str]]:
    """Poll every parent server address until ``condition`` holds on each."""
    deadline = time.monotonic() + timeout
    while True:
        seen = parent_ds(lab, zone)
        if all(condition(ds_set) for ds_set in seen.values()):
            return seen
        if time.monotonic() > deadline:
            raise AssertionError(f"parent servers never agreed: {seen}")
        time.sleep(0.2)


def wait_parent_set(
    lab: t.Any, zone: str, wanted: t.Iterable[str], timeout: float = 30.0
) -> dict[str, list[str]]:
    """Poll until every parent server address serves exactly the DS ``wanted``."""
    expected = sorted(normalize_ds(text) for text in wanted)
    return wait_parent(lab, zone, lambda ds_set: ds_set == expected, timeout)
