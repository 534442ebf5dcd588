# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""Every registrar simulator as a case for dnssec_ds_record on the lab.

One table, ``REGISTRARS``, says for each registrar how its simulator starts,
which options reach it, what a write and a refused credential look like.  A
``Case`` is one registrar's simulator owning the lab's first child zone; the
``case`` fixture of ``tests/functional/conftest.py`` makes one per test.
"""

from __future__ import annotations

import hashlib
import json
import re
import typing as t
from dataclasses import dataclass, field

import dns.dnssec
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ec

from ..dnsimple_sim import DnsimpleSimulator
from . import Request, ds_text
from .gandi import GandiSimulator
from .namecom import NameComSimulator
from .ovh import OvhSimulator
from .porkbun import PorkbunSimulator
from .route53 import Route53DomainsSimulator
from .runner import run_module, wait_parent_set

# Credentials each simulator accepts.
NAMECOM = ("lab-user", "namecom-lab-token-8f3a")
PORKBUN = ("pk1_lab-porkbun-0c9e", "sk1_lab-porkbun-77d1")
GANDI = "pat_lab-gandi-7c1e9f0b42"
OVH = ("lab-ovh-app-4e1f9a", "lab-ovh-secret-b7c2d83e5f", "lab-ovh-consumer-0a9d7c61")
ROUTE53 = ("AKIALAB7ROUTE53DOMAIN", "lab/route53/SecretAccessKey+9f3e1c7a2b")
DNSIMPLE = "dnsimple-lab-token-3b6e"

# Distinct markers, one per secret option, given by option or by environment in
# the runs with refused credentials: none may show, even at -vvvv.
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
_AWS_CREDENTIAL = re.compile(r"^AWS4-HMAC-SHA256 Credential=([^/]+)/")


@dataclass(frozen=True)
class Registrar:
    """How the scenarios drive one registrar's simulator."""

    name: str
    label: str
    # "ds" or "dnskey": what the registrar's API takes.
    takes: str
    # The simulator for the lab, publishing into its parent zone.
    make: t.Callable[[t.Any], t.Any]
    # Module options that reach the simulator (credentials, URL).
    options: t.Callable[[t.Any], dict[str, t.Any]]
    # Whether a logged request changes the registrar's set.
    is_write: t.Callable[[Request], bool]
    # Check the one request that added the signing KSK.
    check_add: t.Callable[[t.Any, Request, dict[str, t.Any]], None]
    # Make the registrar hold the KSK ``dnskey``, without the module.
    seed: t.Callable[[t.Any, str, str], None]
    # Options (or environment) with credentials the simulator refuses.
    wrong: dict[str, str]
    # Words the failure for refused credentials quotes.
    refused_words: tuple[str, ...]
    # Whether the refused request carried ``wrong`` (it really reached the API).
    carried: t.Callable[[t.Any, Request], bool]
    # The registrar's words for a domain the account does not hold ({domain}).
    unknown_words: str
    # Credentials given through the environment instead of options.
    env: dict[str, str] = field(default_factory=dict)
    wrong_env: dict[str, str] = field(default_factory=dict)
    # Whether writes are asynchronous operations that are polled.
    asynchronous: bool = False
    # Make the simulator's account own ``zone``.
    own: t.Callable[[t.Any, str], None] = lambda sim, zone: sim.add_domain(zone)


def public_key(dnskey: str) -> str:
    return "".join(dnskey.split()[3:])


def request_json(request: Request) -> t.Any:
    return json.loads(request.text)


# -- Name.com -----------------------------------------------------------------


def _namecom_add(sim: t.Any, request: Request, key: dict[str, t.Any]) -> None:
    body = request_json(request)
    assert f"{body['keyTag']} {body['algorithm']} {body['digestType']}" == (
        " ".join(key["ds"].split()[:3])
    )
    assert body["digest"].upper() == key["ds"].split()[3]


# -- Porkbun ------------------------------------------------------------------


