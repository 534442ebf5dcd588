# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""Pytest fixtures of the DNS lab.

``dns_lab`` is one lab per test module, started on first use with
``DNSLAB_CHILDREN`` child zones (default 3) on network ``DNSLAB_NET`` or, when
that is unset, the first free network number.  A lab comes up in a few seconds,
and a module of its own keeps one module's rotations and DS changes from
leaking into the next module's expectations.  It needs root and Knot; when
either is missing the fixture fails, it does not skip.
"""

from __future__ import annotations

import os
import typing as t

import pytest

from .lab import Lab, free_net


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``slow`` and ``long_module`` markers."""
    config.addinivalue_line(
        "markers", "slow: long lab tests (e.g. 100 child zones); run by default"
    )
    config.addinivalue_line(
        "markers", "long_module: a test module that runs for minutes; it starts first"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the tests of ``long_module`` modules first, keeping every other order.

    With ``--dist loadfile --no-loadscope-reorder`` pytest-xdist hands modules
    to its workers in this order: the long modules are under way first and the
    short ones fill in around them, instead of a long module starting last and
    running alone while the other workers are idle.
    """
    items.sort(key=lambda item: item.get_closest_marker("long_module") is None)


def lab_net() -> int:
    """Return ``DNSLAB_NET`` when set, else the first free lab network number.

    Under pytest-xdist each worker searches from its own range (gw0 from 100,
    gw1 from 120, ...), so two workers never race for the same number.
    """
    if "DNSLAB_NET" in os.environ:
        return int(os.environ["DNSLAB_NET"])
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if worker.startswith("gw") and worker[2:].isdigit():
        return free_net(100 + 20 * int(worker[2:]))
    return free_net()


@pytest.fixture(scope="module")
def dns_lab() -> t.Iterator[Lab]:
    """A running lab shared by a test module; stopped after its last test."""
    lab = Lab(net=lab_net(), children=int(os.environ.get("DNSLAB_CHILDREN", "3")))
    lab.start()
    print(f"\nDNS lab {lab.net} up in {lab.startup_seconds:.1f} s")
    try:
        yield lab
    finally:
        lab.stop()


@pytest.fixture()
def clean_faults(dns_lab: Lab) -> t.Iterator[Lab]:
    """The module's lab; faults, freezes and resolver caches cleared afterwards."""
    yield dns_lab
    dns_lab.faults.clear()
    dns_lab.flush_resolver()
    for address in dns_lab.parent_addresses + dns_lab.child_addresses:
        if dns_lab.server_for(address).name in dns_lab.frozen:
            dns_lab.thaw(address)
