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

from ._base import ApiFailure, DsSimulator, Request, Response

_HEX = re.compile(r"^[0-9A-Fa-f]+$")
# The ``details`` Name.com gives with its stock answers.
_STOCK_DETAILS = {400: "invalid JSON body", 500: "Something went wrong."}


def _error(status: int, message: str, details: str | None = None) -> ApiFailure:
    body: dict[str, t.Any] = {"message": message}
    if details is not None:
        body["details"] = details
    return ApiFailure(status, body)


class NameComSimulator(DsSimulator):
    """Name.com's ``/core/v1/domains/{domainName}/dnssec`` endpoints.

    ``credentials`` is the (user name, API token) pair the account accepts.
    """

    name = "namecom"
    stock_messages = {
        400: "Bad Request",
        404: "Not Found",
        429: "Rate Limit Exceeded",
        500: "Internal Server Error",
    }
    retry_after = None

    def __init__(self, publish: t.Any = None, **kwargs: t.Any) -> None:
        kwargs.setdefault("credentials", ("lab-user", "lab-namecom-token"))
        super().__init__(publish, **kwargs)

    def routes(self) -> None:
        base = r"/core/v1/domains/(?P<domain>[^/]+)/dnssec"
        self.route("GET", base, self._list)
        self.route("POST", base, self._create)
        self.route("GET", base + r"/(?P<digest>[^/]+)", self._get)
        self.route("DELETE", base + r"/(?P<digest>[^/]+)", self._delete)

    def entry(
        self, domain: str, key_tag: str, algorithm: str, digest_type: str, digest: str
    ) -> dict[str, t.Any]:
        return {
            "domainName": domain,
            "keyTag": int(key_tag),
            "algorithm": int(algorithm),
            "digestType": int(digest_type),
            "digest": digest,
        }

    # Handlers

    def error_body(self, status: int, message: str) -> t.Any:
        return _error(status, message, _STOCK_DETAILS.get(status)).body

    def rate_limited(self, request: Request) -> Response:
        response = self.stock(429)
        response.headers["x-ratelimit-reset"] = str(int(time.time()) + 1)
        return response

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
        if any(self.entry_text(other) == self.entry_text(entry) for other in entries):
            raise _error(400, "This resource already exists.")
        entries.append(entry)
        self.publish_domain(entry["domainName"])
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
        self.publish_domain(request.match["domain"].lower())
        return Response(204, None)