def _porkbun_add(sim: t.Any, request: Request, key: dict[str, t.Any]) -> None:
    body = request_json(request)
    assert body["apikey"] == PORKBUN[0]
    assert body["digestType"] == "2"
    assert body["digest"].upper() == key["ds"].split()[3]


def _ds_seed(sim: t.Any, zone: str, dnskey: str) -> None:
    sim.add_domain(zone, [ds_text(zone, dnskey)])


# -- Gandi --------------------------------------------------------------------


def _gandi_add(sim: t.Any, request: Request, key: dict[str, t.Any]) -> None:
    assert request.bearer() == GANDI
    assert request_json(request) == {
        "algorithm": int(key["dnskey"].split()[2]),
        "type": "ksk",
        "public_key": public_key(key["dnskey"]),
    }


# -- OVHcloud -----------------------------------------------------------------


def _ovh_add(sim: t.Any, request: Request, key: dict[str, t.Any]) -> None:
    (sent,) = request_json(request)["keys"]
    assert sent["tag"] == key["keytag"]
    assert sent["publicKey"] == public_key(key["dnskey"])
    assert sim.requests_to("GET", "/task/"), "the task was never polled"


def _ovh_signed_with(sim: t.Any, request: Request, secret: str) -> bool:
    text = "+".join(
        [
            secret,
            OVH[2],
            request.method,
            sim.signed_url(request),
            request.text,
            request.header("X-Ovh-Timestamp") or "",
        ]
    )
    signature = "$1$" + hashlib.sha1(text.encode()).hexdigest()
    return request.header("X-Ovh-Signature") == signature


# -- Route 53 Domains ---------------------------------------------------------


def target(request: Request) -> str:
    return (request.header("X-Amz-Target") or "").rsplit(".", 1)[-1]


def _route53_add(sim: t.Any, request: Request, key: dict[str, t.Any]) -> None:
    assert request.header("Authorization").startswith(
        f"AWS4-HMAC-SHA256 Credential={ROUTE53[0]}/"
    )
    assert request_json(request)["SigningAttributes"] == {
        "Algorithm": 13,
        "Flags": 257,
        "PublicKey": public_key(key["dnskey"]),
    }
    assert "GetOperationDetail" in [target(r) for r in sim.requests]


def _route53_key_id(request: Request) -> str | None:
    match = _AWS_CREDENTIAL.match(request.header("Authorization") or "")
    return match.group(1) if match else None


# -- DNSimple (as registrar) --------------------------------------------------


def _dnsimple_make(lab: t.Any) -> DnsimpleSimulator:
    sim = DnsimpleSimulator(token=DNSIMPLE, publish=lab.registry.publish)
    # The registry's SHA-1 extras ("sha1" fault) are made from the child's keys.
    sim.child_keys = lab.child_keys
    return sim


def _dnsimple_add(sim: t.Any, request: Request, key: dict[str, t.Any]) -> None:
    body = request_json(request)
    # The key data goes along for the TLDs that want it.
    assert body["public_key"] == public_key(key["dnskey"])
    assert body["digest"].upper() == key["ds"].split()[3]


def _dnsimple_seed(sim: t.Any, zone: str, dnskey: str) -> None:
    tag, algorithm, digest_type, digest = ds_text(zone, dnskey).split()
    answer = requests.post(
        f"{sim.url}/v2/{sim.account_id}/domains/{zone.rstrip('.')}/ds_records",
        json={
            "algorithm": algorithm,
            "digest": digest,
            "digest_type": digest_type,
            "keytag": tag,
        },
        headers={"Authorization": f"Bearer {DNSIMPLE}"},
        timeout=10,
    )
    answer.raise_for_status()


