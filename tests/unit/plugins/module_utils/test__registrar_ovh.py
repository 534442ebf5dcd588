# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

from __future__ import annotations

import hashlib
import json
import typing as t

import pytest

from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    make_ds,
    parse_dnskey,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar import (
    AuthenticationError,
    DomainNotFoundError,
    OperationTimeoutError,
    RegistrarError,
    RegistrarRecord,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar_ovh import (
    OvhRegistrar,
    OvhSignature,
)
from ansible_collections.dnsops.dnssec.tests.unit.plugins.module_utils.registrar_transport import (
    KEY,
    Clock,
    assert_quotes,
    install,
)

APP_KEY = "7kbG7Bk7S9Nt7ZSV"
APP_SECRET = "EXEgWIz07P0HYwtQDs7cNIqCiQaWSuHF"
CONSUMER = "MtSwSrPpNjqfVSmJhLbPyr2i45lSwPU1"
BASE = "https://eu.api.ovh.com/1.0"
DOMAIN = "example.com"
LOCAL_TIME = 1_700_000_000
SERVER_TIME = 1_700_000_005
NEW_KEY = parse_dnskey(
    "257 3 13 oJMRESz5E4gYzS/q6XDrvU1qMPYIjCWzJaOau8XNEZeqCYKD5ar0IRd8"
    "KqXXFJkqmVfRvMGPmM1x8fGAa2XhSA=="
)
ENTRY = {
    "id": 100001,
    "algorithm": 13,
    "flags": 257,
    "publicKey": KEY.public_key,
    "tag": KEY.key_tag,
    "status": "created",
}


def ovh(monkeypatch, *answers: tuple[int, t.Any], **params: t.Any):
    transport = install(monkeypatch, *answers)
    options = {
        "ovh_endpoint": "ovh-eu",
        "ovh_api_url": None,
        "ovh_application_key": APP_KEY,
        "ovh_application_secret": APP_SECRET,
        "ovh_consumer_key": CONSUMER,
        "registrar_operation_timeout": 60,
    }
    options.update(params)
    clock = Clock()
    registrar = OvhRegistrar(
        options, sleep=clock.sleep, clock=clock, wall_clock=lambda: LOCAL_TIME
    )
    return registrar, transport, clock


def expected_signature(method: str, url: str, body: str, timestamp: str) -> str:
    text = "+".join([APP_SECRET, CONSUMER, method, url, body, timestamp])
    return "$1$" + hashlib.sha1(text.encode()).hexdigest()


def task(status: str, comment: t.Any = None) -> dict[str, t.Any]:
    return {
        "id": 5000001,
        "function": "DomainDnssecUpdate",
        "status": status,
        "comment": comment,
        "creationDate": "2026-01-01T00:00:00+00:00",
        "todoDate": "2026-01-01T00:00:00+00:00",
        "lastUpdate": "2026-01-01T00:00:00+00:00",
        "doneDate": None,
        "canAccelerate": False,
        "canCancel": False,
        "canRelaunch": False,
    }


def test_signature_matches_the_documented_formula():
    signer = OvhSignature("ak", "as", "ck", wall_clock=lambda: 1)
    text = "as+ck+GET+https://eu.api.ovh.com/1.0/auth/credential++1"
    assert signer.signature(
        "get", "https://eu.api.ovh.com/1.0/auth/credential", "", "1"
    ) == ("$1$" + hashlib.sha1(text.encode()).hexdigest())


def test_list_syncs_the_clock_then_reads_ids_and_each_key(monkeypatch):
    registrar, transport, _clock = ovh(
        monkeypatch, (200, SERVER_TIME), (200, [100001]), (200, ENTRY)
    )

    records = registrar.list_records(DOMAIN)

    time_call, ids_call, key_call = transport.sent
    assert (time_call.method, time_call.url) == ("GET", f"{BASE}/auth/time")
    assert time_call.headers["X-Ovh-Application"] == APP_KEY
    assert "X-Ovh-Signature" not in time_call.headers
    assert "X-Ovh-Consumer" not in time_call.headers

    assert (ids_call.method, ids_call.url) == (
        "GET",
        f"{BASE}/domain/example.com/dsRecord",
    )
    assert ids_call.headers["X-Ovh-Application"] == APP_KEY
    assert ids_call.headers["X-Ovh-Consumer"] == CONSUMER
    assert ids_call.headers["X-Ovh-Timestamp"] == str(SERVER_TIME)
    assert ids_call.headers["X-Ovh-Signature"] == expected_signature(
        "GET", f"{BASE}/domain/example.com/dsRecord", "", str(SERVER_TIME)
    )
    assert key_call.url == f"{BASE}/domain/example.com/dsRecord/100001"

    assert records == [
        RegistrarRecord(ds=make_ds(DOMAIN, KEY, 2), dnskey=KEY, record_id="100001")
    ]
    assert [op["status"] for op in registrar.operations] == [200, 200, 200]


def test_clock_is_read_once_per_run(monkeypatch):
    registrar, transport, _clock = ovh(
        monkeypatch, (200, SERVER_TIME), (200, []), (200, [])
    )

    registrar.list_records(DOMAIN)
    registrar.list_records(DOMAIN)

    assert [r.url.rsplit("/", 1)[-1] for r in transport.sent] == [
        "time",
        "dsRecord",
        "dsRecord",
    ]


def test_keys_being_deleted_are_not_part_of_the_set(monkeypatch):
    leaving = dict(ENTRY, id=100002, status="deleting")
    registrar, _transport, _clock = ovh(
        monkeypatch,
        (200, SERVER_TIME),
        (200, [100001, 100002]),
        (200, ENTRY),
        (200, leaving),
    )

    assert [r.record_id for r in registrar.list_records(DOMAIN)] == ["100001"]


def test_replace_posts_the_whole_set_signed_and_polls_the_task(monkeypatch):
    registrar, transport, clock = ovh(
        monkeypatch,
        (200, SERVER_TIME),
        (200, task("todo")),
        (200, task("doing")),
        (200, task("done")),
    )

    registrar.replace_records(
        DOMAIN, [RegistrarRecord(dnskey=KEY), RegistrarRecord(dnskey=NEW_KEY)]
    )

    post = transport.sent[1]
    assert (post.method, post.url) == ("POST", f"{BASE}/domain/example.com/dsRecord")
    assert post.headers["Content-Type"] == "application/json"
    assert json.loads(post.body) == {
        "keys": [
            {
                "algorithm": 13,
                "flags": 257,
                "publicKey": KEY.public_key,
                "tag": KEY.key_tag,
            },
            {
                "algorithm": 13,
                "flags": 257,
                "publicKey": NEW_KEY.public_key,
                "tag": NEW_KEY.key_tag,
            },
        ]
    }
    body = post.body.decode() if isinstance(post.body, bytes) else post.body
    assert post.headers["X-Ovh-Signature"] == expected_signature(
        "POST", f"{BASE}/domain/example.com/dsRecord", body, str(SERVER_TIME)
    )
    polls = transport.sent[2:]
    assert [(r.method, r.url) for r in polls] == [
        ("GET", f"{BASE}/domain/example.com/task/5000001")
    ] * 2
    assert clock.sleeps == [1.0]


def test_replace_with_empty_set_sends_no_keys(monkeypatch):
    registrar, transport, _clock = ovh(
        monkeypatch, (200, SERVER_TIME), (200, task("done"))
    )

    registrar.replace_records(DOMAIN, [])

    assert json.loads(transport.sent[1].body) == {"keys": []}


def test_failed_task_quotes_its_comment(monkeypatch):
    registrar, _transport, _clock = ovh(
        monkeypatch,
        (200, SERVER_TIME),
        (200, task("todo")),
        (200, task("error", "Registry refused the key: invalid algorithm")),
    )

    with pytest.raises(
        RegistrarError, match="ended in error: Registry refused the key"
    ):
        registrar.replace_records(DOMAIN, [RegistrarRecord(dnskey=KEY)])


def test_task_that_never_finishes_times_out(monkeypatch):
    answers = [(200, SERVER_TIME), (200, task("todo"))] + [(200, task("todo"))] * 20
    registrar, _transport, clock = ovh(
        monkeypatch, *answers, registrar_operation_timeout=20
    )

    with pytest.raises(OperationTimeoutError, match="did not finish within 20 seconds"):
        registrar.replace_records(DOMAIN, [RegistrarRecord(dnskey=KEY)])

    assert clock.now == pytest.approx(20)


def test_replace_refuses_a_ds_without_key_data(monkeypatch):
    registrar, transport, _clock = ovh(monkeypatch)

    with pytest.raises(RegistrarError, match="takes DNSKEY data"):
        registrar.replace_records(DOMAIN, [RegistrarRecord(ds=make_ds(DOMAIN, KEY))])

    assert transport.sent == []


@pytest.mark.parametrize(
    "status, body, error, text",
    [
        (
            403,
            {
                "errorCode": "INVALID_CREDENTIAL",
                "httpCode": "403 Forbidden",
                "message": "This credential is not valid",
            },
            AuthenticationError,
            "This credential is not valid [INVALID_CREDENTIAL]",
        ),
        (
            403,
            {
                "errorCode": "INVALID_KEY",
                "httpCode": "403 Forbidden",
                "message": "This application key is invalid",
            },
            AuthenticationError,
            "This application key is invalid",
        ),
        (
            400,
            {
                "errorCode": "INVALID_SIGNATURE",
                "httpCode": "400 Bad Request",
                "message": "Invalid signature",
            },
            AuthenticationError,
            "Invalid signature [INVALID_SIGNATURE]",
        ),
        (
            404,
            {
                "class": "Client::NotFound",
                "message": "The requested object (serviceName = example.com) does not exist",
            },
            DomainNotFoundError,
            "(serviceName = example.com) does not exist [Client::NotFound]",
        ),
        (
            400,
            {"class": "Client::BadRequest", "message": "Invalid value for keys.tag"},
            RegistrarError,
            "Invalid value for keys.tag [Client::BadRequest]",
        ),
    ],
)
def test_errors_quote_ovh_and_never_a_secret(monkeypatch, status, body, error, text):
    registrar, _transport, _clock = ovh(monkeypatch, (200, SERVER_TIME), (status, body))

    with pytest.raises(error) as caught:
        registrar.list_records(DOMAIN)

    secrets = (APP_KEY, APP_SECRET, CONSUMER)
    assert_quotes(caught.value, text, "OVHcloud", secrets, registrar.operations)


def test_rate_limit_is_retried_with_a_fresh_signature(monkeypatch):
    registrar, transport, _clock = ovh(
        monkeypatch,
        (200, SERVER_TIME),
        (429, {"class": "Client::TooManyRequests", "message": "Too many requests"}),
        (200, []),
    )

    assert registrar.list_records(DOMAIN) == []
    first, second = transport.sent[1:]
    assert first.url == second.url
    assert "X-Ovh-Signature" in second.headers


@pytest.mark.parametrize(
    "endpoint, url",
    [
        ("ovh-eu", "https://eu.api.ovh.com/1.0"),
        ("ovh-ca", "https://ca.api.ovh.com/1.0"),
        ("ovh-us", "https://api.us.ovhcloud.com/1.0"),
    ],
)
def test_endpoint_names(monkeypatch, endpoint, url):
    registrar, _transport, _clock = ovh(monkeypatch, ovh_endpoint=endpoint)
    assert registrar.api_url == url


def test_api_url_overrides_the_endpoint(monkeypatch):
    registrar, transport, _clock = ovh(
        monkeypatch,
        (200, SERVER_TIME),
        (200, []),
        ovh_api_url="http://127.0.0.1:9000/1.0/",
    )

    registrar.list_records(DOMAIN)

    assert (
        transport.sent[1].url == "http://127.0.0.1:9000/1.0/domain/example.com/dsRecord"
    )


def test_unknown_endpoint_is_a_clear_error(monkeypatch):
    registrar, transport, _clock = ovh(monkeypatch, ovh_endpoint="ovh-mars")

    with pytest.raises(RegistrarError, match="unknown ovh_endpoint 'ovh-mars'"):
        registrar.list_records(DOMAIN)

    assert transport.sent == []
