# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""A fake requests transport for the registrar adapter tests: no network."""

from __future__ import annotations

import json
import typing as t

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from ansible_collections.dnsops.dnssec.plugins.module_utils import _http


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
