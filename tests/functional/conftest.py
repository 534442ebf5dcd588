# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""Fixtures of the functional suites."""

from __future__ import annotations

import typing as t

import pytest

from dnslab.sims.cases import Case
from dnslab.sims.runner import wait_parent_set


@pytest.fixture()
def case(dns_lab: t.Any, request: pytest.FixtureRequest) -> t.Iterator[Case]:
    """The registrar of the test's parameter, its simulator started.

    The zone's DS set in ``test.`` is restored afterwards.
    """
    original = dns_lab.registry.get_ds(dns_lab.children[0])
    current = Case(dns_lab, request.param)
    try:
        yield current
    finally:
        current.sim.stop()
        dns_lab.registry.set_ds(current.zone, original)
        wait_parent_set(dns_lab, current.zone, original)
