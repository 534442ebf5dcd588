# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""The execution and decision environment definitions follow the collection."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[4]
AWX = ROOT / "extensions" / "awx"


def _names(requirements: list[str]) -> set[str]:
    return {
        re.split(r"[<>=!~ \[]", line.strip(), maxsplit=1)[0].lower()
        for line in requirements
    }


def test_execution_environment_holds_the_collection_and_its_python_needs() -> None:
    definition = yaml.safe_load((AWX / "execution-environment.yml").read_text())
    assert definition["version"] == 3
    deps = definition["dependencies"]
    assert [c["name"] for c in deps["galaxy"]["collections"]] == ["dnsops.dnssec"]
    needed = [
        line
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert _names(needed) <= _names(deps["python"])


def test_decision_environment_holds_the_event_source_needs() -> None:
    definition = yaml.safe_load((AWX / "decision-environment.yml").read_text())
    assert definition["version"] == 3
    deps = definition["dependencies"]
    assert [c["name"] for c in deps["galaxy"]["collections"]] == ["dnsops.dnssec"]
    assert "aiohttp" in _names(deps["python"])
    assert "ansible-rulebook" in definition["images"]["base_image"]["name"]
