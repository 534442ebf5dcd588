# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

from __future__ import annotations

import re
from pathlib import Path

from ansible_collections.dnsops.dnssec.plugins.module_utils._version import (
    COLLECTION_NAME,
    COLLECTION_VERSION,
)

GALAXY = Path(__file__).resolve().parents[4] / "galaxy.yml"


def galaxy_field(name: str) -> str:
    match = re.search(rf"^{name}:\s*(\S+)\s*$", GALAXY.read_text(), re.MULTILINE)
    assert match, f"{name} is missing from {GALAXY}"
    return match.group(1).strip("'\"")


def test_version_agrees_with_galaxy_yml():
    assert COLLECTION_VERSION == galaxy_field("version")


def test_name_agrees_with_galaxy_yml():
    assert COLLECTION_NAME == f"{galaxy_field('namespace')}.{galaxy_field('name')}"