REGISTRARS = [
    Registrar(
        name="namecom",
        label="Name.com",
        takes="ds",
        make=lambda lab: NameComSimulator(
            lab.registry.publish, credentials=NAMECOM, child_keys=lab.child_keys
        ),
        options=lambda sim: {
            "namecom_username": NAMECOM[0],
            "namecom_token": NAMECOM[1],
            "namecom_api_url": sim.url,
        },
        is_write=lambda request: request.method != "GET",
        check_add=_namecom_add,
        seed=_ds_seed,
        wrong={"namecom_token": "MARKER-namecom-wrong-4f5a6b"},
        refused_words=("credentials refused", "Unauthorized"),
        carried=lambda sim, request: request.basic_auth()
        == (NAMECOM[0], "MARKER-namecom-wrong-4f5a6b"),
        unknown_words="The requested domain does not exist.",
    ),
    Registrar(
        name="porkbun",
        label="Porkbun",
        takes="ds",
        make=lambda lab: PorkbunSimulator(
            lab.registry.publish, credentials=PORKBUN, child_keys=lab.child_keys
        ),
        options=lambda sim: {"porkbun_api_url": sim.url},
        is_write=lambda request: "DnssecRecord/" in request.path
        and "getDnssecRecords" not in request.path,
        check_add=_porkbun_add,
        seed=_ds_seed,
        # Porkbun's keys come from the environment in every scenario.
        env={"PORKBUN_API_KEY": PORKBUN[0], "PORKBUN_SECRET_API_KEY": PORKBUN[1]},
        wrong={},
        wrong_env={
            "PORKBUN_API_KEY": "MARKER-porkbun-key-7c8d9e",
            "PORKBUN_SECRET_API_KEY": "MARKER-porkbun-secret-0f1a2b",
        },
        refused_words=("credentials refused", "Invalid API key"),
        carried=lambda sim, request: request.json()["secretapikey"]
        == "MARKER-porkbun-secret-0f1a2b",
        unknown_words="Invalid domain.",
    ),
    Registrar(
        name="gandi",
        label="Gandi",
        takes="dnskey",
        make=lambda lab: GandiSimulator(lab.registry.publish, credentials=GANDI),
        options=lambda sim: {"gandi_token": GANDI, "gandi_api_url": sim.url},
        is_write=lambda request: request.method != "GET",
        check_add=_gandi_add,
        seed=lambda sim, zone, dnskey: sim.add_key(zone, dnskey),
        wrong={"gandi_token": "MARKER-gandi-wrong-5d2a8e11"},
        refused_words=("credentials refused", "401"),
        carried=lambda sim, request: request.bearer() == "MARKER-gandi-wrong-5d2a8e11",
        unknown_words="The domain {domain} does not exist in this organization.",
    ),
    Registrar(
        name="ovh",
        label="OVHcloud",
        takes="dnskey",
        make=lambda lab: OvhSimulator(lab.registry.publish, credentials=OVH),
        options=lambda sim: {
            "ovh_application_key": OVH[0],
            "ovh_application_secret": OVH[1],
            "ovh_consumer_key": OVH[2],
            "ovh_api_url": sim.url + "/1.0",
        },
        is_write=lambda request: request.method == "POST",
        check_add=_ovh_add,
        seed=lambda sim, zone, dnskey: sim.add_key(zone, dnskey),
        wrong={"ovh_application_secret": "MARKER-ovh-wrong-66f1e2d4"},
        refused_words=("credentials refused", "INVALID_SIGNATURE"),
        carried=lambda sim, request: _ovh_signed_with(
            sim, request, "MARKER-ovh-wrong-66f1e2d4"
        ),
        asynchronous=True,
        unknown_words="(serviceName = {domain}) does not exist",
    ),
    Registrar(
        name="route53",
        label="Route 53 Domains",
        takes="dnskey",
        make=lambda lab: Route53DomainsSimulator(
            lab.registry.publish, credentials=ROUTE53
        ),
        options=lambda sim: {
            "aws_access_key_id": ROUTE53[0],
            "aws_secret_access_key": ROUTE53[1],
            "route53_api_url": sim.url,
        },
        is_write=lambda request: target(request).endswith("DelegationSignerToDomain")
        or target(request).endswith("DelegationSignerFromDomain"),
        check_add=_route53_add,
        seed=lambda sim, zone, dnskey: sim.add_key(zone, dnskey),
        wrong={"aws_access_key_id": "AKIAMARKERWRONG00042"},
        refused_words=("credentials refused", "UnrecognizedClientException"),
        carried=lambda sim, request: _route53_key_id(request) == "AKIAMARKERWRONG00042",
        asynchronous=True,
        unknown_words="InvalidInput: Domain {domain} not found in account.",
    ),
    Registrar(
        name="dnsimple",
        label="DNSimple",
        takes="ds",
        make=_dnsimple_make,
        own=lambda sim, zone: sim.add_domain(zone, state="registered"),
        options=lambda sim: {
            "dnsimple_token": DNSIMPLE,
            "dnsimple_account": str(sim.account_id),
            "dnsimple_api_url": sim.url,
        },
        is_write=lambda request: request.method != "GET",
        check_add=_dnsimple_add,
        seed=_dnsimple_seed,
        wrong={"dnsimple_token": "MARKER-dnsimple-wrong-3c9d"},
        refused_words=("credentials refused", "Authentication failed"),
        carried=lambda sim, request: request.bearer() == "MARKER-dnsimple-wrong-3c9d",
        unknown_words="Domain `{domain}` not found",
    ),
]
BY_NAME = {registrar.name: registrar for registrar in REGISTRARS}
ALL = [pytest.param(registrar, id=registrar.name) for registrar in REGISTRARS]


