# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""Documentation of the DNSimple API options: token, account, API URL."""

from __future__ import annotations


class ModuleDocFragment:
    """Options of DNSIMPLE_ARGUMENT_SPEC in plugins/module_utils/_dnsimple.py."""

    DOCUMENTATION = r"""
options:
  dnsimple_token:
    description:
      - DNSimple API v2 access token, an account token or a user token, sent as C(Authorization: Bearer).
      - When not set, the environment variable E(DNSIMPLE_TOKEN) is used.
      - The token is never shown in results, logs or error messages.
    type: str
  dnsimple_account:
    description:
      - The DNSimple account id, as used in the API paths C(/v2/{account}/...).
      - When not set, the environment variable E(DNSIMPLE_ACCOUNT) is used.
      - When neither is set, the account of an account token is taken from C(/v2/whoami); for a user token
        with access to exactly one account, that account is used, and with several the run fails and lists them.
    type: str
  dnsimple_api_url:
    description:
      - Base URL of the DNSimple API, without C(/v2).
      - Use V(https://api.sandbox.dnsimple.com) for DNSimple's sandbox, whose zones do not resolve in public DNS.
      - When not set, the environment variable E(DNSIMPLE_API_URL) is used.
    type: str
    default: https://api.dnsimple.com
notes:
  - Requests are paced by DNSimple's C(X-RateLimit-Remaining) and C(X-RateLimit-Reset) headers; after an
    HTTP 429 answer the run waits for the quota to reset, for at most five minutes.
  - Timeouts and server errors are retried with growing pauses; a write is repeated only when the failure shows
    that DNSimple did not carry it out.
requirements:
  - requests
"""
