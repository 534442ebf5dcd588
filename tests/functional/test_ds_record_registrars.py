# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""dnssec_ds_record against every registrar simulator and the lab.

The module runs through ``ansible`` as an operator would.  Each simulator's
writes land in the lab's ``test.`` zone, and every parent server address is
asked for the DS set directly.  One table, ``REGISTRARS``, says for each
registrar how its simulator starts, which options reach it, what a write and a
refused credential look like; the scenarios run over the table, and what only
one registrar does is tested at the end.
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

from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    make_ds,
    parse_dnskey,
)
from dnslab.dnsimple_sim import DnsimpleSimulator
from dnslab.sims import Request, ds_text
from dnslab.sims.gandi import GandiSimulator
from dnslab.sims.namecom import NameComSimulator
from dnslab.sims.ovh import OvhSimulator
from dnslab.sims.porkbun import PorkbunSimulator
from dnslab.sims.route53 import Route53DomainsSimulator
from dnslab.sims.runner import parent_ds, run_module, wait_parent, wait_parent_set

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


def _json(request: Request) -> t.Any:
    return json.loads(request.text)


# -- Name.com -----------------------------------------------------------------


def _namecom_add(sim: t.Any, request: Request, key: dict[str, t.Any]) -> None:
    body = _json(request)
    assert f"{body['keyTag']} {body['algorithm']} {body['digestType']}" == (
        " ".join(key["ds"].split()[:3])
    )
    assert body["digest"].upper() == key["ds"].split()[3]


# -- Porkbun ------------------------------------------------------------------


def _porkbun_add(sim: t.Any, request: Request, key: dict[str, t.Any]) -> None:
    body = _json(request)
    assert body["apikey"] == PORKBUN[0]
    assert body["digestType"] == "2"
    assert body["digest"].upper() == key["ds"].split()[3]


def _ds_seed(sim: t.Any, zone: str, dnskey: str) -> None:
    sim.add_domain(zone, [ds_text(zone, dnskey)])


# -- Gandi --------------------------------------------------------------------


def _gandi_add(sim: t.Any, request: Request, key: dict[str, t.Any]) -> None:
    assert request.bearer() == GANDI
    assert _json(request) == {
        "algorithm": int(key["dnskey"].split()[2]),
        "type": "ksk",
        "public_key": public_key(key["dnskey"]),
    }


# -- OVHcloud -----------------------------------------------------------------


