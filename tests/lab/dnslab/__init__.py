# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""dnslab"""

from __future__ import annotations
from .lab import Lab
from .process import LabError

__all__ = ["Lab", "LabError"]
