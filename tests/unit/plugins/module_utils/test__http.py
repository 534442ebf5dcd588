# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

from __future__ import annotations

import json
import typing as t

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from ansible_collections.dnsops.dnssec.plugins.module_utils import _http
from ansible_collections.dnsops.dnssec.plugins.module_utils._http import (
    ApiSession,
    HttpError,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._version import (
    COLLECTION_VERSION,
)

TOKEN = "dnsimple_a_s3cr3tTokenValue42"
BASE = "https://api.dnsimple.com"

BAD_GATEWAY = """<html>
<head><title>502 Bad Gateway</title></head>
<body><center><h1>502 Bad Gateway</h1></center></body>
</html>
"""


def make_response(
    status: int = 200,
    body: t.Any = None,
    headers: dict[str, str] | None = None,
    reason: str = "",
    url: str = BASE + "/v2/whoami",
) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.reason = reason
    response.url = url
    response.headers = CaseInsensitiveDict(headers or {})
    if body is None:
        response._content = b""
    elif isinstance(body, (bytes, str)):
        response._content = body.encode() if isinstance(body, str) else body
    else:
        response._content = json.dumps(body).encode()
        response.headers.setdefault("Content-Type", "application/json")
    response.encoding = "utf-8"
    return response


class FakeSession:
    """Answers requests from a queue and records every call."""

    def __init__(self, *answers: t.Any) -> None:
        self.answers = list(answers)
        self.calls: list[dict[str, t.Any]] = []

    def request(self, method: str, url: str, **kwargs: t.Any) -> requests.Response:
        self.calls.append({"method": method, "url": url, **kwargs})
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_session(fake: FakeSession, clock: Clock | None = None, **kw: t.Any):
    clock = clock or Clock()
    kw.setdefault("headers", {"Authorization": f"Bearer {TOKEN}"})
    return ApiSession(BASE, session=fake, sleep=clock.sleep, clock=clock, **kw)


def test_success_returns_json_and_sends_user_agent_and_headers():
    fake = FakeSession(make_response(200, {"data": {"ok": True}}))
    api = make_session(fake, timeout=7)

    response = api.request("get", "/v2/whoami", params={"page": 2})

    assert response.status == 200
    assert response.json == {"data": {"ok": True}}
    call = fake.calls[0]
    assert call["method"] == "GET"
    assert call["url"] == BASE + "/v2/whoami"
    assert call["params"] == {"page": 2}
    assert call["timeout"] == 7
    assert call["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert call["headers"]["User-Agent"].startswith(
        f"dnsops.dnssec/{COLLECTION_VERSION} "
    )
    assert api.calls == [{"method": "GET", "url": "/v2/whoami", "status": 200}]


def test_one_connection_pool_for_all_requests():
    api = ApiSession(BASE)
    assert isinstance(api.session, requests.Session)
    first = api.session
    fake = FakeSession(make_response(200, {}), make_response(200, {}))
    api.session = fake
    api.request("GET", "/a")
    api.request("GET", "/b")
    assert api.session is fake and first is not None
    assert len(fake.calls) == 2


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_retried_with_growing_pauses(status):
    clock = Clock()
    fake = FakeSession(
        make_response(status, BAD_GATEWAY, {"Content-Type": "text/html"}),
        make_response(status, BAD_GATEWAY, {"Content-Type": "text/html"}),
        make_response(200, {"data": []}),
    )
    api = make_session(fake, clock, backoff=2.0)

    assert api.request("GET", "/v2/1/domains").json == {"data": []}
    assert clock.sleeps == [2.0, 4.0]
    assert len(fake.calls) == 3


def test_5xx_gives_up_after_the_retries_with_a_short_html_message():
    clock = Clock()
    answers = [
        make_response(502, BAD_GATEWAY, {"Content-Type": "text/html"}, url=BASE + "/x")
        for unused_attempt in range(3)
    ]
    api = make_session(FakeSession(*answers), clock, retries=2)

    with pytest.raises(HttpError) as info:
        api.request("GET", "/v2/1/domains")

    assert info.value.status == 502
    assert "HTTP 502 Bad Gateway from api.dnsimple.com" in info.value.message
    assert "GET /v2/1/domains" in info.value.message
    assert "<html" not in info.value.message
    assert len(clock.sleeps) == 2


def test_post_is_not_repeated_after_an_ambiguous_502():
    fake = FakeSession(
        make_response(502, BAD_GATEWAY, {"Content-Type": "text/html"}),
        make_response(201, {"data": {"id": 1}}),
    )
    api = make_session(fake)
    with pytest.raises(HttpError):
        api.request("POST", "/v2/1/domains/x/ds_records", json={}, expected=(201,))
    assert len(fake.calls) == 1


def test_post_is_repeated_after_503_and_when_the_caller_says_idempotent():
    fake = FakeSession(
        make_response(503, "", reason="Service Unavailable"),
        make_response(502, "", reason="Bad Gateway"),
        make_response(201, {"data": {"id": 1}}),
    )
    api = make_session(fake)
    response = api.request("POST", "/p", json={}, expected=(201,), idempotent=True)
    assert response.status == 201
    assert len(fake.calls) == 3


def test_429_waits_for_the_reset_then_retries():
    clock = Clock(now=1_000.0)
    fake = FakeSession(
        make_response(
            429,
            {"message": "quota exceeded"},
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1042"},
        ),
        make_response(
            200,
            {"data": []},
            {"X-RateLimit-Remaining": "2399", "X-RateLimit-Reset": "4600"},
        ),
    )
    api = make_session(fake, clock)

    assert api.request("GET", "/v2/1/domains").status == 200
    assert clock.sleeps == [42.0]
    assert api.rate_limit.remaining == 2399


def test_429_with_a_reset_beyond_the_maximum_wait_fails_with_dnsimples_message():
    clock = Clock(now=1_000.0)
    fake = FakeSession(
        make_response(
            429,
            {"message": "quota exceeded"},
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "4600"},
        )
    )
    api = make_session(fake, clock, max_wait=60)

    with pytest.raises(HttpError) as info:
        api.request("GET", "/v2/1/domains")

    assert info.value.status == 429
    assert "quota exceeded" in info.value.message
    assert "3600 s" in info.value.message
    assert clock.sleeps == []


