# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Inventory of the DNSimple domains whose DNSSEC the collection looks after."""

from __future__ import annotations

DOCUMENTATION = r"""
name: dnsimple
short_description: DNSimple domains with DNSSEC as inventory hosts
version_added: 0.1.0
author:
  - dnsops.dnssec contributors (@dnsops)
description:
  - Makes one inventory host of each domain of a DNSimple account that DNSimple hosts (its zone is served and
    signed by DNSimple, the domain is registered elsewhere) and that has DNSSEC enabled. Those are the domains
    whose DS records the domain owner must change at the registrar during DNSimple's key rotations.
  - The host name is the domain name; the host variables say what DNSimple knows of the domain.
  - "Groups: V(dnsimple) (every host); one group per top-level domain, for example V(tld_com) (V(example.co.uk)
    goes to V(tld_uk)); V(dnssec_enabled) and V(dnssec_disabled); V(dnsimple_hosted) and V(dnsimple_registered).
    O(keyed_groups), O(groups) and O(compose) add more."
  - The domain list costs one API call per 100 domains, and the DNSSEC status one call per domain. With
    O(cache) enabled the result is kept for O(cache_timeout) seconds, which suits an AWX inventory source that
    is refreshed on a schedule.
  - Every host gets C(ansible_connection=local), because the tasks of this collection talk to APIs and DNS
    servers from the control node, never to the domain.
  - "The host variables are: C(dnssec_domain) (the domain name), C(dnsimple_domain_id), C(dnsimple_state)
    (V(hosted), V(registered) or V(expired)), C(dnsimple_dnssec_enabled), C(dnsimple_dnssec_active)
    and C(dnsimple_account)."
extends_documentation_fragment:
  - constructed
  - inventory_cache
requirements:
  - requests
options:
  plugin:
    description: The name of this plugin; it makes the inventory file one of this plugin's.
    type: str
    required: true
    choices: [dnsops.dnssec.dnsimple]
  dnsimple_token:
    description:
      - DNSimple API v2 access token, an account token or a user token.
      - Prefer the environment variable to writing the token in the inventory file.
    type: str
    env:
      - name: DNSIMPLE_TOKEN
  dnsimple_account:
    description:
      - The DNSimple account id.
      - When not set, the account of an account token is used, or the only account a user token may use.
    type: str
    env:
      - name: DNSIMPLE_ACCOUNT
  dnsimple_api_url:
    description:
      - Base URL of the DNSimple API, without C(/v2).
      - Use V(https://api.sandbox.dnsimple.com) for DNSimple's sandbox.
    type: str
    default: https://api.dnsimple.com
    env:
      - name: DNSIMPLE_API_URL
  name_like:
    description:
      - Only domains whose name contains this text (DNSimple's C(name_like) filter).
    type: str
  include_registered:
    description:
      - Also make hosts of domains registered at DNSimple (C(state) V(registered)), where DNSimple changes the
        DS records itself during its rotations.
    type: bool
    default: false
  include_unsigned:
    description:
      - Also make hosts of domains whose DNSSEC is not enabled at DNSimple; they go to the group
        V(dnssec_disabled).
    type: bool
    default: false
  timeout:
    description: Seconds to wait for the answer to one API call.
    type: float
    default: 30
"""

EXAMPLES = r"""
# dnsimple.yml: every hosted domain with DNSSEC, token from DNSIMPLE_TOKEN.
plugin: dnsops.dnssec.dnsimple

---
# dnsimple.yml: one account, cached for an hour, with a group per DNSSEC activity.
plugin: dnsops.dnssec.dnsimple
dnsimple_account: "1010"
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: /var/tmp/dnsimple_inventory
cache_timeout: 3600
keyed_groups:
  - key: dnsimple_dnssec_active
    prefix: active

# Use it: list the hosts, then rotate every one of them.
#   ansible-inventory -i dnsimple.yml --graph
#   ansible-playbook -i dnsimple.yml dnsops.dnssec.rotate
"""

import re
import typing as t

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.dnsops.dnssec.plugins.module_utils._dnsimple import (
    DEFAULT_API_URL,
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    DnsimpleClient,
    DnsimpleError,
)

