# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""Shared pytest set-up: the DNS lab's fixtures (``dns_lab``) for every test."""

from __future__ import annotations

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent / "lab"))

pytest_plugins = ["dnslab.pytest_plugin"]