def test_retry_after_header_is_honoured():
    clock = Clock()
    fake = FakeSession(
        make_response(503, {"message": "maintenance"}, {"Retry-After": "17"}),
        make_response(200, {}),
    )
    make_session(fake, clock).request("GET", "/x")
    assert clock.sleeps == [17.0]


def test_pacing_spreads_the_last_requests_until_the_reset():
    clock = Clock(now=1_000.0)
    headers = {"X-RateLimit-Limit": "2400", "X-RateLimit-Remaining": "10"}
    headers["X-RateLimit-Reset"] = "1100"
    fake = FakeSession(make_response(200, {}, headers), make_response(200, {}))
    api = make_session(fake, clock, rate_limit_reserve=20)

    api.request("GET", "/a")
    assert clock.sleeps == []
    api.request("GET", "/b")
    # 100 s left, 10 requests left: one request every 10 s.
    assert clock.sleeps == [10.0]


def test_no_pacing_while_the_quota_is_comfortable():
    clock = Clock(now=1_000.0)
    headers = {"X-RateLimit-Remaining": "2000", "X-RateLimit-Reset": "4600"}
    fake = FakeSession(make_response(200, {}, headers), make_response(200, {}))
    api = make_session(fake, clock)
    api.request("GET", "/a")
    api.request("GET", "/b")
    assert clock.sleeps == []


def test_exhausted_quota_waits_until_the_reset_before_sending():
    clock = Clock(now=1_000.0)
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1030"}
    fake = FakeSession(make_response(200, {}, headers), make_response(200, {}))
    api = make_session(fake, clock)
    api.request("GET", "/a")
    api.request("GET", "/b")
    assert clock.sleeps == [30.0]


