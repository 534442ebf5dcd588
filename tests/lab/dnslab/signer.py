# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""placeholder"""
from __future__ import annotations
import typing as t
class Signer:
    def __init__(self, lab: t.Any) -> None:
        self.lab = lab
    def stop(self) -> None:
        pass
