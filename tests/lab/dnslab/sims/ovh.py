# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""An OVHcloud API v1 simulator: the DS records (DNSKEYs) of the account's domains.

Routes, under ``/1.0`` like OVHcloud's endpoints (``start`` returns that URL):

- ``GET /auth/time``: the server's epoch time (no authentication).
- ``GET /domain/{serviceName}/dsRecord``: the ids of the keys.
- ``GET /domain/{serviceName}/dsRecord/{id}``: one key, ``{"id", "algorithm",
  "flags", "publicKey", "tag", "status"}``.
- ``POST /domain/{serviceName}/dsRecord`` with ``{"keys": [{"algorithm",
  "flags", "publicKey", "tag"}]}``: REPLACES the whole set and returns a
  ``domain.Task``; the registry receives the new set when the task is done.
- ``GET /domain/{serviceName}/task/{id}``: the task (``todo``, ``doing``,
  ``done``, ``error``).

Every call but ``/auth/time`` is signed: ``X-Ovh-Application``,
``X-Ovh-Consumer``, ``X-Ovh-Timestamp`` and ``X-Ovh-Signature`` = ``$1$`` +
SHA-1 of ``secret+consumer+METHOD+URL+body+timestamp``.  Refusals use OVHcloud's
shapes: ``{"errorCode": "INVALID_CREDENTIAL", "httpCode": "403 Forbidden",
"message": ...}`` for credentials and signatures, ``{"class":
"Client::NotFound", "message": ...}`` for the rest.

Fault ``"pending"`` leaves tasks in ``todo`` for ever; ``task_delay`` is how
long a task takes otherwise.  ``after_list`` is a hook run once, right after
the simulator has answered a listing of key ids: a test uses it to add a key
"from elsewhere" between a client's read and its write.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import time
import typing as t
import urllib.parse

import dns.dnssec
import dns.rdata
import dns.rdataclass
import dns.rdatatype

from ._base import ApiFailure, Request, Response, Simulator, ds_text

PREFIX = "/1.0"


def _class_error(status: int, cls: str, message: str) -> ApiFailure:
    return ApiFailure(status, {"class": cls, "message": message})


def _auth_error(status: int, code: str, message: str) -> ApiFailure:
    reason = {400: "Bad Request", 403: "Forbidden"}[status]
    return ApiFailure(
        status,
        {"errorCode": code, "httpCode": f"{status} {reason}", "message": message},
    )


def _now_text() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())


def key_tag(flags: int, algorithm: int, public_key: str) -> int:
    rdata = dns.rdata.from_text(
        dns.rdataclass.IN,
        dns.rdatatype.DNSKEY,
        f"{flags} 3 {algorithm} {public_key}",
    )
    return int(dns.dnssec.key_id(rdata))


