# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""No secret appears in the output of a failing dnssec_ds_record run at -vvvv."""

from __future__ import annotations

import pytest

from dnslab.sims.namecom import NameComSimulator
from dnslab.sims.porkbun import PorkbunSimulator
from dnslab.sims.runner import run_module

# Distinct markers, one per secret option, given by option or by environment.
OPTION_SECRETS = {
    "dnsimple_token": "MARKER-dnsimple-0a1b2c",
    "gandi_token": "MARKER-gandi-3d4e5f",
    "ovh_application_secret": "MARKER-ovhsecret-6a7b8c",
    "ovh_consumer_key": "MARKER-ovhconsumer-9d0e1f",
    "aws_secret_access_key": "MARKER-awssecret-2a3b4c",
}
ENV_SECRETS = {
    "OVH_APPLICATION_KEY": "MARKER-ovhappkey-5d6e7f",
    "AWS_ACCESS_KEY_ID": "MARKER-awskeyid-8a9b0c",
    "AWS_SESSION_TOKEN": "MARKER-awssession-1d2e3f",
}


@pytest.mark.parametrize("registrar", ["namecom", "porkbun"])
def test_a_failing_run_at_vvvv_shows_no_secret(dns_lab, registrar):
    zone = dns_lab.children[0]
    if registrar == "namecom":
        sim = NameComSimulator(dns_lab.registry.publish)
        wrong = {
            "namecom_username": "lab-user",
            "namecom_token": "MARKER-namecom-wrong-4f5a6b",
        }
    else:
        sim = PorkbunSimulator(dns_lab.registry.publish)
        wrong = {
            "porkbun_api_key": "MARKER-porkbun-key-7c8d9e",
            "porkbun_secret_api_key": "MARKER-porkbun-secret-0f1a2b",
        }
    sim.start()
    sim.add_domain(zone, dns_lab.registry.get_ds(zone))
    try:
        args = {
            "domain": zone.rstrip("."),
            "registrar": registrar,
            f"{registrar}_api_url": sim.url,
            "resolvers": [dns_lab.resolver_address],
            "records": dns_lab.registry.get_ds(zone),
            **OPTION_SECRETS,
            **wrong,
        }
        result, output = run_module(args, "-vvvv", env=ENV_SECRETS)
    finally:
        sim.stop()

    assert result["failed"] is True
    assert "credentials refused" in result["msg"]
    # The wrong credentials really reached the registrar, so a leak could show.
    seen = sim.requests[0]
    if registrar == "namecom":
        assert seen.basic_auth() == ("lab-user", wrong["namecom_token"])
    else:
        assert seen.json()["secretapikey"] == wrong["porkbun_secret_api_key"]
    markers = list(OPTION_SECRETS.values()) + list(ENV_SECRETS.values())
    markers += [value for name, value in wrong.items() if name != "namecom_username"]
    leaked = [marker for marker in markers if marker in output or marker in str(result)]
    assert leaked == []
