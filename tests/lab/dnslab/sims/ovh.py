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

Fault ``"pending"`` leaves tasks in ``doing`` for ever; ``operation_delay`` is
how long a task takes otherwise.  ``after_list`` is a hook run once, right after
the simulator has answered a listing of key ids: a test uses it to add a key
"from elsewhere" between a client's read and its write.
"""

from __future__ import annotations

import hashlib
import itertools
import time
import typing as t
import urllib.parse

from ._base import (
    DNSSEC_ALGORITHMS,
    KEY_FLAGS,
    ApiFailure,
    KeySimulator,
    Request,
    http_phrase,
    is_base64,
    key_tag,
)

PREFIX = "/1.0"


def _auth_error(status: int, code: str, message: str) -> ApiFailure:
    return ApiFailure(
        status,
        {
            "errorCode": code,
            "httpCode": f"{status} {http_phrase(status)}",
            "message": message,
        },
    )


def _now_text() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())


class OvhSimulator(KeySimulator):
    """OVHcloud's ``/domain/{serviceName}/dsRecord`` and task endpoints.

    ``credentials`` is ``(application_key, application_secret, consumer_key)``.
    """

    name = "ovh"
    key_fields = ("flags", "algorithm", "publicKey")
    stock_messages = {
        400: "Invalid JSON received",
        404: "Got an invalid (or empty) URL",
        429: "Too many requests",
        500: "Internal server error",
    }
    retry_after = "0"
    operation_states = ("todo", "doing", "done")

    def __init__(self, publish: t.Any = None, **kwargs: t.Any) -> None:
        kwargs.setdefault(
            "credentials", ("lab-app-key", "lab-app-secret", "lab-consumer-key")
        )
        super().__init__(publish, **kwargs)
        self.tasks: dict[int, dict[str, t.Any]] = {}
        self.clock_skew = 0
        self.after_list: t.Callable[[str], None] | None = None
        self._ids = itertools.count(100001)
        self._task_ids = itertools.count(5000001)

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

    def stored_key(
        self, name: str, flags: int, algorithm: int, public_key: str
    ) -> dict[str, t.Any]:
        return self._new_key(flags, algorithm, public_key, "created")

    def status(self, view: dict[str, t.Any]) -> str:
        return str(view.get("status"))

    def set_status(self, view: dict[str, t.Any], status: str) -> None:
        view.update(status=status, lastUpdate=_now_text())
        if status == "done":
            view["doneDate"] = view["lastUpdate"]

    # -- protocol -----------------------------------------------------------

    def error_body(self, status: int, message: str) -> t.Any:
        side = "Server" if status >= 500 else "Client"
        return {
            "class": f"{side}::{http_phrase(status).replace(' ', '')}",
            "message": message,
        }

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
        self.advance()
        service = request.match["service"].lower()
        if service not in self.domains:
            raise self.error(
                404, f"The requested object (serviceName = {service}) does not exist"
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
        raise self.error(
            404, f"The requested object (id = {request.match['key_id']}) does not exist"
        )

    def _replace(self, request: Request) -> t.Any:
        service = self._service(request)
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("keys"), list):
            raise self.error(400, "Missing parameter: keys (dnssec.Key[])")
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
            "comment": None,
            "creationDate": now,
            "todoDate": now,
            "doneDate": None,
            "canAccelerate": False,
            "canCancel": False,
            "canRelaunch": False,
        }
        self.tasks[task_id] = task

        def apply() -> None:
            for key in self.domains[service]:
                key["status"] = "created"
            self.publish_domain(service)

        self.submit(task, apply)
        return dict(task)

    def _task(self, request: Request) -> t.Any:
        self._service(request)
        task_id = request.match["task_id"]
        if not task_id.isdigit() or int(task_id) not in self.tasks:
            raise self.error(
                404, f"The requested object (id = {task_id}) does not exist"
            )
        return dict(self.tasks[int(task_id)])

    # -- helpers ------------------------------------------------------------

    def _check_key(self, key: t.Any) -> tuple[int, int, str]:
        if not isinstance(key, dict):
            raise self.error(400, "Invalid value for keys: expected dnssec.Key")
        algorithm, flags = key.get("algorithm"), key.get("flags")
        public_key, tag = key.get("publicKey"), key.get("tag")
        if algorithm not in DNSSEC_ALGORITHMS:
            raise self.error(400, f"Invalid value for keys.algorithm: {algorithm!r}")
        if flags not in KEY_FLAGS:
            raise self.error(400, f"Invalid value for keys.flags: {flags!r}")
        if not isinstance(public_key, str):
            raise self.error(400, "Missing parameter: keys.publicKey")
        if not is_base64(public_key):
            raise self.error(400, "Invalid value for keys.publicKey: not base64")
        if tag != key_tag(f"{flags} 3 {algorithm} {public_key}"):
            raise self.error(
                400, f"Invalid value for keys.tag: {tag!r} does not match the key"
            )
        return flags, algorithm, public_key

    def _new_key(
        self, flags: int, algorithm: int, public_key: str, status: str
    ) -> dict[str, t.Any]:
        return {
            "id": next(self._ids),
            "algorithm": algorithm,
            "flags": flags,
            "publicKey": public_key,
            "tag": key_tag(f"{flags} 3 {algorithm} {public_key}"),
            "status": status,
        }
