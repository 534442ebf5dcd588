# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""A DNSimple API v2 simulator, with DNSimple's webhook delivery.

It serves, over plain HTTP on loopback, the parts of the API the collection
uses, in DNSimple's shapes: Bearer tokens (401 ``Authentication failed``),
``/v2/whoami`` and ``/v2/accounts``, domains (hosted and registered, with
``page`` / ``per_page`` pagination and ``name_like``), DNSSEC status (get,
enable, disable), DS records of domains registered at DNSimple (written through
``publish`` into the lab's parent zone), webhooks (list, create, get, delete),
the ``X-RateLimit-*`` headers with a quota, 429 ``quota exceeded``, and error
bodies ``{"message": ..., "errors": {...}}``.

Webhook delivery follows DNSimple's rules: a JSON POST to every registered
webhook URL, retried until the receiver answers HTTP 200 (201 and 204 count as
failures), up to ``max_attempts`` times, the endpoint suppressed after
``suppress_after`` failures in a row; ``duplicates`` delivers the same body more
than once.  ``on_event(name, zone, ds)`` has the lab signer's callback signature.
"""

from __future__ import annotations

import json
import threading
import time
import typing as t
import urllib.error
import urllib.request
import uuid

from .sims._base import ApiFailure, Publish, Request, Response, Simulator, ds_text

BAD_GATEWAY_PAGE = """<html>
<head><title>502 Bad Gateway</title></head>
<body bgcolor="white">
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx</center>
</body>
</html>
"""

ROTATION_EVENTS = ("dnssec.rotation_start", "dnssec.rotation_complete")
_DS_FIELDS = ("algorithm", "digest", "digest_type", "keytag")


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _name(domain: str) -> str:
    return domain.strip().rstrip(".").lower()


class DnsimpleSimulator(Simulator):
    """DNSimple API v2 and webhook delivery for the lab.

    ``publish(domain, ds_texts)`` receives the DS set of a REGISTERED domain
    whenever its DS records change (the DNSimple-as-registrar case).
    """

    name = "dnsimple"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str = "dnsimple-lab-token",
        account_id: int = 1010,
        publish: Publish | None = None,
        user_token: bool = False,
        rate_limit: int = 2400,
        retry_delays: t.Sequence[float] = (0.05, 0.1, 0.2, 0.4, 0.8),
        max_attempts: int = 10,
        suppress_after: int = 15,
        duplicates: int = 1,
        require_https: bool = False,
    ) -> None:
        self.token = token
        self.account_id = int(account_id)
        self.user_token = user_token
        self.rate_limit = rate_limit
        self.rate_limit_remaining = rate_limit
        self.rate_limit_reset = int(time.time()) + 3600
        self.force_429 = 0
        self.force_502 = 0
        self.retry_delays = list(retry_delays)
        self.max_attempts = max_attempts
        self.suppress_after = suppress_after
        self.duplicates = duplicates
        self.require_https = require_https
        self.domains: dict[str, dict[str, t.Any]] = {}
        self.ds_records: dict[str, list[dict[str, t.Any]]] = {}
        self.webhooks: dict[int, dict[str, t.Any]] = {}
        self.deliveries: list[dict[str, t.Any]] = []
        self.emitted: list[dict[str, t.Any]] = []
        self._failures: dict[int, int] = {}
        self._next_id = 1000
        self._delivery_threads: list[threading.Thread] = []
        super().__init__(publish, host=host, port=port, credentials=token)

    # -- routes -------------------------------------------------------------

    def routes(self) -> None:
        account = r"/v2/(?P<account>[^/]+)"
        domain = account + r"/domains/(?P<domain>[^/]+)"
        self.route("GET", r"/v2/whoami", self._whoami)
        self.route("GET", r"/v2/accounts", self._accounts)
        self.route("GET", account + r"/domains", self._list_domains)
        self.route("GET", domain, self._get_domain)
        self.route("GET", domain + r"/dnssec", self._get_dnssec)
        self.route("POST", domain + r"/dnssec", self._enable_dnssec)
        self.route("DELETE", domain + r"/dnssec", self._disable_dnssec)
        self.route("GET", domain + r"/ds_records", self._list_ds)
        self.route("POST", domain + r"/ds_records", self._create_ds)
        self.route("GET", domain + r"/ds_records/(?P<id>\d+)", self._get_ds)
        self.route("DELETE", domain + r"/ds_records/(?P<id>\d+)", self._delete_ds)
        self.route("GET", account + r"/webhooks", self._list_webhooks)
        self.route("POST", account + r"/webhooks", self._create_webhook)
        self.route("GET", account + r"/webhooks/(?P<id>\d+)", self._get_webhook)
        self.route("DELETE", account + r"/webhooks/(?P<id>\d+)", self._delete_webhook)

    # -- state --------------------------------------------------------------

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def add_domain(  # pylint: disable=arguments-differ
        self, name: str, state: str = "hosted", dnssec: bool = True
    ) -> dict[str, t.Any]:
        """Add a domain: ``hosted`` (registered elsewhere) or ``registered``."""
        if state not in ("hosted", "registered", "expired"):
            raise ValueError(f"unknown domain state {state!r}")
        with self.lock:
            key = _name(name)
            stamp = _now()
            self.domains[key] = {
                "id": self._new_id(),
                "account_id": self.account_id,
                "registrant_id": 1 if state == "registered" else None,
                "name": key,
                "unicode_name": key,
                "state": state,
                "auto_renew": False,
                "private_whois": False,
                "expires_on": "2030-01-01" if state == "registered" else None,
                "expires_at": "2030-01-01T00:00:00Z" if state == "registered" else None,
                "created_at": stamp,
                "updated_at": stamp,
                "dnssec": {
                    "enabled": bool(dnssec),
                    "active": bool(dnssec),
                    "created_at": stamp,
                    "updated_at": stamp,
                },
            }
            self.ds_records.setdefault(key, [])
            return self._domain_view(self.domains[key])

    def records(self, domain: str) -> list[str]:
        """Return the DS records held for a domain, as ``tag alg type DIGEST``."""
        with self.lock:
            return [
                _ds_text(record) for record in self.ds_records.get(_name(domain), [])
            ]

    def add_webhook(self, url: str) -> int:
        """Register a webhook URL without going through the API."""
        with self.lock:
            webhook_id = self._new_id()
            self.webhooks[webhook_id] = {
                "id": webhook_id,
                "url": url,
                "suppressed_at": None,
            }
            return webhook_id

    @staticmethod
    def _domain_view(domain: dict[str, t.Any]) -> dict[str, t.Any]:
        return {key: value for key, value in domain.items() if key != "dnssec"}

    # -- checks -------------------------------------------------------------

    def _handle(self, request: Request) -> Response:
        with self.lock:
            if self.force_502:
                self.force_502 -= 1
                return Response(502, raw=BAD_GATEWAY_PAGE)
            if request.bearer() != self.token:
                return self._limited(
                    Response(401, {"message": "Authentication failed"})
                )
            if time.time() >= self.rate_limit_reset:
                self.rate_limit_remaining = self.rate_limit
                self.rate_limit_reset = int(time.time()) + 3600
            if self.force_429:
                if self.force_429 is not True:
                    self.force_429 -= 1
                return self._limited(Response(429, {"message": "quota exceeded"}))
            if self.rate_limit_remaining <= 0:
                return self._limited(Response(429, {"message": "quota exceeded"}))
            self.rate_limit_remaining -= 1
        return self._limited(super()._handle(request))

    def _limited(self, response: Response) -> Response:
        response.headers.update(
            {
                "X-RateLimit-Limit": str(self.rate_limit),
                "X-RateLimit-Remaining": str(max(0, self.rate_limit_remaining)),
                "X-RateLimit-Reset": str(self.rate_limit_reset),
            }
        )
        return response

    def rate_limited(self, request: Request) -> Response:
        return self._limited(Response(429, {"message": "quota exceeded"}))

    def server_error(self, request: Request) -> Response:
        return Response(500, {"message": "Internal Server Error"})

    def not_found(self, request: Request) -> Response:
        return Response(404, {"message": "Not Found"})

    def _account(self, request: Request) -> None:
        account = request.match["account"]
        if account != str(self.account_id):
            raise ApiFailure(404, {"message": f"Account `{account}` not found"})

    def _domain(self, request: Request) -> dict[str, t.Any]:
        self._account(request)
        wanted = request.match["domain"]
        for domain in self.domains.values():
            if _name(wanted) == domain["name"] or wanted == str(domain["id"]):
                return domain
        raise ApiFailure(404, {"message": f"Domain `{wanted}` not found"})

    def _paginate(self, request: Request, items: list[t.Any]) -> dict[str, t.Any]:
        try:
            page = max(1, int(request.query.get("page", ["1"])[0]))
            per_page = int(request.query.get("per_page", ["30"])[0])
        except ValueError:
            raise ApiFailure(
                400, {"message": "Invalid pagination parameters"}
            ) from None
        per_page = min(max(1, per_page), 100)
        total_pages = max(1, -(-len(items) // per_page))
        start = (page - 1) * per_page
        return {
            "data": items[start : start + per_page],
            "pagination": {
                "current_page": page,
                "per_page": per_page,
                "total_entries": len(items),
                "total_pages": total_pages,
            },
        }

    # -- accounts -----------------------------------------------------------

    def _account_view(self) -> dict[str, t.Any]:
        return {
            "id": self.account_id,
            "email": "ops@example.test",
            "plan_identifier": "teams-v1-monthly",
            "created_at": "2020-01-01T00:00:00Z",
            "updated_at": "2020-01-01T00:00:00Z",
        }

    def _whoami(self, request: Request) -> t.Any:
        if self.user_token:
            user = {"id": 1, "email": "ops@example.test"}
            return {"data": {"user": user, "account": None}}
        return {"data": {"user": None, "account": self._account_view()}}

    def _accounts(self, request: Request) -> t.Any:
        return {"data": [self._account_view()]}

    # -- domains and DNSSEC -------------------------------------------------

    def _list_domains(self, request: Request) -> t.Any:
        self._account(request)
        name_like = request.query.get("name_like", [""])[0].lower()
        items = [
            self._domain_view(domain)
            for name, domain in sorted(self.domains.items())
            if name_like in name
        ]
        return self._paginate(request, items)

    def _get_domain(self, request: Request) -> t.Any:
        return {"data": self._domain_view(self._domain(request))}

    def _get_dnssec(self, request: Request) -> t.Any:
        return {"data": dict(self._domain(request)["dnssec"])}

    def _enable_dnssec(self, request: Request) -> t.Any:
        domain = self._domain(request)
        domain["dnssec"].update(enabled=True, active=True, updated_at=_now())
        return Response(201, {"data": dict(domain["dnssec"])})

    def _disable_dnssec(self, request: Request) -> t.Any:
        domain = self._domain(request)
        if not domain["dnssec"]["enabled"]:
            raise ApiFailure(
                428, {"message": "DNSSEC cannot be disabled because it is not enabled"}
            )
        domain["dnssec"].update(enabled=False, active=False, updated_at=_now())
        return Response(204)

    # -- DS records ---------------------------------------------------------

    def _list_ds(self, request: Request) -> t.Any:
        domain = self._domain(request)
        return self._paginate(request, list(self.ds_records[domain["name"]]))

    def _find_ds(self, request: Request) -> tuple[dict[str, t.Any], dict[str, t.Any]]:
        domain = self._domain(request)
        for record in self.ds_records[domain["name"]]:
            if str(record["id"]) == request.match["id"]:
                return domain, record
        raise ApiFailure(
            404,
            {"message": f"Delegation signer record `{request.match['id']}` not found"},
        )

    def _get_ds(self, request: Request) -> t.Any:
        return {"data": self._find_ds(request)[1]}

    def _create_ds(self, request: Request) -> t.Any:
        domain = self._domain(request)
        body = request.json() or {}
        if not isinstance(body, dict):
            raise ApiFailure(400, {"message": "Invalid request body"})
        errors = {
            name: ["can't be blank"]
            for name in _DS_FIELDS
            if body.get(name) in (None, "")
            and not (name != "algorithm" and body.get("public_key"))
        }
        if errors:
            raise ApiFailure(400, {"message": "Validation failed", "errors": errors})
        fields = {name: str(body.get(name) or "") for name in _DS_FIELDS}
        if body.get("public_key") and not fields["digest"]:
            # A TLD that takes key data: DNSimple derives the DS itself.
            key_text = f"257 3 {fields['algorithm']} {body['public_key']}"
            keytag, unused_alg, digest_type, digest = ds_text(
                domain["name"], key_text
            ).split()
            fields.update(keytag=keytag, digest_type=digest_type, digest=digest)
        stamp = _now()
        record = {
            "id": self._new_id(),
            "domain_id": domain["id"],
            **fields,
            "public_key": body.get("public_key"),
            "created_at": stamp,
            "updated_at": stamp,
        }
        self.ds_records[domain["name"]].append(record)
        self._publish_registered(domain)
        return Response(201, {"data": record})

    def _delete_ds(self, request: Request) -> t.Any:
        domain, record = self._find_ds(request)
        self.ds_records[domain["name"]].remove(record)
        self._publish_registered(domain)
        return Response(204)

    def _publish_registered(self, domain: dict[str, t.Any]) -> None:
        if domain["state"] == "registered":
            self.publish(domain["name"], self.records(domain["name"]))

    # -- webhooks (API) -----------------------------------------------------

    def _list_webhooks(self, request: Request) -> t.Any:
        self._account(request)
        return {"data": [dict(self.webhooks[key]) for key in sorted(self.webhooks)]}

    def _create_webhook(self, request: Request) -> t.Any:
        self._account(request)
        body = request.json() or {}
        url = body.get("url") if isinstance(body, dict) else None
        if not url:
            raise ApiFailure(
                400,
                {"message": "Validation failed", "errors": {"url": ["can't be blank"]}},
            )
        if self.require_https and not str(url).startswith("https://"):
            raise ApiFailure(
                400,
                {
                    "message": "Validation failed",
                    "errors": {"url": ["is not a HTTPS URL"]},
                },
            )
        webhook_id = self.add_webhook(str(url))
        return Response(201, {"data": dict(self.webhooks[webhook_id])})

    def _webhook(self, request: Request) -> dict[str, t.Any]:
        self._account(request)
        hook = self.webhooks.get(int(request.match["id"]))
        if hook is None:
            raise ApiFailure(
                404, {"message": f"Webhook `{request.match['id']}` not found"}
            )
        return hook

    def _get_webhook(self, request: Request) -> t.Any:
        return {"data": dict(self._webhook(request))}

    def _delete_webhook(self, request: Request) -> t.Any:
        del self.webhooks[self._webhook(request)["id"]]
        return Response(204)

    # -- webhook delivery ---------------------------------------------------

    def payload(
        self, event_name: str, zone: str, ds: t.Mapping[str, t.Any] | None = None
    ) -> dict[str, t.Any]:
        """Return DNSimple's body for a DNSSEC event, with a fresh identifier."""
        with self.lock:
            key = _name(zone)
            if key not in self.domains:
                self.add_domain(key)
            domain = self.domains[key]
            data: dict[str, t.Any] = {
                "zone": {
                    "id": domain["id"],
                    "name": key,
                    "active": True,
                    "reverse": False,
                    "secondary": False,
                    "account_id": self.account_id,
                    "created_at": domain["created_at"],
                    "updated_at": domain["updated_at"],
                    "last_transferred_at": None,
                },
                "dnssec": {
                    "enabled": domain["dnssec"]["enabled"],
                    "created_at": domain["dnssec"]["created_at"],
                    "updated_at": domain["dnssec"]["updated_at"],
                },
            }
            if event_name in ROTATION_EVENTS:
                ds = ds or {}
                data["delegation_signer_record"] = {
                    "id": None,
                    "digest": str(ds.get("digest", "")).upper(),
                    "keytag": str(ds.get("keytag", ds.get("key_tag", ""))),
                    "algorithm": str(ds.get("algorithm", "")),
                    "domain_id": domain["id"],
                    "created_at": None,
                    "public_key": ds.get("public_key"),
                    "updated_at": None,
                    "digest_type": str(ds.get("digest_type", "2")),
                }
            actor = {"id": "", "entity": "dnsimple", "pretty": "support@dnsimple.com"}
            return {
                "data": data,
                "name": event_name,
                "actor": actor,
                "account": {
                    "id": self.account_id,
                    "display": "Lab Account",
                    "identifier": "ops@example.test",
                },
                "api_version": "v2",
                "request_identifier": str(uuid.uuid4()),
            }

    def emit(
        self,
        event_name: str,
        zone: str,
        ds_dict: t.Mapping[str, t.Any] | None = None,
        duplicates: int | None = None,
    ) -> dict[str, t.Any]:
        """Send an event to every webhook, in the background; return the body."""
        body = self.payload(event_name, zone, ds_dict)
        copies = self.duplicates if duplicates is None else duplicates
        with self.lock:
            self.emitted.append(body)
            hooks = [dict(hook) for hook in self.webhooks.values()]
        for hook in hooks:
            for copy in range(max(1, copies)):
                thread = threading.Thread(
                    target=self._deliver,
                    args=(hook["id"], hook["url"], body, copy),
                    name=f"dnsimple-webhook-{body['request_identifier'][:8]}",
                    daemon=True,
                )
                self._delivery_threads.append(thread)
                thread.start()
        return body

    def on_event(self, name: str, zone: str, ds_dict: dict[str, str]) -> None:
        """The lab signer's callback: DNSimple sends the event to every webhook."""
        self.emit(name, zone, ds_dict)

    def _deliver(
        self, hook_id: int, url: str, body: dict[str, t.Any], copy: int
    ) -> None:
        payload = json.dumps(body).encode("utf-8")
        for attempt in range(1, self.max_attempts + 1):
            with self.lock:
                hook = self.webhooks.get(hook_id)
                if hook is None or hook["suppressed_at"] is not None:
                    return
            status, error = _post(url, payload)
            entry = {
                "time": time.time(),
                "webhook_id": hook_id,
                "url": url,
                "name": body["name"],
                "request_identifier": body["request_identifier"],
                "copy": copy,
                "attempt": attempt,
                "status": status,
                "error": error,
            }
            with self.lock:
                self.deliveries.append(entry)
                if status == 200:
                    self._failures[hook_id] = 0
                    return
                self._failures[hook_id] = self._failures.get(hook_id, 0) + 1
                if (
                    self._failures[hook_id] >= self.suppress_after
                    and hook_id in self.webhooks
                ):
                    self.webhooks[hook_id]["suppressed_at"] = _now()
                    return
            if attempt < self.max_attempts:
                delays = self.retry_delays or [0.0]
                time.sleep(delays[min(attempt - 1, len(delays) - 1)])

    def wait_deliveries(self, timeout: float = 10.0) -> None:
        """Wait until every delivery started so far has finished (200 or given up)."""
        deadline = time.monotonic() + timeout
        for thread in list(self._delivery_threads):
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                raise TimeoutError(f"webhook delivery still running after {timeout} s")

    def delivered(
        self, request_identifier: str | None = None
    ) -> list[dict[str, t.Any]]:
        """Return the deliveries answered with HTTP 200 (of one event, if given)."""
        with self.lock:
            return [
                entry
                for entry in self.deliveries
                if entry["status"] == 200
                and request_identifier in (None, entry["request_identifier"])
            ]

    def stop(self) -> None:
        with self.lock:
            for hook in self.webhooks.values():
                hook["suppressed_at"] = hook["suppressed_at"] or "stopped"
        for thread in list(self._delivery_threads):
            thread.join(timeout=2)
        super().stop()


def _post(url: str, payload: bytes) -> tuple[int | None, str | None]:
    request = urllib.request.Request(
        url,
        data=payload,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "DNSimple-Webhook"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
            return answer.status, None
    except urllib.error.HTTPError as exc:
        return exc.code, None
    except (urllib.error.URLError, OSError) as exc:
        return None, str(exc)


def _ds_text(record: t.Mapping[str, t.Any]) -> str:
    return (
        f"{record['keytag']} {record['algorithm']} {record['digest_type']} "
        f"{str(record['digest']).upper()}"
    )
