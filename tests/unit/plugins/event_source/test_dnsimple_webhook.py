# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""Tests of the DNSimple webhook event source, over real HTTP on loopback."""

from __future__ import annotations

import asyncio
import copy
import datetime
import gzip
import importlib.util
import json
import logging
import socket
import ssl
import stat
import sys
import typing as t
from pathlib import Path

import pytest

aiohttp = pytest.importorskip("aiohttp")

ROOT = Path(__file__).resolve().parents[4]
PLUGIN = (
    ROOT / "extensions" / "eda" / "plugins" / "event_source" / "dnsimple_webhook.py"
)

TOKEN = "s3cr3t-TOKEN-abcdefghijklmnopqrstuvwxyz"


def _load_plugin() -> t.Any:
    spec = importlib.util.spec_from_file_location("dnsimple_webhook_under_test", PLUGIN)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


plugin = _load_plugin()


ROTATION_START = {
    "data": {
        "zone": {"id": 315333, "name": "example.com", "account_id": 625},
        "dnssec": {"enabled": True},
        "delegation_signer_record": {
            "id": None,
            "digest": "42AEE231E98FECE484E9FA983CEF28AFFA56E99AD26347806BC6AF291F67DE83",
            "keytag": "60812",
            "algorithm": "8",
            "digest_type": "2",
            "public_key": "AwEAAefkQW+2ZO79nSaQ2eUVGhdmcapkGvZcmc5Xd9ig50k76eldueP1",
            "created_at": None,
            "updated_at": None,
        },
    },
    "name": "dnssec.rotation_start",
    "actor": {"id": "", "entity": "dnsimple", "pretty": "support@dnsimple.com"},
    "account": {"id": 625, "display": "Tests", "identifier": "t@example.com"},
    "api_version": "v2",
    "request_identifier": "cf0252ab-80ea-40ab-8590-7b145d28dd61",
}

DOMAIN_CREATE = {
    "data": {"domain": {"id": 1, "name": "example.org"}},
    "name": "domain.create",
    "account": {"id": 625},
    "api_version": "v2",
    "request_identifier": "0f0e0d0c-1111-2222-3333-444455556666",
}


def _delivery(**changes: t.Any) -> dict[str, t.Any]:
    payload = copy.deepcopy(ROTATION_START)
    payload.update(changes)
    return payload


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Listener:
    """The event source running in the test's event loop on a free port."""

    def __init__(self, **args: t.Any) -> None:
        self.port = _free_port()
        self.args = {"host": "127.0.0.1", "port": self.port, "token": TOKEN}
        self.args.update(args)
        self.queue: asyncio.Queue[t.Any] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None
        self.scheme = "https" if "certfile" in args else "http"

    async def __aenter__(self) -> Listener:
        self.task = asyncio.ensure_future(plugin.main(self.queue, self.args))
        for _attempt in range(200):
            if self.task.done():
                self.task.result()
            try:
                _reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                await asyncio.sleep(0.01)
                continue
            writer.close()
            return self
        raise AssertionError("the listener did not start")

    async def __aexit__(self, *exc: t.Any) -> None:
        assert self.task is not None
        self.task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await self.task

    def url(self, token: str = TOKEN) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}/dnsimple/{token}"

    def events(self) -> list[dict[str, t.Any]]:
        found = []
        while not self.queue.empty():
            found.append(self.queue.get_nowait())
        return found


async def _post(
    url: str,
    body: bytes | dict[str, t.Any],
    method: str = "POST",
    ssl_context: ssl.SSLContext | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, t.Any]]:
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    headers = {"Content-Type": "application/json", **(headers or {})}
    async with aiohttp.ClientSession() as session:
        async with session.request(
            method, url, data=data, headers=headers, ssl=ssl_context
        ) as response:
            text = await response.text()
            try:
                answer = json.loads(text)
            except ValueError:
                answer = {"text": text}
            return response.status, answer


def run(coro: t.Awaitable[t.Any]) -> t.Any:
    return asyncio.run(coro)  # type: ignore[arg-type]


def test_rotation_delivery_becomes_one_event() -> None:
    async def scenario() -> None:
        async with Listener() as listener:
            status, answer = await _post(listener.url(), ROTATION_START)
            assert status == 200
            assert answer == {"message": "accepted"}
            events = listener.events()
        assert len(events) == 1
        assert events[0]["payload"] == ROTATION_START
        delivery = events[0]["meta"]["delivery"]
        assert delivery["request_identifier"] == ROTATION_START["request_identifier"]
        assert delivery["event"] == "dnssec.rotation_start"
        assert delivery["zone"] == "example.com"
        assert delivery["account_id"] == 625
        assert delivery["remote"] == "127.0.0.1"

    run(scenario())


