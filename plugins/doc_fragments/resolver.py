# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""Documentation of the options that say how the collection talks to DNS."""

from __future__ import annotations


class ModuleDocFragment:
    """Options of RESOLVER_ARGUMENT_SPEC in plugins/module_utils/_dns.py."""

    DOCUMENTATION = r"""
options:
  resolvers:
    description:
      - IP addresses of the recursive resolvers used to find the parent zone, the parent servers,
        the child servers and their addresses.
      - These resolvers are asked with the CD (checking disabled) flag, so that a broken chain of trust
        does not hide the names needed to repair it.
      - The DS and DNSKEY records themselves are never taken from these resolvers; they are asked of every
        address of every authoritative server directly.
      - When not set, the resolvers of the system (C(/etc/resolv.conf)) are used.
    type: list
    elements: str
  query_timeout:
    description:
      - Seconds to wait for the answer to one DNS query, to a resolver or to an authoritative server.
    type: float
    default: 5
  query_retry:
    description:
      - How many times a query that timed out is sent again before the server is reported as not answering.
      - V(0) sends every query once.
    type: int
    default: 2
requirements:
  - dnspython >= 2.0
  - cryptography (for checking DNSSEC signatures)
"""