_GROUP_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def tld_group(domain: str) -> str:
    """Return the group of a domain's top-level domain: ``tld_com``."""
    tld = domain.rstrip(".").rsplit(".", 1)[-1].lower()
    return "tld_" + _GROUP_UNSAFE.sub("_", tld)


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    """The DNSimple domains of an account, as hosts."""

    NAME = "dnsops.dnssec.dnsimple"

    def verify_file(self, path: str) -> bool:
        """Accept files named ``*dnsimple.yml`` or ``*dnsimple.yaml``."""
        if not super().verify_file(path):
            return False
        return path.endswith(("dnsimple.yml", "dnsimple.yaml"))

    def parse(
        self, inventory: t.Any, loader: t.Any, path: str, cache: bool = True
    ) -> None:
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)

        cache_key = self.get_cache_key(path)
        use_cache = bool(self.get_option("cache")) and cache
        update_cache = bool(self.get_option("cache")) and not cache
        domains = None
        if use_cache:
            try:
                domains = self._cache[cache_key]
            except KeyError:
                update_cache = True
        if domains is None:
            domains = self._fetch()
        if update_cache:
            self._cache[cache_key] = domains

        self._populate(domains)

    def _client(self) -> DnsimpleClient:
        if not HAS_REQUESTS:
            raise AnsibleError(
                "the dnsops.dnssec.dnsimple inventory needs the Python library "
                f"requests: {to_native(REQUESTS_IMPORT_ERROR)}"
            )
        return DnsimpleClient(
            self.get_option("dnsimple_token"),
            account=self.get_option("dnsimple_account"),
            base_url=self.get_option("dnsimple_api_url") or DEFAULT_API_URL,
            timeout=self.get_option("timeout"),
        )

    def _fetch(self) -> list[dict[str, t.Any]]:
        """Return the domains that become hosts, with their DNSSEC status."""
        include_registered = self.get_option("include_registered")
        include_unsigned = self.get_option("include_unsigned")
        try:
            client = self._client()
            account = client.account_id()
            domains = []
            for domain in client.list_domains(name_like=self.get_option("name_like")):
                if not (
                    domain.is_hosted or include_registered and domain.is_registered
                ):
                    continue
                dnssec = client.dnssec(domain.name)
                if not dnssec.get("enabled") and not include_unsigned:
                    continue
                domains.append(
                    {
                        "name": domain.name,
                        "id": domain.id,
                        "state": domain.state,
                        "account": account,
                        "dnssec_enabled": bool(dnssec.get("enabled")),
                        "dnssec_active": bool(dnssec.get("active")),
                    }
                )
        except DnsimpleError as exc:
            raise AnsibleError(f"dnsops.dnssec.dnsimple inventory: {exc.message}")
        return domains

    def _populate(self, domains: list[dict[str, t.Any]]) -> None:
        strict = self.get_option("strict")
        self.inventory.add_group("dnsimple")
        for domain in domains:
            name = domain["name"]
            self.inventory.add_host(name, group="dnsimple")
            host_vars = {
                "dnssec_domain": name,
                "dnsimple_domain_id": domain["id"],
                "dnsimple_state": domain["state"],
                "dnsimple_dnssec_enabled": domain["dnssec_enabled"],
                "dnsimple_dnssec_active": domain["dnssec_active"],
                "dnsimple_account": domain["account"],
                "ansible_connection": "local",
            }
            for key, value in host_vars.items():
                self.inventory.set_variable(name, key, value)

            groups = [
                tld_group(name),
                "dnssec_enabled" if domain["dnssec_enabled"] else "dnssec_disabled",
                "dnsimple_" + _GROUP_UNSAFE.sub("_", domain["state"] or "unknown"),
            ]
            for group in groups:
                self.inventory.add_group(group)
                self.inventory.add_child(group, name)

            self._set_composite_vars(
                self.get_option("compose"), host_vars, name, strict=strict
            )
            self._add_host_to_composed_groups(
                self.get_option("groups"), host_vars, name, strict=strict
            )
            self._add_host_to_keyed_groups(
                self.get_option("keyed_groups"), host_vars, name, strict=strict
            )