def only(*names: str) -> list[t.Any]:
    return [pytest.param(BY_NAME[name], id=name) for name in names]


DS_TAKERS = [name for name, registrar in BY_NAME.items() if registrar.takes == "ds"]
ASYNCHRONOUS = [name for name, registrar in BY_NAME.items() if registrar.asynchronous]


class Case:
    """One registrar's simulator, owning one child zone of the lab."""

    def __init__(self, lab: t.Any, registrar: Registrar) -> None:
        self.lab = lab
        self.registrar = registrar
        self.zone = lab.children[0]
        self.key = signing_ksk(lab, self.zone)
        self.sim = registrar.make(lab)
        self.sim.start()
        registrar.own(self.sim, self.zone)

    def args(self, **args: t.Any) -> dict[str, t.Any]:
        base = {
            "domain": self.zone.rstrip("."),
            "registrar": self.registrar.name,
            "resolvers": [self.lab.resolver_address],
            "query_timeout": 2,
            "registrar_timeout": 5,
            "registrar_operation_timeout": 30,
            **self.registrar.options(self.sim),
        }
        base.update(args)
        return base

    def run(
        self, *extra: str, env: dict[str, str] | None = None, **args: t.Any
    ) -> tuple[dict[str, t.Any], str]:
        environment = dict(self.registrar.env)
        environment.update(env or {})
        return run_module(self.args(**args), *extra, env=environment)

    def writes(self) -> list[Request]:
        return [r for r in self.sim.requests if self.registrar.is_write(r)]

    def empty(self) -> None:
        """No DS at the parent (the registrar holds none either)."""
        self.lab.registry.set_ds(self.zone, [])
        wait_parent_set(self.lab, self.zone, [])

    def seed(self) -> None:
        """The registrar holds the signing KSK; every parent server serves its DS."""
        self.registrar.seed(self.sim, self.zone, self.key["dnskey"])
        self.lab.registry.set_ds(self.zone, [self.key["ds"]])
        wait_parent_set(self.lab, self.zone, [self.key["ds"]])
        self.sim.requests.clear()


def assert_failed_quoting(
    case: Case, result: dict[str, t.Any], output: str, *words: str
) -> None:
    """The run failed, naming the registrar and quoting ``words``; no write."""
    assert result["failed"] is True, output
    assert result["msg"].startswith(f"{case.registrar.label}: "), result["msg"]
    for text in words:
        assert text in result["msg"]
    assert case.writes() == []


def signing_ksk(lab: t.Any, zone: str) -> dict[str, t.Any]:
    (key,) = [key for key in lab.child_keys(zone) if key["signing"]]
    return key


def stray_key() -> str:
    """A KSK the child does not publish: a fresh ECDSA P-256 key, as text."""
    private = ec.generate_private_key(ec.SECP256R1())
    return dns.dnssec.make_dnskey(private.public_key(), 13, flags=257).to_text()
