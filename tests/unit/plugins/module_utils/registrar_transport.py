# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""Fakes for the registrar adapter tests: a requests transport, a clock, a key.

No network: ``install`` makes every ApiSession of a test answer from a queue.
"""

from __future__ import annotations

import json
import typing as t

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from ansible_collections.dnsops.dnssec.plugins.module_utils import _http
from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    parse_dnskey,
)

# A KSK (ECDSA P-256) the adapter tests list, add and remove.
KEY = parse_dnskey(
    "257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+"
    "KkxLbxILfDLUT0rAK9iUzy1L53eKGQ=="
)


class Transport(BaseAdapter):
    """Answers from a queue of (status, body[, headers]) and keeps each request."""

    def __init__(self, *answers: tuple[t.Any, ...]) -> None:
        super().__init__()
        self.answers = list(answers)
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request, **kwargs):  # pylint: disable=arguments-differ
        self.sent.append(request)
        answer = self.answers.pop(0)
        status, body = answer[0], answer[1]
        headers = answer[2] if len(answer) > 2 else {}
        response = requests.Response()
        response.status_code = status
        response.url = request.url
        response.request = request
        response.headers = CaseInsensitiveDict(headers)
        if body is None:
            response._content = b""
        else:
            response._content = json.dumps(body).encode()
            response.headers["Content-Type"] = "application/json"
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass

    def body(self, index: int) -> t.Any:
        request = self.sent[index]
        return json.loads(request.body) if request.body else None


def install(monkeypatch, *answers: tuple[t.Any, ...]) -> Transport:
    """Make every ApiSession of the test use a Transport with these answers."""
    transport = Transport(*answers)
    session = requests.Session()
    session.mount("https://", transport)
    session.mount("http://", transport)
    monkeypatch.setattr(_http.requests, "Session", lambda: session)
    return transport


class Clock:
    """A monotonic clock that only moves when slept on; keeps every pause."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def assert_quotes(
    error: BaseException,
    words: str,
    label: str,
    secrets: t.Iterable[str],
    operations: t.Any = (),
) -> None:
    """An adapter error names the registrar, quotes its words, shows no secret."""
    message = str(error)
    assert message.startswith(f"{label}: "), message
    assert words in message, message
    for secret in secrets:
        assert secret not in message
        assert secret not in repr(operations)
