# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""Shared machinery of the registrar API simulators.

A simulator is a small HTTP server on loopback built on the standard library.
Subclasses declare routes (method + path pattern -> handler); the base parses
the request, logs it in ``requests``, applies the fault switch, and turns the
handler's return value into a JSON response.  Writes go through ``publish``
(the lab registry's ``set_ds``), so real DNS serves what the simulator holds.

Fault switch ``fault``:

- ``None``: normal operation.
- ``"429"``: every request is answered with the provider's rate-limit reply.
- ``"500"``: every request is answered with a server error.
- ``"timeout"``: every request waits ``timeout_delay`` seconds before it is
  answered normally (long enough for a client timeout).
- ``"pending"``: asynchronous operations never finish (simulators that have them).
- ``"sha1"``: the registry adds its own SHA-1 DS for each key it publishes.

``fault_count`` limits a fault to that many requests (then it clears itself),
which lets a test see a retry succeed.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import typing as t
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dns.dnssec
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype

Publish = t.Callable[[str, t.List[str]], None]


class ApiFailure(Exception):
    """Raised by a route handler: answered with ``status`` and ``body``."""

    def __init__(
        self, status: int, body: t.Any, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body
        self.headers = headers or {}


@dataclass
class Request:
    """One request as the simulator saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    match: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> t.Any:
        """The JSON body; ApiFailure 400 (via ``Simulator.bad_request``) if invalid."""
        if not self.body:
            return None
        return json.loads(self.text)

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None

    def basic_auth(self) -> tuple[str, str] | None:
        """Return (user, password) of an HTTP Basic Authorization header."""
        value = self.header("Authorization") or ""
        if not value.lower().startswith("basic "):
            return None
        try:
            raw = base64.b64decode(value[6:].strip(), validate=True).decode("utf-8")
        except ValueError:
            return None
        user, sep, password = raw.partition(":")
        return (user, password) if sep else None

    def bearer(self) -> str | None:
        value = self.header("Authorization") or ""
        if value.lower().startswith("bearer "):
            return value[7:].strip()
        return None

    def to_dict(self) -> dict[str, t.Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": dict(self.headers),
            "body": self.text,
        }


@dataclass
class Response:
    status: int = 200
    body: t.Any = None
    headers: dict[str, str] = field(default_factory=dict)
    # Raw text bodies (an HTML error page) instead of JSON.
    raw: str | None = None


Handler = t.Callable[[Request], t.Any]


class Simulator:
    """Base of the registrar simulators.

    ``credentials`` is provider-specific (a token, a (user, token) pair, ...);
    ``publish(domain, ds_texts)`` replaces the domain's DS set in the parent
    zone; ``child_keys(domain)`` returns the child zone's KSKs (DNSKEY texts, or
    the lab's ``child_keys`` dicts with a ``dnskey`` member), used by
    the ``"sha1"`` fault for registrars that take DS data.
    """

    name = "simulator"

    def __init__(
        self,
        publish: Publish | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        credentials: t.Any = None,
        child_keys: t.Callable[[str], list[t.Any]] | None = None,
    ) -> None:
        self.publish_callback = publish
        self.host = host
        self.port = port
        self.credentials = credentials
        self.child_keys = child_keys
        self.fault: str | None = None
        self.fault_count: int | None = None
        self.timeout_delay = 5.0
        self.requests: list[Request] = []
        self.published: dict[str, list[str]] = {}
        self.lock = threading.RLock()
        self._routes: list[tuple[str, t.Pattern[str], Handler]] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.routes()

    # -- set-up -------------------------------------------------------------

    def routes(self) -> None:
        """Declare the routes with ``self.route``; subclasses override."""

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        """Route ``method`` on paths matching ``pattern`` (named groups) to ``handler``."""
        self._routes.append((method.upper(), re.compile(f"^{pattern}$"), handler))

    def start(self) -> str:
        """Start serving; return the base URL (``http://host:port``)."""
        simulator = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                simulator._dispatch(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

            def log_message(self, format: str, *args: t.Any) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer((self.host, self.port), _Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"{self.name}-sim", daemon=True
        )
        self._thread.start()
        return self.url

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Simulator:
        self.start()
        return self

    def __exit__(self, *exc: t.Any) -> None:
        self.stop()

    # -- state --------------------------------------------------------------

    def add_domain(self, name: str) -> None:
        """Make the account own ``name``; subclasses keep their record store."""
        raise NotImplementedError

    def records(self, domain: str) -> list[t.Any]:
        """Return the domain's records as the registrar holds them."""
        raise NotImplementedError

    def publish(self, domain: str, ds_texts: list[str]) -> None:
        """Publish the DS set into the parent zone (plus registry SHA-1 extras)."""
        texts = list(ds_texts)
        if self.fault == "sha1":
            texts.extend(self.registry_sha1(domain, texts))
        self.published[_relative(domain)] = texts
        if self.publish_callback is not None:
            self.publish_callback(_absolute(domain), texts)

    def registry_sha1(self, domain: str, ds_texts: list[str]) -> list[str]:
        """SHA-1 DS records a registry adds for the keys of ``ds_texts``."""
        if self.child_keys is None:
            return []
        extra = []
        tags = {int(text.split()[0]) for text in ds_texts}
        for key in self.child_keys(_absolute(domain)):
            # The lab's child_keys gives dicts with "dnskey"; plain texts work too.
            key_text = key["dnskey"] if isinstance(key, dict) else str(key)
            rdata = dns.rdata.from_text(
                dns.rdataclass.IN, dns.rdatatype.DNSKEY, key_text
            )
            if dns.dnssec.key_id(rdata) in tags:
                extra.append(ds_text(domain, key_text, 1))
        return extra

    # -- dispatch -----------------------------------------------------------

    def rate_limited(self, request: Request) -> Response:
        """The provider's answer to too many requests; subclasses override."""
        return Response(429, {"message": "Too Many Requests"}, {"Retry-After": "1"})

    def server_error(self, request: Request) -> Response:
        """The provider's answer to an internal error; subclasses override."""
        return Response(500, {"message": "Internal Server Error"})

    def not_found(self, request: Request) -> Response:
        return Response(404, {"message": "Not Found"})

    def bad_json(self, request: Request) -> Response:
        return Response(400, {"message": "Invalid JSON body"})

    def _fault_response(self, request: Request) -> Response | None:
        with self.lock:
            fault = self.fault
            if fault in ("429", "500", "timeout") and self.fault_count is not None:
                self.fault_count -= 1
                if self.fault_count <= 0:
                    self.fault = None
                    self.fault_count = None
        if fault == "429":
            return self.rate_limited(request)
        if fault == "500":
            return self.server_error(request)
        if fault == "timeout":
            time.sleep(self.timeout_delay)
        return None

    def _dispatch(self, http: BaseHTTPRequestHandler) -> None:
        parsed = urllib.parse.urlsplit(http.path)
        length = int(http.headers.get("Content-Length") or 0)
        body = http.rfile.read(length) if length else b""
        request = Request(
            method=http.command,
            path=urllib.parse.unquote(parsed.path),
            query=urllib.parse.parse_qs(parsed.query),
            headers=dict(http.headers.items()),
            body=body,
        )
        with self.lock:
            self.requests.append(request)

        response = self._fault_response(request)
        if response is None:
            response = self._handle(request)
        self._send(http, response)

    def _handle(self, request: Request) -> Response:
        allowed = False
        for method, pattern, handler in self._routes:
            match = pattern.match(request.path)
            if not match:
                continue
            allowed = True
            if method != request.method:
                continue
            request.match = match.groupdict()
            try:
                with self.lock:
                    result = handler(request)
            except ApiFailure as exc:
                return Response(exc.status, exc.body, exc.headers)
            except json.JSONDecodeError:
                return self.bad_json(request)
            if isinstance(result, Response):
                return result
            return Response(200, result)
        if allowed:
            return Response(405, {"message": "Method Not Allowed"})
        return self.not_found(request)

    @staticmethod
    def _send(http: BaseHTTPRequestHandler, response: Response) -> None:
        if response.raw is not None:
            payload = response.raw.encode("utf-8")
            content_type = "text/html; charset=utf-8"
        elif response.body is None and response.status == 204:
            payload = b""
            content_type = ""
        else:
            payload = json.dumps(response.body).encode("utf-8")
            content_type = "application/json"
        try:
            http.send_response(response.status)
            if content_type:
                http.send_header("Content-Type", content_type)
            for key, value in response.headers.items():
                http.send_header(key, value)
            http.send_header("Content-Length", str(len(payload)))
            http.end_headers()
            if payload:
                http.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass

    # -- requests log -------------------------------------------------------

    def requests_to(self, method: str, path_part: str = "") -> list[Request]:
        """The logged requests with this method whose path contains ``path_part``."""
        return [
            request
            for request in self.requests
            if request.method == method and path_part in request.path
        ]

    def writes(self) -> list[Request]:
        """Logged requests that are not GETs (Porkbun's reads are POSTs too)."""
        return [request for request in self.requests if request.method != "GET"]


def ds_text(domain: str, dnskey_text: str, digest_type: int = 2) -> str:
    """The DS of a DNSKEY, as a registry computes it: ``tag alg type DIGEST``."""
    rdata = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DNSKEY, dnskey_text)
    ds = dns.dnssec.make_ds(
        dns.name.from_text(_absolute(domain)),
        rdata,
        digest_type,
        policy=dns.dnssec.allow_all_policy,
    )
    return f"{ds.key_tag} {ds.algorithm} {ds.digest_type} {ds.digest.hex().upper()}"


def normalize_ds(text: str) -> str:
    """``tag alg type digest`` with the digest upper-case and unsplit."""
    parts = text.split()
    return " ".join(parts[:3] + ["".join(parts[3:]).upper()])


def _absolute(domain: str) -> str:
    return domain if domain.endswith(".") else domain + "."


def _relative(domain: str) -> str:
    return domain.rstrip(".").lower()
