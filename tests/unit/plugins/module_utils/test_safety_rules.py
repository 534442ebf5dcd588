# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""The safety rules of docs/safety.md where the module tests leave a gap.

Each test here fails when the rule it names is broken in the place
docs/safety.md gives; the mutation it was checked against is named there.
No network: child and parent views are built from signed test RRsets.
"""

from __future__ import annotations

import json
import re
import typing as t
import uuid

import dns.rrset
import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.dnsops.dnssec.plugins.module_utils import (
    _child,
    _dns,
    _parent,
    _rotation,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    DSRecord,
    compute_ds,
    ds_matches_key,
    make_ds,
    parse_dnskey,
    validating_ds,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar import (
    RegistrarRecord,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._rotation import (
    EventHint,
    ParentAddress,
    RegistrarRecordView,
    assess,
)
from ansible_collections.dnsops.dnssec.plugins.modules import (
    dnssec_ds_record,
    dnssec_rotation_info,
    parent_ds_check,
)
from ansible_collections.dnsops.dnssec.tests.unit.plugins.module_utils.test__child import (
    ZONE,
    Key,
    cds_rrset,
    dnskey_rrset,
    publish,
    result,
    sign,
)

NOW = 1_800_000_000.0
TTL = 600
PARENT = (
    ("ns1.test.", "127.0.0.2"),
    ("ns2.test.", "127.0.0.3"),
    ("ns3.test.", "fd53::3"),
)
# An RSASHA256 DS of a key the child does not have (RFC 4509's test key).
RSA_KEY = parse_dnskey(
    "257 3 8 AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxe"
    "YCmZDRD99WYwYqUSdjMmmAphXdvxegXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9Xzc"
    "nOf+EPbtG9DMBmADjFDc2w/rljwvFw=="
)


@pytest.fixture(scope="module")
def keys() -> dict[str, Key]:
    # "spare" is published as a KSK but never signs the DNSKEY RRset.
    return {
        "old": Key(),
        "new": Key(),
        "spare": Key(),
        "rogue": Key(),
        "zsk": Key(flags=256),
    }


def child(keys, published, signers, cds=(), addresses=("127.0.0.4", "127.0.0.5")):
    """Every child server address publishes the same keys, signatures and CDS."""
    views = [
        publish(
            address,
            [keys[name] for name in published],
            [keys[name] for name in signers],
            cds=[keys[name] for name in cds],
            zsk=keys["zsk"],
        )
        for address in addresses
    ]
    return _child.ChildView(domain=ZONE, addresses=views)


def parent(*sets: t.Sequence[DSRecord]) -> list[ParentAddress]:
    """One DS set per parent server address; a single set is served by all."""
    if len(sets) == 1:
        sets = sets * len(PARENT)
    return [
        ParentAddress(server, address, True, ds=tuple(ds_set), ttl=TTL)
        for (server, address), ds_set in zip(PARENT, sets)
    ]


def ds(keys, name: str, digest_type: int = 2) -> DSRecord:
    return compute_ds(ZONE, keys[name].dnskey, digest_type)


def removal_of(result, record: DSRecord):
    [action] = [
        action
        for action in result.actions
        if action.action == "remove" and action.ds == record
    ]
    return action


def complete_event(keys) -> EventHint:
    return EventHint("dnssec.rotation_complete", ZONE, ds=ds(keys, "old"))


# Rule 1: a removal leaves, on every parent server address, a validating DS
# of a signing KSK, and that DS has been served everywhere for its TTL.


def test_rule1_the_ds_that_stays_is_one_and_the_same_on_every_parent_address(keys):
    # Each address keeps a validating DS of the new KSK, but not the same one:
    # no single DS has been served by every parent server.
    view = child(keys, ["old", "new"], ["old", "new"], cds=["new"])
    sha256, sha384 = ds(keys, "new", 2), ds(keys, "new", 4)
    old = ds(keys, "old")
    servers = parent([old, sha256], [old, sha384], [old, sha256])
    found = assess(ZONE, view, servers, event=complete_event(keys), now=NOW)
    assert found.phase == "published"
    removal = removal_of(found, old)
    assert not removal.safe
    assert "served by every parent server address" in removal.blocked_by

    # The same with the SHA-256 DS everywhere is safe: the test can pass.
    servers = parent([old, sha256, sha384], [old, sha256], [old, sha256])
    found = assess(ZONE, view, servers, event=complete_event(keys), now=NOW)
    assert removal_of(found, old).safe


def test_rule1_a_ds_of_a_published_key_that_does_not_sign_keeps_no_chain(keys):
    # The parent serves the old DS and a DS of a published KSK that does not
    # sign; the registrar holds only the old DS.  Removing it would leave the
    # spare DS alone: validators fail.
    view = child(keys, ["old", "new", "spare"], ["old", "new"], cds=["new"])
    old, spare = ds(keys, "old"), ds(keys, "spare")
    registrar = [RegistrarRecordView(ds=old)]
    found = assess(
        ZONE,
        view,
        parent([old, spare]),
        registrar=registrar,
        event=complete_event(keys),
        now=NOW,
    )
    removal = removal_of(found, old)
    assert not removal.safe
    assert "would serve no DS that validates the child" in removal.blocked_by


@pytest.mark.parametrize(
    "name", ["dnssec.rotation_start", "dnssec.create", "dnssec.delete"]
)
def test_rule1_only_rotation_complete_stands_for_the_ds_ttl(keys, name):
    view = child(keys, ["old", "new"], ["old", "new"], cds=["new"])
    old, new = ds(keys, "old"), ds(keys, "new")
    other = EventHint(name, ZONE, ds=new)
    found = assess(ZONE, view, parent([old, new]), event=other, now=NOW)
    removal = removal_of(found, old)
    assert not removal.safe
    assert removal.blocked_by.startswith("no evidence")

    complete = EventHint("dnssec.rotation_complete", ZONE, ds=old)
    found = assess(ZONE, view, parent([old, new]), event=complete, now=NOW)
    assert removal_of(found, old).safe


# Rule 3 (and 2): a child server address that does not answer every question
# vouches for no key, and the phase is unknown.


@pytest.mark.parametrize("failing", ["DNSKEY", "CDS", "CDNSKEY"])
@pytest.mark.parametrize("status", ["timeout", "servfail", "not_authoritative"])
def test_rule3_a_child_address_that_does_not_answer_makes_the_phase_unknown(
    keys, failing, status
):
    good = publish(
        "127.0.0.4",
        [keys["old"], keys["new"]],
        [keys["old"], keys["new"]],
        cds=[keys["new"]],
        zsk=keys["zsk"],
    )
    keyset = dnskey_rrset([keys["old"], keys["new"], keys["zsk"]])
    answers = {
        "DNSKEY": result("127.0.0.5", keyset, sign(keyset, [keys["old"], keys["new"]])),
        "CDS": result("127.0.0.5"),
        "CDNSKEY": result("127.0.0.5"),
    }
    answers[failing] = result("127.0.0.5", status=status)
    silent = _child.address_view(
        ZONE, answers["DNSKEY"], answers["CDS"], answers["CDNSKEY"]
    )
    view = _child.ChildView(domain=ZONE, addresses=[good, silent])
    found = assess(
        ZONE,
        view,
        parent([ds(keys, "old")]),
        event=complete_event(keys),
        now=NOW,
    )
    assert found.phase == "unknown"
    assert "127.0.0.5" in found.summary
    assert found.actions == []
    assert view.signing_ksks == []


# Rule 3: what dnssec_rotation_info reads from DNS, through the DNS layer.


class FakeDns:
    """A DnsClient stand-in: the child and parent answers of one domain."""

    def __init__(self, child_answers, parent_answers):
        self.child_answers = child_answers
        self.parent_answers = parent_answers

    def child_servers(self, domain):
        return [_dns.ServerAddress("ns1.child.test.", "127.0.0.4")]

    def find_parent(self, domain):
        return "test.", [_dns.ServerAddress(s, a) for s, a in PARENT]

    def query_all(self, targets, qname, rdtype):
        if rdtype == "DS":
            return self.parent_answers
        return self.child_answers[rdtype]


def ds_answer(server, address, records):
    rrset = dns.rrset.from_text_list(
        ZONE, TTL, "IN", "DS", [record.to_text() for record in records]
    )
    return _dns.QueryResult(
        server, address, "answer", "NOERROR", ["QR", "AA"], rrset, ttl=TTL
    )


def child_answers(keys, published, signers, cds=()):
    """The DNSKEY, CDS and CDNSKEY answers of one child server address."""
    keyset = dnskey_rrset([keys[name] for name in published] + [keys["zsk"]])
    answers = {
        "DNSKEY": [
            result("127.0.0.4", keyset, sign(keyset, [keys[n] for n in signers]))
        ],
        "CDS": [result("127.0.0.4")],
        "CDNSKEY": [result("127.0.0.4")],
    }
    if cds:
        rrset = cds_rrset([keys[name] for name in cds])
        answers["CDS"] = [result("127.0.0.4", rrset, sign(rrset, [keys["zsk"]]))]
    return answers


def info_params(**extra: t.Any) -> dict[str, t.Any]:
    params: dict[str, t.Any] = {
        "domain": ZONE,
        "domains": None,
        "event": None,
        "state_file": None,
        "registrar": None,
        "dnsimple_token": None,
    }
    params.update(extra)
    return params


@pytest.mark.parametrize(
    "status", ["timeout", "servfail", "refused", "not_authoritative", "referral"]
)
def test_rule3_a_parent_address_that_does_not_answer_is_never_read(
    monkeypatch, keys, status
):
    old = ds(keys, "old")
    parent_answers = [ds_answer(s, a, [old]) for s, a in PARENT[:2]]
    parent_answers.append(
        _dns.QueryResult(*PARENT[2], status, error=f"{status} on purpose")
    )
    client = FakeDns(child_answers(keys, ["old"], ["old"]), parent_answers)
    monkeypatch.setattr(_rotation, "dns_client_from_params", lambda params: client)
    failed, found = _rotation.run_rotation_info(info_params())
    assert not failed
    [entry] = found["domains"]
    assert entry["phase"] == "unknown"
    assert "fd53::3" in entry["summary"]
    assert entry["actions"] == []
    assert entry["parent"]["served_everywhere"] == []

    # With the third address answering, the same views read as stable.
    client.parent_answers = [ds_answer(s, a, [old]) for s, a in PARENT]
    entry = _rotation.run_rotation_info(info_params())[1]["domains"][0]
    assert entry["phase"] == "stable"


# Rule 4: a DS matches a key only through its own key tag, algorithm and
# digest type; the digest compares without regard to case.


def test_rule4_a_digest_that_fits_does_not_make_a_wrong_key_tag_or_algorithm_match(
    keys,
):
    key = keys["old"].dnskey
    good = make_ds(ZONE, key)
    wrong_tag = DSRecord((good.key_tag + 1) % 65536, good.algorithm, 2, good.digest)
    wrong_algorithm = DSRecord(good.key_tag, 8, 2, good.digest)
    assert ds_matches_key(ZONE, good, key)
    assert not ds_matches_key(ZONE, wrong_tag, key)
    assert not ds_matches_key(ZONE, wrong_algorithm, key)
    assert validating_ds(ZONE, [wrong_tag, wrong_algorithm], [key]) == []


def test_rule4_digests_compare_without_regard_to_case(keys):
    key = keys["old"].dnskey
    good = make_ds(ZONE, key)
    lower = DSRecord(good.key_tag, good.algorithm, 2, good.digest.lower())
    assert ds_matches_key(ZONE, lower, key)


# Rule 5: the DS the rotation proposes to add is SHA-256 or SHA-384, even when
# the child's CDS RRset also carries SHA-1.


@pytest.mark.parametrize(
    "cds_types, expected",
    [((1,), 2), ((1, 2), 2), ((1, 4), 4), ((4, 1, 2), 2)],
)
def test_rule5_the_ds_to_add_is_never_sha1(keys, cds_types, expected):
    new = keys["new"].dnskey
    signing = [keys["old"].dnskey, new]
    cds = [compute_ds(ZONE, new, digest_type) for digest_type in cds_types]
    views = [
        _child.ChildAddressView(
            server="ns.child.test.",
            address=address,
            status="answer",
            answered=True,
            dnskeys=signing,
            signing_ksks=signing,
            cds=cds,
        )
        for address in ("127.0.0.4", "127.0.0.5")
    ]
    view = _child.ChildView(domain=ZONE, addresses=views)
    found = assess(ZONE, view, parent([ds(keys, "old")]), now=NOW)
    assert found.phase == "rotation_started"
    [add] = [action for action in found.actions if action.action == "add"]
    assert add.ds.digest_type == expected
    assert add.ds == compute_ds(ZONE, new, expected)


# Rule 7: a wait that runs out fails, with what every parent server address
# answered.


class LaggingParent:
    """Parent server addresses of which the last never serves the DS."""

    def __init__(self, record: DSRecord):
        self.record = record
        self.checks = 0

    def find_parent(self, domain):
        return "test.", [_dns.ServerAddress(s, a) for s, a in PARENT]

    def query_all(self, targets, qname, rdtype):
        self.checks += 1
        answers = [ds_answer(s, a, [self.record]) for s, a in PARENT[:2]]
        answers.append(_dns.QueryResult(*PARENT[2], "nodata", "NOERROR"))
        return answers


def test_rule7_a_wait_that_runs_out_is_a_failure_with_every_address(monkeypatch, keys):
    record = ds(keys, "new")
    client = LaggingParent(record)
    monkeypatch.setattr(_parent, "client_from_params", lambda params: client)
    failed, found = _parent.run_check(
        {
            "domain": ZONE,
            "records": [record.to_text()],
            "state": "present",
            "wait_timeout": 0.2,
            "validate": False,
        }
    )
    assert failed is True
    assert found["holds"] is False
    assert found["outcome"] == "fails"
    assert client.checks >= 2
    assert found["msg"].startswith("timeout after")
    assert "fd53::3" in found["msg"]
    assert found["disagreeing"] == ["fd53::3"]
    assert [server["address"] for server in found["servers"]] == [
        address for _server, address in PARENT
    ]
    assert found["records"][0]["missing_from"] == ["fd53::3"]


# Rule 8: check mode, with or without diff mode, reaches the change as check
# mode; the change itself makes no write in check mode (test__ds_change).


class Exit(Exception):
    def __init__(self, result: dict[str, t.Any]):
        super().__init__(result)
        self.result = result


class RecordingChange:
    """Stands in for DsChange; keeps the check_mode each run was given."""

    modes: list[bool] = []

    def __init__(self, registrar, dns_client, domain, wanted, **kwargs):
        RecordingChange.modes.append(kwargs["check_mode"])
        self.warnings: list[str] = []

    def run(self):
        return {"changed": True, "diff": {"before": "", "after": "DS\n"}}


def run_main(monkeypatch, module, args: dict[str, t.Any]) -> dict[str, t.Any]:
    def leave(self, **kwargs):
        raise Exit(kwargs)

    payload = json.dumps({"ANSIBLE_MODULE_ARGS": args})
    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", to_bytes(payload))
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy", raising=False)
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", leave)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", leave)
    with pytest.raises(Exit) as raised:
        module.main()
    return raised.value.result


@pytest.mark.parametrize(
    "check, diff, expected",
    [(True, True, True), (True, False, True), (False, True, False)],
)
def test_rule8_check_mode_with_diff_reaches_the_change(
    monkeypatch, keys, check, diff, expected
):
    RecordingChange.modes = []
    monkeypatch.setattr(dnssec_ds_record, "DsChange", RecordingChange)
    args = {
        "domain": ZONE.rstrip("."),
        "registrar": "manual",
        "records": [ds(keys, "new").to_text()],
        "_ansible_check_mode": check,
        "_ansible_diff": diff,
    }
    done = run_main(monkeypatch, dnssec_ds_record, args)
    assert RecordingChange.modes == [expected]
    assert ("diff" in done) is diff


class RecordingRegistrar:
    """A registrar adapter that notes every call; writes change nothing."""

    name = "namecom"
    label = "Name.com"
    has_api = True

    def __init__(self, records: list[RegistrarRecord]):
        self.records = records
        self.calls: list[str] = []

    def list_records(self, domain):
        self.calls.append("list")
        return list(self.records)

    def add_record(self, domain, record):
        self.calls.append("add")

    def remove_record(self, domain, record):
        self.calls.append("remove")

    def replace_records(self, domain, records):
        self.calls.append("replace")


@pytest.mark.parametrize(
    "parent_ds, registrar_ds, event, action",
    [
        (["old"], ["old"], None, "add"),
        (["old", "new"], ["old", "new"], "dnssec.rotation_complete", "remove"),
    ],
)
def test_rule8_dnssec_rotation_info_only_reads_even_with_a_safe_action(
    monkeypatch, keys, parent_ds, registrar_ds, event, action
):
    answers = [ds_answer(s, a, [ds(keys, n) for n in parent_ds]) for s, a in PARENT]
    client = FakeDns(
        child_answers(keys, ["old", "new"], ["old", "new"], cds=["new"]), answers
    )
    registrar = RecordingRegistrar(
        [RegistrarRecord(ds=ds(keys, name)) for name in registrar_ds]
    )
    monkeypatch.setattr(_rotation, "dns_client_from_params", lambda params: client)
    monkeypatch.setattr(_rotation, "make_registrar", lambda name, params: registrar)
    params = info_params(
        registrar="namecom",
        event=payload(event, keys["old"]) if event else None,
    )
    failed, found = _rotation.run_rotation_info(params)
    assert not failed
    assert found["changed"] is False
    [entry] = found["domains"]
    assert [a["action"] for a in entry["actions"] if a["safe"]] == [action]
    assert registrar.calls == ["list"]


# Rule 9: a webhook payload never names a key to trust, even with its public
# key, as DNSimple's payloads carry it.


def payload(name: str, key: Key) -> dict[str, t.Any]:
    record = make_ds(ZONE, key.dnskey)
    return {
        "name": name,
        "api_version": "v2",
        "request_identifier": str(uuid.uuid4()),
        "account": {"id": 1, "display": "Test", "identifier": "test"},
        "actor": {"id": "1", "entity": "dnsimple", "pretty": "support@dnsimple.com"},
        "data": {
            "zone": {"name": ZONE.rstrip(".")},
            "dnssec": {"enabled": True},
            "delegation_signer_record": {
                "id": None,
                "keytag": str(record.key_tag),
                "algorithm": str(record.algorithm),
                "digest_type": "2",
                "digest": record.digest,
                "public_key": key.dnskey.public_key,
                "created_at": None,
                "updated_at": None,
            },
        },
    }


@pytest.mark.parametrize(
    "signers, parent_ds",
    [(["old"], ["old"]), (["old", "new"], ["old"]), (["old", "new"], ["old", "new"])],
)
@pytest.mark.parametrize("name", ["dnssec.rotation_start", "dnssec.rotation_complete"])
@pytest.mark.parametrize("with_cds", [True, False])
def test_rule9_a_forged_payload_key_is_never_added_nor_a_target(
    keys, signers, parent_ds, name, with_cds
):
    forged = _rotation._event_hint(payload(name, keys["rogue"]))
    assert forged.dnskey is not None and forged.ds is not None
    view = child(keys, signers, signers, cds=signers[-1:] if with_cds else ())
    servers = parent([ds(keys, n) for n in parent_ds])
    plain = assess(ZONE, view, servers, now=NOW)
    hinted = assess(ZONE, view, servers, event=forged, now=NOW)

    rogue = keys["rogue"].dnskey
    assert rogue not in hinted.target
    assert all(action.dnskey != rogue for action in hinted.actions)
    assert forged.ds not in [action.ds for action in hinted.actions]
    assert [a.to_dict() for a in hinted.actions] == [a.to_dict() for a in plain.actions]
    assert hinted.phase == plain.phase
    assert hinted.event["matches_child"] is False
    assert hinted.event["agrees"] is False


# Rule 10: after a removal, the DS set holds no algorithm that does not sign
# the child's DNSKEY RRset.


def test_rule10_a_removal_that_leaves_a_foreign_algorithm_is_not_safe(keys):
    view = child(keys, ["old", "new"], ["old", "new"], cds=["new"])
    old, new = ds(keys, "old"), ds(keys, "new")
    foreign = make_ds(ZONE, RSA_KEY)
    registrar = [RegistrarRecordView(ds=old), RegistrarRecordView(ds=new)]
    found = assess(
        ZONE,
        view,
        parent([old, new, foreign]),
        registrar=registrar,
        event=complete_event(keys),
        now=NOW,
    )
    assert found.phase == "published"
    removal = removal_of(found, old)
    assert not removal.safe
    assert "algorithm that does not sign the child" in removal.blocked_by

    # Without the foreign DS the same removal is safe.
    found = assess(
        ZONE,
        view,
        parent([old, new]),
        registrar=registrar,
        event=complete_event(keys),
        now=NOW,
    )
    assert removal_of(found, old).safe


# Rule 11: every option that holds a secret, in every module, is no_log and
# can come from the environment.

SECRET_NAME = re.compile(r"token|secret|password|_key$|_key_id$")


class Captured(Exception):
    def __init__(self, spec: dict[str, t.Any]):
        super().__init__("argument spec captured")
        self.spec = spec


@pytest.mark.parametrize(
    "module", [dnssec_ds_record, dnssec_rotation_info, parent_ds_check]
)
def test_rule11_every_secret_option_is_no_log_with_an_environment_fallback(
    monkeypatch, module
):
    def capture(self, argument_spec, **kwargs):
        raise Captured(argument_spec)

    monkeypatch.setattr(basic.AnsibleModule, "__init__", capture)
    with pytest.raises(Captured) as captured:
        module.main()
    spec = captured.value.spec

    secrets = [name for name in spec if SECRET_NAME.search(name)]
    for name in secrets:
        assert spec[name].get("no_log") is True, name
        fallback = spec[name].get("fallback")
        assert fallback and fallback[0] is basic.env_fallback, name
        assert fallback[1], name
    if "registrar" in spec:
        assert {"dnsimple_token", "gandi_token", "aws_secret_access_key"} <= set(
            secrets
        )
    else:
        assert secrets == []