class OvhSimulator(Simulator):
    """OVHcloud's ``/domain/{serviceName}/dsRecord`` and task endpoints.

    ``credentials`` is ``(application_key, application_secret, consumer_key)``.
    """

    name = "ovh"

    def __init__(self, publish: t.Any = None, **kwargs: t.Any) -> None:
        kwargs.setdefault(
            "credentials", ("lab-app-key", "lab-app-secret", "lab-consumer-key")
        )
        super().__init__(publish, **kwargs)
        self.domains: dict[str, list[dict[str, t.Any]]] = {}
        self.tasks: dict[int, dict[str, t.Any]] = {}
        self.task_delay = 0.3
        self.clock_skew = 0
        self.after_list: t.Callable[[str], None] | None = None
        self._ids = itertools.count(100001)
        self._task_ids = itertools.count(5000001)
        self._pending: dict[int, dict[str, t.Any]] = {}

    def start(self) -> str:
        return super().start() + PREFIX

    def routes(self) -> None:
        base = PREFIX + r"/domain/(?P<service>[^/]+)"
        self.route("GET", PREFIX + r"/auth/time", self._time)
        self.route("GET", base + r"/dsRecord", self._list)
        self.route("POST", base + r"/dsRecord", self._replace)
        self.route("GET", base + r"/dsRecord/(?P<key_id>[^/]+)", self._get)
        self.route("GET", base + r"/task/(?P<task_id>[^/]+)", self._task)

    # -- state --------------------------------------------------------------

    def add_domain(self, name: str) -> None:
        self.domains.setdefault(name.rstrip(".").lower(), [])

    def records(self, domain: str) -> list[dict[str, t.Any]]:
        return [dict(key) for key in self.domains[domain.rstrip(".").lower()]]

    def add_key(self, domain: str, dnskey_text: str) -> dict[str, t.Any]:
        """Add a key as someone else would (the control panel); publishes."""
        flags, _protocol, algorithm, public_key = dnskey_text.split(None, 3)
        service = domain.rstrip(".").lower()
        with self.lock:
            key = self._new_key(int(flags), int(algorithm), public_key, "created")
            self.domains[service].append(key)
            self._publish(service)
        return key

    def complete_tasks(self) -> None:
        """Finish every task whose time has come (done lazily on each request)."""
        with self.lock:
            now = time.monotonic()
            for task_id, pending in list(self._pending.items()):
                task = self.tasks[task_id]
                if pending["stuck"]:
                    continue
                if (
                    now >= pending["due"] - self.task_delay / 2
                    and task["status"] == "todo"
                ):
                    task["status"] = "doing"
                    task["lastUpdate"] = _now_text()
                if now >= pending["due"]:
                    for key in self.domains[pending["service"]]:
                        key["status"] = "created"
                    self._publish(pending["service"])
                    task.update(
                        status="done", doneDate=_now_text(), lastUpdate=_now_text()
                    )
                    del self._pending[task_id]

    # -- protocol -----------------------------------------------------------

    def rate_limited(self, request: Request) -> Response:
        return Response(
            429,
            {"class": "Client::TooManyRequests", "message": "Too many requests"},
            {"Retry-After": "0"},
        )

    def server_error(self, request: Request) -> Response:
        return Response(
            500,
            {
                "class": "Server::InternalServerError",
                "message": "Internal server error",
            },
        )

    def not_found(self, request: Request) -> Response:
        return Response(
            404,
            {"class": "Client::NotFound", "message": "Got an invalid (or empty) URL"},
        )

    def bad_json(self, request: Request) -> Response:
        return Response(
            400, {"class": "Client::BadRequest", "message": "Invalid JSON received"}
        )

    def signed_url(self, request: Request) -> str:
        path = urllib.parse.quote(request.path, safe="/:@!$&'()*+,;=-._~")
        url = f"http://{request.header('Host')}{path}"
        if request.query:
            url += "?" + urllib.parse.urlencode(request.query, doseq=True)
        return url

    def _authenticate(self, request: Request) -> None:
        application_key, secret, consumer_key = self.credentials
        if request.header("X-Ovh-Application") != application_key:
            raise _auth_error(403, "INVALID_KEY", "This application key is invalid")
        if request.header("X-Ovh-Consumer") != consumer_key:
            raise _auth_error(403, "INVALID_CREDENTIAL", "This credential is not valid")
        timestamp = request.header("X-Ovh-Timestamp") or ""
        if not timestamp.isdigit() or abs(int(timestamp) - self._server_time()) > 300:
            raise _auth_error(
                400, "QUERY_TIME_OUT_OF_BOUNDS", "Query out of time bounds"
            )
        text = "+".join(
            [
                secret,
                consumer_key,
                request.method,
                self.signed_url(request),
                request.text,
                timestamp,
            ]
        )
        expected = "$1$" + hashlib.sha1(text.encode("utf-8")).hexdigest()
        if request.header("X-Ovh-Signature") != expected:
            raise _auth_error(400, "INVALID_SIGNATURE", "Invalid signature")

    def _service(self, request: Request) -> str:
        self._authenticate(request)
        self.complete_tasks()
        service = request.match["service"].lower()
        if service not in self.domains:
            raise _class_error(
                404,
                "Client::NotFound",
                f"The requested object (serviceName = {service}) does not exist",
            )
        return service

    def _server_time(self) -> int:
        return int(time.time()) + self.clock_skew

    # -- routes -------------------------------------------------------------

    def _time(self, request: Request) -> t.Any:
        return self._server_time()

    def _list(self, request: Request) -> t.Any:
        service = self._service(request)
        ids = [key["id"] for key in self.domains[service]]
        hook, self.after_list = self.after_list, None
        if hook is not None:
            hook(service)
        return ids

    def _get(self, request: Request) -> t.Any:
        service = self._service(request)
        for key in self.domains[service]:
            if str(key["id"]) == request.match["key_id"]:
                return dict(key)
        raise _class_error(
            404,
            "Client::NotFound",
            f"The requested object (id = {request.match['key_id']}) does not exist",
        )

    def _replace(self, request: Request) -> t.Any:
        service = self._service(request)
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("keys"), list):
            raise _class_error(
                400, "Client::BadRequest", "Missing parameter: keys (dnssec.Key[])"
            )
        wanted = [self._check_key(key) for key in body["keys"]]
        current = {key["publicKey"]: key for key in self.domains[service]}
        replaced = []
        for flags, algorithm, public_key in wanted:
            key = current.get(public_key)
            if key is None or key["flags"] != flags or key["algorithm"] != algorithm:
                key = self._new_key(flags, algorithm, public_key, "creating")
            replaced.append(key)
        self.domains[service] = replaced

        task_id = next(self._task_ids)
        now = _now_text()
        task = {
            "id": task_id,
            "function": "DomainDnssecUpdate",
            "status": "todo",
            "comment": None,
            "creationDate": now,
            "todoDate": now,
            "lastUpdate": now,
            "doneDate": None,
            "canAccelerate": False,
            "canCancel": False,
            "canRelaunch": False,
        }
        self.tasks[task_id] = task
        self._pending[task_id] = {
            "service": service,
            "due": time.monotonic() + self.task_delay,
            "stuck": self.fault == "pending",
        }
        return dict(task)

    def _task(self, request: Request) -> t.Any:
        self._service(request)
        task_id = request.match["task_id"]
        if not task_id.isdigit() or int(task_id) not in self.tasks:
            raise _class_error(
                404,
                "Client::NotFound",
                f"The requested object (id = {task_id}) does not exist",
            )
        return dict(self.tasks[int(task_id)])

    # -- helpers ------------------------------------------------------------

    @staticmethod
    def _check_key(key: t.Any) -> tuple[int, int, str]:
        def bad(message: str) -> ApiFailure:
            return _class_error(400, "Client::BadRequest", message)

        if not isinstance(key, dict):
            raise bad("Invalid value for keys: expected dnssec.Key")
        algorithm, flags = key.get("algorithm"), key.get("flags")
        public_key, tag = key.get("publicKey"), key.get("tag")
        if algorithm not in (5, 7, 8, 10, 13, 14, 15, 16):
            raise bad(f"Invalid value for keys.algorithm: {algorithm!r}")
        if flags not in (256, 257):
            raise bad(f"Invalid value for keys.flags: {flags!r}")
        if not isinstance(public_key, str):
            raise bad("Missing parameter: keys.publicKey")
        try:
            base64.b64decode(public_key, validate=True)
        except (binascii.Error, ValueError):
            raise bad("Invalid value for keys.publicKey: not base64") from None
        if tag != key_tag(flags, algorithm, public_key):
            raise bad(f"Invalid value for keys.tag: {tag!r} does not match the key")
        return flags, algorithm, public_key

    def _new_key(
        self, flags: int, algorithm: int, public_key: str, status: str
    ) -> dict[str, t.Any]:
        return {
            "id": next(self._ids),
            "algorithm": algorithm,
            "flags": flags,
            "publicKey": public_key,
            "tag": key_tag(flags, algorithm, public_key),
            "status": status,
        }

    def _publish(self, service: str) -> None:
        texts = []
        for key in self.domains[service]:
            dnskey = f"{key['flags']} 3 {key['algorithm']} {key['publicKey']}"
            texts.append(ds_text(service, dnskey, 2))
            if self.fault == "sha1":
                texts.append(ds_text(service, dnskey, 1))
        self.publish(service, texts)

    def registry_sha1(self, domain: str, ds_texts: list[str]) -> list[str]:
        # The SHA-1 extras are made in _publish, from the keys themselves.
        return []
