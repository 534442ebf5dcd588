# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""A Name.com Core API simulator: the DNSSEC (DS) records of the account's domains.

Routes (Name.com Core API, operations ListDNSSECs, CreateDNSSEC, GetDNSSEC and
DeleteDNSSEC):

- ``GET /core/v1/domains/{domainName}/dnssec``: ``{"dnssec": [DNSSEC, ...]}``.
- ``POST /core/v1/domains/{domainName}/dnssec`` with ``{"domainName", "keyTag",
  "algorithm", "digestType", "digest"}`` (integers, digest hex): 200 and the
  DNSSEC record; 400 ``This resource already exists.`` for a duplicate; 415
  without ``Content-Type: application/json``.
- ``GET`` and ``DELETE /core/v1/domains/{domainName}/dnssec/{digest}``: the
  record, or 204 on deletion; 404 when the digest is not there.

A DNSSEC record is ``{"domainName", "keyTag", "algorithm", "digestType",
"digest"}``.  Authentication is HTTP Basic (user name, API token); a missing or
wrong pair is answered 401 ``{"message": "Unauthorized"}``.  Errors are
``{"message", "details"}``; 429 carries ``x-ratelimit-reset``.
"""

from __future__ import annotations

import re
import time
import typing as t

from ._base import ApiFailure, Request, Response, Simulator, normalize_ds

_HEX = re.compile(r"^[0-9A-Fa-f]+$")


def _error(status: int, message: str, details: str | None = None) -> ApiFailure:
    body: dict[str, t.Any] = {"message": message}
    if details is not None:
        body["details"] = details
    return ApiFailure(status, body)


class NameComSimulator(Simulator):
    """Name.com's ``/core/v1/domains/{domainName}/dnssec`` endpoints.

    ``credentials`` is the (user name, API token) pair the account accepts.
    """

    name = "namecom"

    def __init__(self, publish: t.Any = None, **kwargs: t.Any) -> None:
        kwargs.setdefault("credentials", ("lab-user", "lab-namecom-token"))
        super().__init__(publish, **kwargs)
        self.domains: dict[str, list[dict[str, t.Any]]] = {}

    def routes(self) -> None:
        base = r"/core/v1/domains/(?P<domain>[^/]+)/dnssec"
        self.route("GET", base, self._list)
        self.route("POST", base, self._create)
        self.route("GET", base + r"/(?P<digest>[^/]+)", self._get)
        self.route("DELETE", base + r"/(?P<digest>[^/]+)", self._delete)

    # State

    def add_domain(self, name: str, records: t.Iterable[str] = ()) -> None:
        """Own ``name``; ``records`` (DS texts) are already at the registry."""
        domain = name.rstrip(".").lower()
        self.domains[domain] = []
        for text in records:
            tag, algorithm, digest_type, digest = normalize_ds(text).split()
            self.domains[domain].append(
                {
                    "domainName": domain,
                    "keyTag": int(tag),
                    "algorithm": int(algorithm),
                    "digestType": int(digest_type),
                    "digest": digest,
                }
            )

    def records(self, domain: str) -> list[str]:
        """The domain's DS records, as texts."""
        return [_text(entry) for entry in self.domains[domain.rstrip(".").lower()]]

    # Handlers

    def rate_limited(self, request: Request) -> Response:
        reset = str(int(time.time()) + 1)
        return Response(
            429, {"message": "Rate Limit Exceeded"}, {"x-ratelimit-reset": reset}
        )

    def server_error(self, request: Request) -> Response:
        return Response(
            500,
            {"message": "Internal Server Error", "details": "Something went wrong."},
        )

    def not_found(self, request: Request) -> Response:
        return Response(404, {"message": "Not Found"})

    def bad_json(self, request: Request) -> Response:
        return Response(400, {"message": "Bad Request", "details": "invalid JSON body"})

    def _authorize(self, request: Request) -> None:
        if request.basic_auth() != tuple(self.credentials):
            raise _error(401, "Unauthorized")

    def _entries(self, request: Request) -> list[dict[str, t.Any]]:
        self._authorize(request)
        domain = request.match["domain"].lower()
        if domain not in self.domains:
            raise _error(404, "Not Found", "The requested domain does not exist.")
        return self.domains[domain]

    def _list(self, request: Request) -> t.Any:
        return {"dnssec": [dict(entry) for entry in self._entries(request)]}

    def _get(self, request: Request) -> t.Any:
        for entry in self._entries(request):
            if entry["digest"].upper() == request.match["digest"].upper():
                return dict(entry)
        raise _error(404, "Not Found", "The requested DNSSEC record does not exist.")

    def _create(self, request: Request) -> t.Any:
        entries = self._entries(request)
        content_type = request.header("Content-Type") or ""
        if not content_type.startswith("application/json"):
            raise _error(
                415,
                "Unsupported Media Type",
                "The 'Content-Type' header must be 'application/json' for this request.",
            )
        body = request.json()
        if not isinstance(body, dict):
            raise _error(400, "Bad Request", "the body must be a JSON object")
        entry = {"domainName": request.match["domain"].lower()}
        for field in ("keyTag", "algorithm", "digestType"):
            value = body.get(field)
            if not isinstance(value, int) or isinstance(value, bool):
                raise _error(400, "Bad Request", f"'{field}' must be an integer")
            entry[field] = value
        digest = body.get("digest")
        if not isinstance(digest, str) or not digest or not _HEX.match(digest):
            raise _error(400, "Bad Request", "'digest' must be a hex string")
        entry["digest"] = digest
        if any(_text(other) == _text(entry) for other in entries):
            raise _error(400, "This resource already exists.")
        entries.append(entry)
        self._publish(entry["domainName"])
        return dict(entry)

    def _delete(self, request: Request) -> t.Any:
        entries = self._entries(request)
        digest = request.match["digest"].upper()
        kept = [entry for entry in entries if entry["digest"].upper() != digest]
        if len(kept) == len(entries):
            raise _error(
                404, "Not Found", "The requested DNSSEC record does not exist."
            )
        entries[:] = kept
        self._publish(request.match["domain"].lower())
        return Response(204, None)

    def _publish(self, domain: str) -> None:
        self.publish(domain, self.records(domain))


def _text(entry: t.Mapping[str, t.Any]) -> str:
    return normalize_ds(
        f"{entry['keyTag']} {entry['algorithm']} {entry['digestType']} {entry['digest']}"
    )