def _ovh_add(sim: t.Any, request: Request, key: dict[str, t.Any]) -> None:
    (sent,) = _json(request)["keys"]
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
    assert _json(request)["SigningAttributes"] == {
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
    body = _json(request)
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


@pytest.fixture()
def case(dns_lab: t.Any, request: pytest.FixtureRequest) -> t.Iterator[Case]:
    """The registrar of the test's parameter, its simulator started.

    The zone's DS set in ``test.`` is restored afterwards.
    """
    original = dns_lab.registry.get_ds(dns_lab.children[0])
    current = Case(dns_lab, request.param)
    try:
        yield current
    finally:
        current.sim.stop()
        dns_lab.registry.set_ds(current.zone, original)
        wait_parent_set(dns_lab, current.zone, original)


# -- every registrar ----------------------------------------------------------


@pytest.mark.parametrize("case", ALL, indirect=True)
def test_add_reaches_every_parent_server_then_nothing_to_do(case):
    case.empty()

    result, output = case.run(keys=[case.key["dnskey"]])

    assert result["failed"] is False, output
    assert result["changed"] is True
    assert result["before"] == []
    assert [entry["ds"]["text"] for entry in result["after"]] == [case.key["ds"]]
    (add,) = case.writes()
    case.registrar.check_add(case.sim, add, case.key)
    wait_parent_set(case.lab, case.zone, [case.key["ds"]])

    again, output = case.run(keys=[case.key["dnskey"]])

    assert again["failed"] is False, output
    assert again["changed"] is False
    assert len(case.writes()) == 1


@pytest.mark.parametrize("case", ALL, indirect=True)
def test_last_validating_ds_is_kept_unless_overridden(case):
    case.seed()
    absent = {"records": [case.key["ds"]], "state": "absent"}

    refused, output = case.run(**absent)

    assert refused["failed"] is True, output
    assert "safety rule 1" in refused["msg"]
    assert case.writes() == []
    assert len(case.sim.records(case.zone)) == 1
    wait_parent_set(case.lab, case.zone, [case.key["ds"]])

    removed, output = case.run(allow_unsafe=True, **absent)

    assert removed["failed"] is False, output
    assert removed["changed"] is True
    assert removed["after"] == []
    assert len(case.writes()) == 1
    assert case.sim.records(case.zone) == []
    wait_parent_set(case.lab, case.zone, [])


@pytest.mark.parametrize("case", ALL, indirect=True)
def test_check_and_diff_mode_make_no_write(case):
    case.empty()
    key = parse_dnskey(case.key["dnskey"])
    added = (
        f"DS {case.key['ds']}"
        if case.registrar.takes == "ds"
        else (f"DNSKEY {key.to_text()}")
    )

    result, output = case.run("--check", "--diff", keys=[case.key["dnskey"]])

    assert result["failed"] is False, output
    assert result["changed"] is True
    assert case.writes() == []
    assert f"+{added}" in output


@pytest.mark.parametrize(
    "case, form",
    [
        pytest.param(BY_NAME[name], form, id=f"{name}-{form}")
        for name in BY_NAME
        for form in ("keys", "records")
    ],
    indirect=["case"],
)
def test_a_key_the_child_does_not_publish_is_refused(case, form):
    stray = stray_key()
    given = (
        {"keys": [stray]}
        if form == "keys"
        else {"records": [ds_text(case.zone, stray)]}
    )

    result, output = case.run(**given)

    assert result["failed"] is True, output
    if form == "records" and case.registrar.takes == "dnskey":
        # No key to send: the child publishes none that the DS was made from.
        assert "takes DNSKEY data, and no key the child servers" in result["msg"]
    else:
        assert "safety rule 2" in result["msg"]
    assert case.writes() == []


@pytest.mark.parametrize("case", ALL, indirect=True)
def test_wrong_credentials_change_nothing_and_never_show_a_secret(case):
    wrong = case.registrar.wrong
    # ansible-core's error report quotes the start of an ad-hoc task's arguments
    # (the module cannot mask that), so the secrets come after the domain.
    args = case.args(records=[case.key["ds"]])
    for name, marker in OPTION_SECRETS.items():
        args.setdefault(name, marker)
    args.update(wrong)
    environment = {**ENV_SECRETS, **case.registrar.wrong_env}

    result, output = run_module(args, "-vvvv", env=environment)

    assert_failed_quoting(case, result, output, *case.registrar.refused_words)
    # The wrong credentials really reached the registrar, so a leak could show.
    assert case.registrar.carried(case.sim, case.sim.requests[-1])
    markers = list(OPTION_SECRETS.values()) + list(ENV_SECRETS.values())
    markers += list(wrong.values()) + list(case.registrar.wrong_env.values())
    leaked = [marker for marker in markers if marker in output or marker in str(result)]
    assert leaked == []


@pytest.mark.parametrize("case", ALL, indirect=True)
def test_unknown_domain_is_reported(case):
    other = case.lab.children[1].rstrip(".")

    result, output = case.run(domain=other, records=[case.key["ds"]])

    assert_failed_quoting(
        case,
        result,
        output,
        f"domain {other}",
        "not found",
        case.registrar.unknown_words.format(domain=other),
    )


@pytest.mark.parametrize("case", ALL, indirect=True)
def test_registry_sha1_extra_is_tolerated(case):
    case.empty()
    case.sim.fault = "sha1"

    result, output = case.run(keys=[case.key["dnskey"]])

    assert result["failed"] is False, output
    assert result["changed"] is True
    seen = wait_parent(
        case.lab, case.zone, lambda ds_set: any(d.split()[2] == "1" for d in ds_set)
    )
    assert all(case.key["ds"] in ds_set for ds_set in seen.values())

    again, output = case.run(keys=[case.key["dnskey"]], state="exact")

    assert again["failed"] is False, output
    assert again["changed"] is False
    assert len(case.writes()) == 1


@pytest.mark.parametrize(
    "case, record, message",
    [
        pytest.param(BY_NAME[name], record, message, id=f"{name}-{message[:3]}")
        for name in BY_NAME
        for record, message in (
            ("1234 13 2 NOTHEX", "hexadecimal"),
            ("1234 99 2 " + "AB" * 32, "not a DNSSEC signing algorithm"),
        )
    ],
    indirect=["case"],
)
def test_bad_input_is_a_clear_error_before_any_call(case, record, message):
    result, output = case.run(records=[record])

    assert result["failed"] is True, output
    assert message in result["msg"]
    assert case.sim.requests == []


@pytest.mark.parametrize(
    "case, fault",
    [
        pytest.param(BY_NAME[name], fault, id=f"{name}-{fault}")
        for name in BY_NAME
        for fault in ("429", "500", "timeout")
        # DNSimple's 429 means the hourly quota is spent: its reset is most of an
        # hour away, which the HTTP layer reports rather than waits out.
        if (name, fault) != ("dnsimple", "429")
    ],
    indirect=["case"],
)
def test_a_failed_read_is_retried(case, fault):
    case.seed()
    case.sim.fault, case.sim.fault_count, case.sim.timeout_delay = fault, 1, 3.0

    result, output = case.run(records=[case.key["ds"]], registrar_timeout=1)

    assert result["failed"] is False, output
    assert result["changed"] is False
    assert case.sim.fault is None, "the fault never happened"
    first, second = case.sim.requests[:2]
    assert (first.method, first.path, first.text) == (
        second.method,
        second.path,
        second.text,
    )
    assert case.writes() == []


@pytest.mark.parametrize("case", ALL, indirect=True)
def test_a_registrar_that_keeps_failing_is_a_clear_error(case):
    case.seed()
    case.sim.fault = "500"

    result, output = case.run(records=[case.key["ds"]])

    assert_failed_quoting(case, result, output, "500")


@pytest.mark.parametrize("case", only(*ASYNCHRONOUS), indirect=True)
def test_operation_that_stays_pending_is_a_failure(case):
    case.empty()
    case.sim.fault = "pending"

    result, output = case.run(keys=[case.key["dnskey"]], registrar_operation_timeout=3)

    assert result["failed"] is True, output
    assert "did not finish within 3 seconds" in result["msg"]
    assert parent_ds(case.lab, case.zone) == {
        address: [] for address in case.lab.parent_addresses
    }


# -- registrars that take DS data ---------------------------------------------


@pytest.mark.parametrize("case", only(*DS_TAKERS), indirect=True)
def test_keys_are_turned_into_the_ds_the_registrar_takes(case):
    key = parse_dnskey(case.key["dnskey"])

    result, output = case.run(keys=[key.to_text()], digest_type=4)

    assert result["changed"] is True, output
    assert make_ds(case.zone, key, 4).to_text() in case.sim.records(case.zone)


@pytest.mark.parametrize("case", only("namecom", "dnsimple"), indirect=True)
def test_a_second_digest_is_added_then_removed_again(case):
    case.seed()
    sha256 = case.key["ds"]
    sha384 = make_ds(case.zone, parse_dnskey(case.key["dnskey"]), 4).to_text()

    added, output = case.run(records=[sha256, sha384])

    assert added["failed"] is False, output
    assert added["changed"] is True
    assert len(case.writes()) == 1
    wait_parent_set(case.lab, case.zone, [sha256, sha384])

    again, output = case.run(records=[sha256, sha384])

    assert again["changed"] is False, output
    assert len(case.writes()) == 1

    removed, output = case.run(records=[sha384], state="absent")

    assert removed["changed"] is True, output
    assert case.sim.records(case.zone) == [sha256]
    wait_parent_set(case.lab, case.zone, [sha256])


# -- one registrar only --------------------------------------------------------


@pytest.mark.parametrize("case", only("porkbun"), indirect=True)
def test_porkbun_delete_by_tag_that_takes_the_validating_ds_along_is_refused(case):
    case.seed()
    sha384 = make_ds(case.zone, parse_dnskey(case.key["dnskey"]), 4).to_text()
    added, output = case.run(records=[sha384])
    assert added["changed"] is True, output
    wait_parent(case.lab, case.zone, lambda ds_set: sha384 in ds_set)

    result, output = case.run(records=[sha384], state="absent")

    assert result["failed"] is True, output
    assert "safety rule 1" in result["msg"]
    # The removal would have taken the SHA-256 DS of the same key tag along.
    assert case.key["ds"] in result["msg"]
    assert case.sim.requests_to("POST", "deleteDnssecRecord") == []


@pytest.mark.parametrize("case", only("ovh"), indirect=True)
def test_ovh_keeps_a_key_added_elsewhere_between_read_and_write(case):
    case.empty()
    other = stray_key()
    case.sim.after_list = lambda service: case.sim.add_key(service, other)

    result, output = case.run(keys=[case.key["dnskey"]])

    assert result["failed"] is False, output
    assert case.sim.after_list is None, "the race hook never ran"
    (post,) = case.sim.requests_to("POST", "/dsRecord")
    sent = [key["publicKey"] for key in _json(post)["keys"]]
    assert public_key(other) in sent
    assert sorted(key["publicKey"] for key in case.sim.records(case.zone)) == sorted(
        [public_key(case.key["dnskey"]), public_key(other)]
    )
    assert len(result["after"]) == 2
    wait_parent_set(case.lab, case.zone, [case.key["ds"], ds_text(case.zone, other)])


@pytest.mark.parametrize("case", only("ovh"), indirect=True)
def test_ovh_removal_replaces_the_set_with_what_stays(case):
    case.seed()

    result, output = case.run(
        records=[case.key["ds"]], state="absent", allow_unsafe=True
    )

    assert result["changed"] is True, output
    (post,) = case.sim.requests_to("POST", "/dsRecord")
    assert _json(post) == {"keys": []}
