# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

from __future__ import annotations

import json
import typing as t
from urllib.parse import urlsplit

import pytest
import requests
from ansible.errors import AnsibleError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from requests.structures import CaseInsensitiveDict

from ansible_collections.dnsops.dnssec.plugins.inventory.dnsimple import (
    InventoryModule,
    tld_group,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._dnsimple import (
    DnsimpleClient,
)

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core before 2.19 trusts every template

    def trust_as_template(value: str) -> str:
        return value


TOKEN = "inventory-secret-token-123"
BASE = "https://api.dnsimple.com"

DOMAINS = [
    {"id": 1, "name": "signed.com", "state": "hosted"},
    {"id": 2, "name": "unsigned.com", "state": "hosted"},
    {"id": 3, "name": "registered.org", "state": "registered"},
    {"id": 4, "name": "example.co.uk", "state": "hosted"},
    {"id": 5, "name": "gone.net", "state": "expired"},
]
DNSSEC = {
    "signed.com": True,
    "unsigned.com": False,
    "registered.org": True,
    "example.co.uk": True,
    "gone.net": True,
}


def response(status: int, body: t.Any) -> requests.Response:
    raw = requests.Response()
    raw.status_code = status
    raw.headers = CaseInsensitiveDict({"Content-Type": "application/json"})
    raw._content = json.dumps(body).encode()
    raw.encoding = "utf-8"
    return raw


class FakeDnsimple:
    """The account's domains and their DNSSEC status; records the paths asked."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.paths: list[str] = []

    def request(self, method: str, url: str, **kwargs: t.Any) -> requests.Response:
        path = urlsplit(url).path
        self.paths.append(path)
        if self.status != 200:
            return response(self.status, {"message": "Authentication failed"})
        if path == "/v2/whoami":
            return response(200, {"data": {"user": None, "account": {"id": 1010}}})
        if path == "/v2/1010/domains":
            pagination = {"current_page": 1, "total_pages": 1}
            return response(200, {"data": DOMAINS, "pagination": pagination})
        name = path.split("/")[4]
        return response(200, {"data": {"enabled": DNSSEC[name], "active": True}})


OPTIONS = {
    "plugin": "dnsops.dnssec.dnsimple",
    "dnsimple_token": TOKEN,
    "dnsimple_account": None,
    "dnsimple_api_url": BASE,
    "name_like": None,
    "include_registered": False,
    "include_unsigned": False,
    "timeout": 30,
    "strict": False,
    "compose": {},
    "groups": {},
    "keyed_groups": [],
    "leading_separator": True,
    "use_extra_vars": False,
    "cache": False,
    "cache_plugin": "memory",
    "cache_timeout": 3600,
    "cache_connection": None,
    "cache_prefix": "ansible_inventory_",
}


class DictCache(dict):
    pass


def run(fake: FakeDnsimple, use_cache: bool = True, **options: t.Any):
    plugin = InventoryModule()
    plugin._options = dict(OPTIONS, **options)
    plugin._read_config_data = lambda path: None
    plugin._cache = DictCache()
    plugin._client = lambda: DnsimpleClient(
        plugin.get_option("dnsimple_token"),
        account=plugin.get_option("dnsimple_account"),
        base_url=plugin.get_option("dnsimple_api_url"),
        session=fake,
        sleep=lambda seconds: None,
    )
    inventory = InventoryData()
    plugin.parse(
        inventory, DataLoader(), "/tmp/inventory.dnsimple.yml", cache=use_cache
    )
    return plugin, inventory


def members(inventory: InventoryData, group: str) -> list[str]:
    return sorted(host.name for host in inventory.groups[group].get_hosts())


def test_hosted_domains_with_dnssec_become_hosts():
    fake = FakeDnsimple()
    unused_plugin, inventory = run(fake)

    assert sorted(inventory.hosts) == ["example.co.uk", "signed.com"]
    host = inventory.get_host("signed.com")
    assert host.vars["dnssec_domain"] == "signed.com"
    assert host.vars["dnsimple_state"] == "hosted"
    assert host.vars["dnsimple_dnssec_enabled"] is True
    assert host.vars["dnsimple_account"] == "1010"
    assert host.vars["ansible_connection"] == "local"
    assert members(inventory, "dnsimple") == ["example.co.uk", "signed.com"]
    assert members(inventory, "tld_com") == ["signed.com"]
    assert members(inventory, "tld_uk") == ["example.co.uk"]
    assert members(inventory, "dnssec_enabled") == ["example.co.uk", "signed.com"]
    # Registered and expired domains cost no DNSSEC call.
    assert "/v2/1010/domains/registered.org/dnssec" not in fake.paths
    assert "/v2/1010/domains/gone.net/dnssec" not in fake.paths


def test_include_registered_and_unsigned():
    unused_plugin, inventory = run(
        FakeDnsimple(), include_registered=True, include_unsigned=True
    )
    assert sorted(inventory.hosts) == [
        "example.co.uk",
        "registered.org",
        "signed.com",
        "unsigned.com",
    ]
    assert members(inventory, "dnssec_disabled") == ["unsigned.com"]
    assert members(inventory, "dnsimple_registered") == ["registered.org"]
    assert members(inventory, "tld_org") == ["registered.org"]


def test_cache_is_filled_then_used_without_api_calls():
    fake = FakeDnsimple()
    plugin, unused_inventory = run(fake, use_cache=False, cache=True)
    cached = dict(plugin._cache)
    assert len(cached) == 1
    calls = len(fake.paths)

    plugin = InventoryModule()
    plugin._options = dict(OPTIONS, cache=True)
    plugin._read_config_data = lambda path: None
    plugin._cache = DictCache(cached)
    plugin._client = lambda: pytest.fail("the cache should have answered")
    inventory = InventoryData()
    plugin.parse(inventory, DataLoader(), "/tmp/inventory.dnsimple.yml", cache=True)
    assert sorted(inventory.hosts) == ["example.co.uk", "signed.com"]
    assert len(fake.paths) == calls


def test_api_failure_is_an_ansible_error_without_the_token():
    with pytest.raises(AnsibleError) as info:
        run(FakeDnsimple(status=401))
    assert "Authentication failed" in str(info.value)
    assert TOKEN not in str(info.value)


def test_keyed_groups():
    # Inventory files are trusted; options set directly must be marked so.
    keyed = [{"key": trust_as_template("dnsimple_state"), "prefix": "state"}]
    unused_plugin, inventory = run(FakeDnsimple(), keyed_groups=keyed, strict=True)
    assert members(inventory, "state_hosted") == ["example.co.uk", "signed.com"]


@pytest.mark.parametrize(
    "path, accepted",
    [
        ("inventory/dnsimple.yml", True),
        ("inventory/prod.dnsimple.yaml", True),
        ("inventory/hosts.yml", False),
    ],
)
def test_verify_file(tmp_path, path, accepted):
    target = tmp_path / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("plugin: dnsops.dnssec.dnsimple\n")
    assert InventoryModule().verify_file(str(target)) is accepted


def test_tld_group():
    assert tld_group("Example.CO.UK.") == "tld_uk"
    assert tld_group("xn--bcher-kva.xn--p1ai") == "tld_xn__p1ai"
