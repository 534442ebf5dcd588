# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""The collection's version, for User-Agent headers.

Private to the dnsops.dnssec collection: not a public API.

Keep it equal to ``version`` in galaxy.yml; a unit test compares the two.
"""

from __future__ import annotations

COLLECTION_NAME = "dnsops.dnssec"
COLLECTION_VERSION = "0.1.0"
