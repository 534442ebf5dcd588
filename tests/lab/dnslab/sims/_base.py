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

Two kinds of registrar share more: ``KeySimulator`` holds DNSKEYs (Gandi,
OVHcloud, Route 53 Domains) and publishes the SHA-256 DS of each;
``DsSimulator`` holds DS records (Name.com, Porkbun) and publishes them as
they are.  Asynchronous operations (an OVHcloud task, a Route 53 Domains
operation) go through ``submit``: they finish ``operation_delay`` seconds later,
or never under the ``"pending"`` fault.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import time
import typing as t
import urllib.parse
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dns.dnssec
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype

Publish = t.Callable[[str, t.List[str]], None]

# What registries accept: DNSSEC signing algorithms, and ZSK or KSK flags.
DNSSEC_ALGORITHMS = (5, 7, 8, 10, 13, 14, 15, 16)
KEY_FLAGS = (256, 257)


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


@dataclass
class Operation:
    """An asynchronous registry operation; ``view`` is what the API shows of it."""

    view: dict[str, t.Any]
    due: float
    stuck: bool
    apply: t.Callable[[], None]


class Simulator:
    """Base of the registrar simulators.

    ``credentials`` is provider-specific (a token, a (user, token) pair, ...);
    ``publish(domain, ds_texts)`` replaces the domain's DS set in the parent
    zone; ``child_keys(domain)`` returns the child zone's KSKs (DNSKEY texts, or
    the lab's ``child_keys`` dicts with a ``dnskey`` member), used by
    the ``"sha1"`` fault for registrars that take DS data.
    """

    name = "simulator"
    # The provider's words for the stock answers (see ``stock``).
    stock_messages = {
        400: "Invalid JSON body",
        404: "Not Found",
        429: "Too Many Requests",
        500: "Internal Server Error",
    }
    # Retry-After of a rate-limited answer, or None for no header.
    retry_after: str | None = "1"
    # An asynchronous operation's statuses: submitted, running, finished.
    operation_states = ("SUBMITTED", "IN_PROGRESS", "SUCCESSFUL")

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
        self.operation_delay = 0.3
        self.requests: list[Request] = []
        self.published: dict[str, list[str]] = {}
        self.lock = threading.RLock()
        self._routes: list[tuple[str, t.Pattern[str], Handler]] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._pending: list[Operation] = []
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

    def known_keys(self, domain: str) -> list[str]:
        """DNSKEY texts of the domain the registry knows: the child zone's KSKs."""
        if self.child_keys is None:
            return []
        # The lab's child_keys gives dicts with "dnskey"; plain texts work too.
        return [
            key["dnskey"] if isinstance(key, dict) else str(key)
            for key in self.child_keys(_absolute(domain))
        ]

    def registry_sha1(self, domain: str, ds_texts: list[str]) -> list[str]:
        """SHA-1 DS records a registry adds for the keys of ``ds_texts``."""
        tags = {int(text.split()[0]) for text in ds_texts}
        return [
            ds_text(domain, key, 1)
            for key in self.known_keys(domain)
            if key_tag(key) in tags
        ]

    # -- asynchronous operations ----------------------------------------------

    def submit(self, view: dict[str, t.Any], apply: t.Callable[[], None]) -> None:
        """Start an operation: ``apply`` makes its change when it finishes.

        ``view`` (the operation as the API shows it) moves through
        ``operation_states`` by ``set_status``; under the ``"pending"`` fault it
        stays running for ever.
        """
        self.set_status(view, self.operation_states[0])
        self._pending.append(
            Operation(
                view,
                time.monotonic() + self.operation_delay,
                self.fault == "pending",
                apply,
            )
        )

    def advance(self) -> None:
        """Move every operation on as its time comes (done on each request)."""
        _submitted, running, finished = self.operation_states
        with self.lock:
            now = time.monotonic()
            for operation in list(self._pending):
                if not operation.stuck and now >= operation.due:
                    operation.apply()
                    self.set_status(operation.view, finished)
                    self._pending.remove(operation)
                elif operation.stuck or now >= operation.due - self.operation_delay / 2:
                    if self.status(operation.view) != running:
                        self.set_status(operation.view, running)

    def status(self, view: dict[str, t.Any]) -> str:
        """An operation's status as the API shows it; subclasses override."""
        return str(view.get("Status"))

    def set_status(self, view: dict[str, t.Any], status: str) -> None:
        """Set an operation's status (and its time stamps); subclasses override."""
        view["Status"] = status

    # -- dispatch -----------------------------------------------------------

    def error_body(self, status: int, message: str) -> t.Any:
        """The provider's error body; subclasses give their own shape."""
        return {"message": message}

    def error(self, status: int, message: str) -> ApiFailure:
        """A refusal in the provider's shape, for route handlers to raise."""
        return ApiFailure(status, self.error_body(status, message))

    def stock(self, status: int) -> Response:
        """The provider's answer for a stock status (``stock_messages``)."""
        headers = {}
        if status == 429 and self.retry_after is not None:
            headers["Retry-After"] = self.retry_after
        return Response(
            status, self.error_body(status, self.stock_messages[status]), headers
        )

    def rate_limited(self, request: Request) -> Response:
        """The provider's answer to too many requests."""
        return self.stock(429)

    def server_error(self, request: Request) -> Response:
        """The provider's answer to an internal error."""
        return self.stock(500)

    def not_found(self, request: Request) -> Response:
        return self.stock(404)

    def bad_json(self, request: Request) -> Response:
        return self.stock(400)

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