@pytest.mark.parametrize(
    "path",
    [
        "/dnsimple/" + TOKEN[:-1] + "X",
        "/dnsimple/" + TOKEN[:-1],
        "/dnsimple/" + TOKEN + "x",
        "/dnsimple/",
        "/dnsimple",
        "/",
        "/" + TOKEN,
        "/dnsimple/" + TOKEN + "/",
        "/DNSIMPLE/" + TOKEN,
    ],
)
def test_wrong_or_missing_token_gets_404_and_no_event(path: str) -> None:
    async def scenario() -> None:
        async with Listener() as listener:
            url = f"http://127.0.0.1:{listener.port}{path}"
            status, _answer = await _post(url, ROTATION_START)
            assert status == 404
            assert listener.events() == []
            # The right token still works afterwards.
            status, _answer = await _post(listener.url(), ROTATION_START)
            assert status == 200
            assert len(listener.events()) == 1

    run(scenario())


def test_token_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = plugin.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(plugin.hmac, "compare_digest", spy)

    async def scenario() -> None:
        async with Listener() as listener:
            status, _answer = await _post(listener.url("x" * 30), ROTATION_START)
            assert status == 404

    run(scenario())
    assert calls == [(b"/dnsimple/" + b"x" * 30, b"/dnsimple/" + TOKEN.encode())]


def test_other_methods_get_405_and_no_event() -> None:
    async def scenario() -> None:
        async with Listener() as listener:
            for method in ("GET", "PUT", "DELETE"):
                status, _answer = await _post(listener.url(), ROTATION_START, method=method)
                assert status == 405
            assert listener.events() == []

    run(scenario())


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"not json",
        b'{"name": "dnssec.rotation_start",',
        b"\xff\xfe\x00",
        b"[" * 50000 + b"]" * 50000,
    ],
)
def test_malformed_json_gets_400_and_no_event(body: bytes) -> None:
    async def scenario() -> None:
        async with Listener(max_body_bytes=200000) as listener:
            status, answer = await _post(listener.url(), body)
            assert status == 400
            assert answer == {"message": "the body is not JSON"}
            assert listener.events() == []

    run(scenario())


def _without(path: str) -> dict[str, t.Any]:
    payload = copy.deepcopy(ROTATION_START)
    *parents, last = path.split(".")
    node = payload
    for part in parents:
        node = node[part]
    del node[last]
    return payload


def _with(path: str, value: t.Any) -> dict[str, t.Any]:
    payload = copy.deepcopy(ROTATION_START)
    *parents, last = path.split(".")
    node = payload
    for part in parents:
        node = node[part]
    node[last] = value
    return payload


@pytest.mark.parametrize(
    "payload, field",
    [
        ([ROTATION_START], "the body is not a JSON object"),
        ("dnssec.rotation_start", "the body is not a JSON object"),
        (_without("name"), "name"),
        (_with("name", 7), "name"),
        (_with("name", "dnssec rotation"), "name"),
        (_without("request_identifier"), "request_identifier"),
        (_with("request_identifier", ""), "request_identifier"),
        (_with("request_identifier", "../../etc/passwd"), "request_identifier"),
        (_with("request_identifier", "a" * 200), "request_identifier"),
        (_without("data"), "data"),
        (_with("data", []), "data"),
        (_without("data.zone"), "data.zone"),
        (_with("data.zone.name", None), "data.zone.name"),
        (_with("data.zone.name", "exa mple.com"), "data.zone.name"),
        (_with("data.zone.name", "x" * 300), "data.zone.name"),
        (_with("account", "625"), "account"),
        (_without("data.delegation_signer_record"), "data.delegation_signer_record"),
        (_with("data.delegation_signer_record", "60812 8 2 42AE"), "data.delegation"),
        (_without("data.delegation_signer_record.digest"), "record.digest"),
        (_with("data.delegation_signer_record.keytag", None), "record.keytag"),
        (_with("data.delegation_signer_record.algorithm", True), "record.algorithm"),
        (_with("data.delegation_signer_record.digest_type", [2]), "digest_type"),
    ],
)
def test_payload_of_wrong_shape_gets_400_naming_the_field(
    payload: t.Any, field: str
) -> None:
    async def scenario() -> None:
        async with Listener() as listener:
            status, answer = await _post(listener.url(), json.dumps(payload).encode())
            assert status == 400
            assert field in answer["message"]
            assert listener.events() == []

    run(scenario())


def test_oversized_body_gets_413_and_no_event() -> None:
    padded = _delivery(padding="x" * 5000)

    async def scenario() -> None:
        async with Listener(max_body_bytes=4096) as listener:
            status, answer = await _post(listener.url(), padded)
            assert status == 413
            assert answer == {"message": "body too large"}
            # Chunked, so no Content-Length announces the size.
            body = json.dumps(padded).encode()

            async def chunks() -> t.AsyncIterator[bytes]:
                for start in range(0, len(body), 1000):
                    yield body[start : start + 1000]

            async with aiohttp.ClientSession() as session:
                async with session.post(listener.url(), data=chunks()) as response:
                    assert response.status == 413
            assert listener.events() == []
            status, _answer = await _post(listener.url(), ROTATION_START)
            assert status == 200
            assert len(listener.events()) == 1

    run(scenario())