def test_read_timeout_is_retried_for_get_but_not_for_post():
    clock = Clock()
    fake = FakeSession(requests.exceptions.ReadTimeout("read timed out"))
    fake.answers.append(make_response(200, {}))
    api = make_session(fake, clock)
    api.request("GET", "/a")
    assert len(fake.calls) == 2
    assert [call["status"] for call in api.calls] == [None, 200]

    fake = FakeSession(requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(HttpError) as info:
        make_session(fake, clock).request("POST", "/a", json={})
    assert "no answer within the timeout" in info.value.message
    assert info.value.status is None
    assert len(fake.calls) == 1


def test_refused_connection_is_retried_even_for_post():
    fake = FakeSession(
        requests.exceptions.ConnectionError("NewConnectionError: Connection refused"),
        make_response(201, {}),
    )
    make_session(fake).request("POST", "/a", json={}, expected=(201,))
    assert len(fake.calls) == 2


def test_errors_never_hold_the_token():
    url = f"{BASE}/v2/whoami?token={TOKEN}"
    fake = FakeSession(
        requests.exceptions.ConnectionError(
            f"HTTPSConnectionPool: Max retries exceeded with url: {url} "
            f"(headers: Authorization: Bearer {TOKEN})"
        ),
        make_response(401, {"message": f"Authentication failed for {TOKEN}"}),
    )
    api = make_session(fake, retries=0)

    for unused_attempt in range(2):
        with pytest.raises(HttpError) as info:
            api.request("GET", "/v2/whoami")
        assert TOKEN not in info.value.message
        assert TOKEN not in repr(info.value.args)
        assert _http.REDACTED in info.value.message


def test_basic_auth_password_is_kept_out_of_messages():
    fake = FakeSession(make_response(403, {"message": "bad key supersecretkey"}))
    api = ApiSession(
        BASE, auth=("user", "supersecretkey"), session=fake, sleep=lambda s: None
    )
    with pytest.raises(HttpError) as info:
        api.request("GET", "/x")
    assert "supersecretkey" not in info.value.message
    assert fake.calls[0]["auth"] == ("user", "supersecretkey")


@pytest.mark.parametrize(
    "status, body, headers, expected",
    [
        (
            404,
            {"message": "Domain `x` not found"},
            {},
            "Domain `x` not found (HTTP 404)",
        ),
        (
            400,
            {"message": "Validation failed", "errors": {"digest": ["can't be blank"]}},
            {},
            "Validation failed: digest: can't be blank (HTTP 400)",
        ),
        (405, "", {}, "HTTP 405 Method Not Allowed from api.dnsimple.com"),
        (
            502,
            BAD_GATEWAY,
            {"Content-Type": "text/html"},
            "HTTP 502 Bad Gateway from api.dnsimple.com",
        ),
        (
            500,
            "plain failure",
            {"Content-Type": "text/plain"},
            "plain failure (HTTP 500)",
        ),
    ],
)
def test_default_error_message(status, body, headers, expected):
    reason = "Method Not Allowed" if status == 405 else ""
    raw = make_response(status, body, headers, reason=reason)
    response = ApiSession._wrap(raw, raw.url)
    assert _http.default_error_message(response) == expected


def test_html_title_gives_the_reason_when_the_status_line_has_none():
    raw = make_response(502, BAD_GATEWAY, {"Content-Type": "text/html"})
    response = ApiSession._wrap(raw, raw.url)
    assert _http.html_summary(response) == "HTTP 502 Bad Gateway from api.dnsimple.com"


def test_malformed_json_body_gives_none_and_keeps_the_text():
    raw = make_response(200, "<html>200 OK</html>", {"Content-Type": "text/html"})
    api = make_session(FakeSession(raw))
    response = api.request("GET", "/x")
    assert response.json is None
    assert not response.is_json
    assert "200 OK" in response.text


def test_custom_error_message_callable_is_used():
    fake = FakeSession(make_response(400, {"code": "E1"}))
    api = make_session(fake, error_message=lambda r: f"code {r.json['code']}")
    with pytest.raises(HttpError, match="code E1 on GET /x"):
        api.request("GET", "/x")


def test_retry_after_http_date():
    headers = {"Retry-After": "Thu, 01 Jan 1970 00:01:40 GMT"}
    assert _http.retry_after_seconds(headers, now=40.0) == 60.0
    assert _http.retry_after_seconds({"Retry-After": "junk"}) is None
    assert _http.retry_after_seconds({}) is None