class KeySimulator(Simulator):
    """A registrar that holds DNSKEYs and publishes the SHA-256 DS of each.

    ``domains`` maps each domain of the account to its key entries;
    ``key_fields`` names the members of an entry that hold the flags, the
    algorithm and the public key.  The ``"sha1"`` fault adds a SHA-1 DS of
    every key.
    """

    key_fields = ("flags", "algorithm", "public_key")

    def __init__(self, publish: Publish | None = None, **kwargs: t.Any) -> None:
        super().__init__(publish, **kwargs)
        self.domains: dict[str, list[dict[str, t.Any]]] = {}

    def add_domain(self, name: str) -> None:
        self.domains.setdefault(_relative(name), [])

    def records(self, domain: str) -> list[dict[str, t.Any]]:
        return [dict(key) for key in self.domains[_relative(domain)]]

    def add_key(self, domain: str, dnskey_text: str) -> dict[str, t.Any]:
        """Add a key as someone else would (the web interface); publishes."""
        flags, _protocol, algorithm, public_key = dnskey_text.split(None, 3)
        name = _relative(domain)
        with self.lock:
            key = self.stored_key(
                name, int(flags), int(algorithm), "".join(public_key.split())
            )
            self.domains[name].append(key)
            self.publish_domain(name)
        return key

    def stored_key(
        self, name: str, flags: int, algorithm: int, public_key: str
    ) -> dict[str, t.Any]:
        """The provider's entry for a key it holds; subclasses give the shape."""
        raise NotImplementedError

    def dnskey_text(self, key: t.Mapping[str, t.Any]) -> str:
        flags, algorithm, public_key = (key[name] for name in self.key_fields)
        return f"{flags} 3 {algorithm} {public_key}"

    def known_keys(self, domain: str) -> list[str]:
        return [self.dnskey_text(key) for key in self.domains[_relative(domain)]]

    def publish_domain(self, name: str) -> None:
        """Publish the SHA-256 DS of every key the domain holds."""
        self.publish(name, [ds_text(name, key) for key in self.known_keys(name)])


class DsSimulator(Simulator):
    """A registrar that holds DS records and publishes them as they are.

    ``domains`` maps each domain of the account to its entries; ``ds_fields``
    names the members of an entry that hold the key tag, the algorithm, the
    digest type and the digest.
    """

    ds_fields = ("keyTag", "algorithm", "digestType", "digest")

    def __init__(self, publish: Publish | None = None, **kwargs: t.Any) -> None:
        super().__init__(publish, **kwargs)
        self.domains: dict[str, list[dict[str, t.Any]]] = {}

    def add_domain(self, name: str, records: t.Iterable[str] = ()) -> None:
        """Own ``name``; ``records`` (DS texts) are already at the registry."""
        domain = _relative(name)
        self.domains[domain] = [
            self.entry(domain, *normalize_ds(text).split()) for text in records
        ]

    def entry(
        self, domain: str, key_tag: str, algorithm: str, digest_type: str, digest: str
    ) -> dict[str, t.Any]:
        """The provider's entry for one DS; subclasses give the shape."""
        raise NotImplementedError

    def entry_text(self, entry: t.Mapping[str, t.Any]) -> str:
        return normalize_ds(" ".join(str(entry[name]) for name in self.ds_fields))

    def records(self, domain: str) -> list[str]:
        """The domain's DS records, as texts."""
        return [self.entry_text(entry) for entry in self.domains[_relative(domain)]]

    def publish_domain(self, domain: str) -> None:
        self.publish(domain, self.records(domain))


def is_base64(text: t.Any) -> bool:
    """Whether ``text`` is a non-empty base64 string (a DNSKEY public key)."""
    if not isinstance(text, str) or not text:
        return False
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def http_phrase(status: int) -> str:
    """The reason phrase of an HTTP status, e.g. ``Too Many Requests``."""
    return HTTPStatus(status).phrase


def key_tag(dnskey_text: str) -> int:
    """The key tag of a DNSKEY given as ``flags protocol algorithm key``."""
    rdata = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DNSKEY, dnskey_text)
    return int(dns.dnssec.key_id(rdata))


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