def test_compressed_body_is_limited_after_decoding() -> None:
    padded = _delivery(padding="x" * 100000)
    compressed = gzip.compress(json.dumps(padded).encode())
    assert len(compressed) < 4096

    async def scenario() -> None:
        async with Listener(max_body_bytes=4096) as listener:
            status, _answer = await _post(
                listener.url(), compressed, headers={"Content-Encoding": "gzip"}
            )
            assert status == 413
            assert listener.events() == []

    run(scenario())


@pytest.mark.parametrize(
    "payload",
    [
        DOMAIN_CREATE,
        {"name": "zone.create", "request_identifier": "abc-1"},
        {"name": "webhook.create", "request_identifier": "abc-2", "data": "x"},
    ],
)
def test_other_events_are_acknowledged_and_dropped(payload: dict[str, t.Any]) -> None:
    async def scenario() -> None:
        async with Listener() as listener:
            status, answer = await _post(listener.url(), payload)
            assert status == 200
            assert answer == {"message": "ignored"}
            assert listener.events() == []

    run(scenario())


def test_duplicate_delivery_gets_200_and_no_second_event() -> None:
    async def scenario() -> None:
        async with Listener() as listener:
            statuses = [
                (await _post(listener.url(), ROTATION_START))[0] for _attempt in range(3)
            ]
            assert statuses == [200, 200, 200]
            assert len(listener.events()) == 1

            other = _delivery(request_identifier="11111111-2222-3333-4444-555555555555")
            assert (await _post(listener.url(), other))[0] == 200
            assert len(listener.events()) == 1

    run(scenario())


def test_concurrent_duplicates_make_one_event() -> None:
    async def scenario() -> None:
        async with Listener() as listener:
            results = await asyncio.gather(
                *(_post(listener.url(), ROTATION_START) for _attempt in range(10))
            )
            assert [status for status, _answer in results] == [200] * 10
            assert len(listener.events()) == 1

    run(scenario())


def test_dedupe_memory_is_bounded() -> None:
    seen = plugin.SeenRequests(3)
    for number in range(5):
        seen.add(f"id-{number}", "t")
    assert len(seen) == 3
    assert "id-0" not in seen and "id-1" not in seen
    assert all(f"id-{number}" in seen for number in (2, 3, 4))


def test_state_file_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.json"

    async def first() -> None:
        async with Listener(state_file=str(state)) as listener:
            assert (await _post(listener.url(), ROTATION_START))[0] == 200
            assert len(listener.events()) == 1

    async def second() -> None:
        async with Listener(state_file=str(state)) as listener:
            assert (await _post(listener.url(), ROTATION_START))[0] == 200
            assert listener.events() == []
            other = _delivery(request_identifier="77777777-2222-3333-4444-555555555555")
            assert (await _post(listener.url(), other))[0] == 200
            assert len(listener.events()) == 1

    run(first())
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    saved = json.loads(state.read_text())
    assert saved["request_identifiers"][0][0] == ROTATION_START["request_identifier"]
    run(second())
    assert len(json.loads(state.read_text())["request_identifiers"]) == 2
    assert TOKEN not in state.read_text()


