# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""The DNSimple client against the DNSimple simulator, and webhook delivery.

Most tests need only the simulator; the last ones use the DNS lab: DS records of
a domain registered at DNSimple reach the parent zone, and the lab's signer
drives webhooks through the simulator during a real KSK rotation.
"""

from __future__ import annotations

import json
import threading
import time
import typing as t
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.dnsops.dnssec.plugins.module_utils._dnsimple import (
    DnsimpleAuthenticationError,
    DnsimpleClient,
    DnsimpleError,
    DnsimpleNotFoundError,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    parse_dnskey,
    parse_ds,
    ds_matches_key,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._webhook import (
    parse_event,
)
from dnslab.dnsimple_sim import DnsimpleSimulator

TOKEN = "lab-dnsimple-token-7f3a9c"
DS_TEXT = "2371 13 2 684A1F049D7D082B7F98691657DA5A65764913DF7F065F6F8C36EDF62D66CA03"


class Receiver:
    """A webhook endpoint answering the statuses in ``answers``, then 200."""

    def __init__(self, answers: t.Sequence[int] = ()) -> None:
        self.answers = list(answers)
        self.bodies: list[dict[str, t.Any]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with lock:
                    status = receiver.answers.pop(0) if receiver.answers else 200
                    receiver.statuses.append(status)
                    if status == 200:
                        receiver.bodies.append(json.loads(body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: t.Any) -> None:
                pass

        lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook/secret"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def sim() -> t.Iterator[DnsimpleSimulator]:
    simulator = DnsimpleSimulator(token=TOKEN, account_id=4242)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture()
def receiver() -> t.Iterator[Receiver]:
    endpoint = Receiver()
    yield endpoint
    endpoint.close()


def client(sim: DnsimpleSimulator, **kw: t.Any) -> tuple[DnsimpleClient, list]:
    sleeps: list[float] = []
    kw.setdefault("token", TOKEN)
    return DnsimpleClient(base_url=sim.url, sleep=sleeps.append, **kw), sleeps


def test_account_discovery_for_account_and_user_tokens(sim):
    assert client(sim)[0].account_id() == "4242"
    sim.user_token = True
    assert client(sim)[0].account_id() == "4242"


def test_bad_token_gets_dnsimples_401(sim):
    api, unused_sleeps = client(sim, token="wrong-token-value")
    with pytest.raises(DnsimpleAuthenticationError) as info:
        api.account_id()
    assert "Authentication failed" in info.value.message
    assert "wrong-token-value" not in info.value.message


def test_every_page_is_read_and_states_come_through(sim):
    for number in range(250):
        sim.add_domain(
            f"zone{number:03d}.test", "registered" if number % 2 else "hosted"
        )
    api, unused_sleeps = client(sim)

    domains = api.list_domains()

    assert len(domains) == 250
    pages = [r.query.get("page") for r in sim.requests_to("GET", "/domains")]
    assert pages == [["1"], ["2"], ["3"]]
    assert sum(d.is_hosted for d in domains) == 125
    status = api.domain_status("zone001.test")
    assert status["registered"] and status["dnssec_enabled"]
    assert len(sim.requests_to("GET", "/domains")) == 4


def test_unknown_domain_and_validation_errors(sim):
    sim.add_domain("reg.test", "registered")
    api, unused_sleeps = client(sim)
    with pytest.raises(DnsimpleNotFoundError, match="Domain `nope.test` not found"):
        api.dnssec("nope.test")
    with pytest.raises(DnsimpleError) as info:
        api._call("POST", "/v2/4242/domains/reg.test/ds_records", json={})
    assert "Validation failed" in info.value.message
    assert "keytag: can't be blank" in info.value.message


def test_429_waits_for_dnsimples_reset(sim):
    sim.add_domain("a.test")
    sim.force_429 = 1
    sim.rate_limit_reset = int(time.time()) + 20
    api, sleeps = client(sim)
    assert api.dnssec("a.test")["enabled"] is True
    assert len(sleeps) == 1 and 15 <= sleeps[0] <= 21


def test_client_slows_down_before_the_quota_runs_out(sim):
    sim.add_domain("a.test")
    sim.add_domain("b.test")
    sim.rate_limit_remaining = 5
    sim.rate_limit_reset = int(time.time()) + 40
    api, sleeps = client(sim, account="4242")
    api.dnssec("a.test")
    api.dnssec("b.test")
    # 4 requests left and about 40 s to the reset: about 10 s between requests.
    assert len(sleeps) == 1 and 8 <= sleeps[0] <= 10.5


def test_html_502_is_retried_for_reads_and_not_for_writes(sim):
    sim.add_domain("reg.test", "registered")
    api, unused_sleeps = client(sim)
    sim.force_502 = 1
    assert api.list_ds_records("reg.test") == []

    sim.force_502 = 1
    with pytest.raises(DnsimpleError) as info:
        api.create_ds_record("reg.test", parse_ds(DS_TEXT))
    assert "HTTP 502 Bad Gateway from 127.0.0.1" in info.value.message
    assert sim.records("reg.test") == []


def test_webhooks_through_the_api(sim, receiver):
    api, unused_sleeps = client(sim)
    hook = api.create_webhook(receiver.url)
    assert [h["url"] for h in api.list_webhooks()] == [receiver.url]
    api.delete_webhook(hook["id"])
    assert api.list_webhooks() == []


def test_delivery_retries_until_200_and_the_body_parses(sim, receiver):
    sim.add_domain("child.test")
    sim.add_webhook(receiver.url)
    receiver.answers = [500, 204, 201]
    ds = {"keytag": "2371", "algorithm": "13", "digest_type": "2"}
    ds["digest"] = DS_TEXT.split()[3].lower()
    ds["public_key"] = None

    body = sim.emit("dnssec.rotation_start", "child.test", ds)
    sim.wait_deliveries()

    assert receiver.statuses == [500, 204, 201, 200]
    assert receiver.bodies == [body]
    record = body["data"]["delegation_signer_record"]
    assert all(
        isinstance(record[k], str) for k in ("keytag", "algorithm", "digest_type")
    )
    event = parse_event(json.dumps(receiver.bodies[0]))
    assert event.ds == parse_ds(DS_TEXT)
    assert event.zone == "child.test" and event.account_id == "4242"


def test_duplicates_carry_the_same_request_identifier(sim, receiver):
    sim.add_webhook(receiver.url)
    first = sim.emit("dnssec.create", "child.test", duplicates=3)
    second = sim.emit("dnssec.delete", "child.test")
    sim.wait_deliveries()
    identifiers = [b["request_identifier"] for b in receiver.bodies]
    assert sorted(identifiers) == sorted(
        [first["request_identifier"]] * 3 + [second["request_identifier"]]
    )
    assert first["request_identifier"] != second["request_identifier"]


def test_a_failing_endpoint_is_given_up_then_suppressed(sim, receiver):
    sim.max_attempts = 3
    sim.suppress_after = 5
    receiver.answers = [500] * 10
    hook_id = sim.add_webhook(receiver.url)
    sim.emit("dnssec.create", "child.test")
    sim.wait_deliveries()
    assert (
        len(receiver.statuses) == 3 and sim.webhooks[hook_id]["suppressed_at"] is None
    )
    sim.emit("dnssec.create", "child.test")
    sim.wait_deliveries()
    assert len(receiver.statuses) == 5
    assert sim.webhooks[hook_id]["suppressed_at"] is not None


# The lab ------------------------------------------------------------------


def test_ds_records_of_a_registered_domain_reach_the_parent(dns_lab):
    zone = dns_lab.children[0]
    key = next(k for k in dns_lab.child_keys(zone) if k["signing"])
    before = dns_lab.registry.get_ds(zone)
    sim = DnsimpleSimulator(token=TOKEN, publish=dns_lab.registry.publish)
    sim.start()
    try:
        sim.add_domain(zone, "registered")
        api, unused_sleeps = client(sim)
        created = api.create_ds_record(zone, parse_ds(key["ds"]))
        assert dns_lab.registry.get_ds(zone) == [parse_ds(key["ds"]).to_text()]
        assert [r.id for r in api.list_ds_records(zone)] == [created.id]
    finally:
        dns_lab.registry.set_ds(zone, before)
        sim.stop()


def test_signer_events_arrive_as_dnsimple_webhooks(dns_lab, receiver):
    zone = dns_lab.children[-1]
    sim = DnsimpleSimulator(token=TOKEN)
    sim.start()
    sim.add_domain(zone)
    sim.add_webhook(receiver.url)
    dns_lab.signer.add_listener(sim.on_event)
    try:
        old = [k for k in dns_lab.child_keys(zone) if k["signing"]]
        dns_lab.signer.start_rotation(zone)
        dns_lab.signer.wait(zone, "waiting_new_ds", timeout=60)
        sim.wait_deliveries()

        start = parse_event(receiver.bodies[-1])
        assert start.name == "dnssec.rotation_start" and start.zone == zone.rstrip(".")
        new_key = parse_dnskey(
            next(k["dnskey"] for k in dns_lab.child_keys(zone) if k not in old)
        )
        assert ds_matches_key(zone, start.ds, new_key)
        assert start.dnskey == new_key

        # Finish the rotation the way the owner would, so the lab stays usable.
        dns_lab.registry.add_ds(zone, start.ds.to_text())
        dns_lab.signer.wait(zone, "waiting_old_ds_gone", timeout=90)
        sim.wait_deliveries()
        complete = parse_event(receiver.bodies[-1])
        assert complete.name == "dnssec.rotation_complete"
        dns_lab.registry.set_ds(zone, [start.ds.to_text()])
        dns_lab.signer.wait(zone, "done", timeout=90)
    finally:
        sim.stop()