def test_state_file_keeps_the_bound(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    seen = plugin.SeenRequests(2, str(state))
    for number in range(4):
        seen.add(f"id-{number}", "t")
        seen.save()
    reloaded = plugin.SeenRequests(2, str(state))
    assert len(reloaded) == 2 and "id-3" in reloaded and "id-0" not in reloaded
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_unreadable_state_file_stops_the_source(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text("{broken")
    with pytest.raises(plugin.ConfigError, match="cannot read state_file"):
        run(
            plugin.main(
                asyncio.Queue(), {"port": 1, "token": TOKEN, "state_file": str(state)}
            )
        )


def test_token_never_in_logs_or_events(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    async def scenario() -> list[dict[str, t.Any]]:
        async with Listener() as listener:
            await _post(listener.url(), ROTATION_START)
            await _post(listener.url(), ROTATION_START)
            await _post(listener.url(), b"{")
            await _post(listener.url(), DOMAIN_CREATE)
            await _post(listener.url(), _without("data"))
            await _post(listener.url(), _delivery(padding="x" * 70000))
            await _post(listener.url(), ROTATION_START, method="GET")
            await _post(listener.url(TOKEN + "z"), ROTATION_START)
            # A raw request the HTTP parser rejects, with the token in it.
            _reader, writer = await asyncio.open_connection("127.0.0.1", listener.port)
            writer.write(
                f"POST /dnsimple/{TOKEN} HTTP/1.1\r\nbad header\r\n\r\n".encode()
            )
            await writer.drain()
            writer.close()
            await asyncio.sleep(0.1)
            return listener.events()

    events = run(scenario())
    assert len(events) == 1
    assert TOKEN not in json.dumps(events)
    assert caplog.records, "the listener logged nothing"
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
        assert TOKEN not in (record.exc_text or "")
    assert TOKEN not in caplog.text


def test_redact_filter_hides_the_token_in_messages_and_tracebacks() -> None:
    redact = plugin.RedactFilter(TOKEN)
    record = logging.LogRecord(
        "x", logging.ERROR, "f", 1, "url %s", ("/d/" + TOKEN,), None
    )
    assert redact.filter(record)
    assert record.getMessage() == "url /d/<token>"
    try:
        raise ValueError("bad url /d/" + TOKEN)
    except ValueError:
        record = logging.LogRecord(
            "x", logging.ERROR, "f", 1, "boom", (), sys.exc_info()
        )
    redact.filter(record)
    assert TOKEN not in record.exc_text and "<token>" in record.exc_text


@pytest.mark.parametrize(
    "args, message",
    [
        ({"port": 8443}, "token is required"),
        ({"port": 8443, "token": "short"}, "at least 24"),
        ({"port": 8443, "token": "a/b" + "c" * 30}, "may only hold"),
        ({"token": TOKEN}, "port is required"),
        ({"port": "http", "token": TOKEN}, "port must be an integer"),
        ({"port": 70000, "token": TOKEN}, "port must be between"),
        ({"port": 8443, "token": TOKEN, "max_body_bytes": 10}, "max_body_bytes"),
        ({"port": 8443, "token": TOKEN, "dedupe_size": 0}, "dedupe_size"),
        ({"port": 8443, "token": TOKEN, "keyfile": "/k.pem"}, "certfile is not"),
    ],
)
def test_bad_arguments_are_refused_without_echoing_the_token(
    args: dict[str, t.Any], message: str
) -> None:
    with pytest.raises(plugin.ConfigError, match=message) as info:
        plugin.Settings(args)
    assert "c" * 30 not in str(info.value)
    assert TOKEN not in str(info.value)


def test_upper_case_arguments_are_accepted() -> None:
    settings = plugin.Settings(
        {"HOST": "127.0.0.1", "PORT": "8443", "TOKEN": TOKEN, "eda_feedback_queue": 1}
    )
    assert (settings.host, settings.port, settings.token) == ("127.0.0.1", 8443, TOKEN)
    assert TOKEN not in repr(settings)


def _self_signed(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "webhook.test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    certfile = directory / "cert.pem"
    keyfile = directory / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certfile, keyfile


def test_https_listener(tmp_path: Path) -> None:
    pytest.importorskip("cryptography")
    certfile, keyfile = _self_signed(tmp_path)
    client = ssl.create_default_context(cafile=str(certfile))

    async def scenario() -> None:
        async with Listener(certfile=str(certfile), keyfile=str(keyfile)) as listener:
            assert listener.url().startswith("https://")
            status, _answer = await _post(listener.url(), ROTATION_START, ssl_context=client)
            assert status == 200
            assert len(listener.events()) == 1
            # Plain HTTP on the TLS port gets no answer.
            plain = f"http://127.0.0.1:{listener.port}/dnsimple/{TOKEN}"
            with pytest.raises(aiohttp.ClientError):
                await _post(plain, _delivery(request_identifier="plain-1"))
            assert listener.events() == []

    run(scenario())


def test_bad_certificate_stops_the_source(tmp_path: Path) -> None:
    broken = tmp_path / "cert.pem"
    broken.write_text("not a certificate")
    with pytest.raises(plugin.ConfigError, match="cannot load certfile"):
        run(
            plugin.main(
                asyncio.Queue(),
                {"port": _free_port(), "token": TOKEN, "certfile": str(broken)},
            )
        )


@pytest.mark.parametrize("name", ["dnssec.create", "dnssec.delete"])
def test_dnssec_events_without_ds_are_accepted(name: str) -> None:
    payload = _without("data.delegation_signer_record")
    payload["name"] = name

    async def scenario() -> None:
        async with Listener() as listener:
            status, _answer = await _post(listener.url(), payload)
            assert status == 200
            events = listener.events()
        assert [event["meta"]["delivery"]["event"] for event in events] == [name]

    run(scenario())


def test_zone_name_in_meta_is_normalised() -> None:
    payload = _with("data.zone.name", "Example.COM.")
    assert plugin.check_delivery(payload) == (
        "dnssec.rotation_start",
        ROTATION_START["request_identifier"],
    )
    assert plugin._zone_name(payload) == "example.com"
