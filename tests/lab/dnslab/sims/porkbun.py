# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""A Porkbun API v3 simulator: the DNSSEC records of the account's domains.

Routes (every one a ``POST`` with a JSON body holding ``apikey`` and
``secretapikey``):

- ``/api/json/v3/dns/getDnssecRecords/{domain}``: ``{"status": "SUCCESS",
  "records": {"<keyTag>": {"keyTag", "alg", "digestType", "digest"}}}``, every
  value a string; the object is keyed by key tag, so of two records with the
  same tag only the last one shows (as at Porkbun).
- ``/api/json/v3/dns/createDnssecRecord/{domain}`` with ``keyTag``, ``alg``,
  ``digestType``, ``digest`` (and the optional key data fields):
  ``{"status": "SUCCESS"}``.
- ``/api/json/v3/dns/deleteDnssecRecord/{domain}/{keyTag}``: removes every
  record with that key tag; ``{"status": "SUCCESS"}``.

Failures are HTTP 400 ``{"status": "ERROR", "message": ...}``: ``Invalid API
key. (002)`` for wrong keys, ``Invalid domain.`` for a domain not in the account.
"""

from __future__ import annotations

import re
import typing as t

from ._base import ApiFailure, Request, Response, Simulator, normalize_ds

_HEX = re.compile(r"^[0-9A-Fa-f]+$")


def _error(message: str, status: int = 400) -> ApiFailure:
    return ApiFailure(status, {"status": "ERROR", "message": message})


class PorkbunSimulator(Simulator):
    """Porkbun's ``/api/json/v3/dns/*DnssecRecord*`` endpoints.

    ``credentials`` is the (API key, secret API key) pair the account accepts.
    """

    name = "porkbun"

    def __init__(self, publish: t.Any = None, **kwargs: t.Any) -> None:
        kwargs.setdefault("credentials", ("pk1_lab", "sk1_lab"))
        super().__init__(publish, **kwargs)
        self.domains: dict[str, list[dict[str, str]]] = {}

    def routes(self) -> None:
        base = r"/api/json/v3/dns"
        self.route("POST", base + r"/getDnssecRecords/(?P<domain>[^/]+)", self._list)
        self.route(
            "POST", base + r"/createDnssecRecord/(?P<domain>[^/]+)", self._create
        )
        self.route(
            "POST",
            base + r"/deleteDnssecRecord/(?P<domain>[^/]+)/(?P<tag>[^/]+)",
            self._delete,
        )

    # State

    def add_domain(self, name: str, records: t.Iterable[str] = ()) -> None:
        """Own ``name``; ``records`` (DS texts) are already at the registry."""
        domain = name.rstrip(".").lower()
        self.domains[domain] = []
        for text in records:
            tag, algorithm, digest_type, digest = normalize_ds(text).split()
            self.domains[domain].append(
                {
                    "keyTag": tag,
                    "alg": algorithm,
                    "digestType": digest_type,
                    "digest": digest,
                }
            )

    def records(self, domain: str) -> list[str]:
        """The domain's DS records, as texts (all of them, unlike the listing)."""
        return [_text(entry) for entry in self.domains[domain.rstrip(".").lower()]]

    # Handlers

    def rate_limited(self, request: Request) -> Response:
        return Response(
            429,
            {"status": "ERROR", "message": "Rate limit exceeded."},
            {"Retry-After": "1"},
        )

    def server_error(self, request: Request) -> Response:
        return Response(500, {"status": "ERROR", "message": "Internal server error."})

    def not_found(self, request: Request) -> Response:
        return Response(404, {"status": "ERROR", "message": "Invalid endpoint."})

    def bad_json(self, request: Request) -> Response:
        return Response(400, {"status": "ERROR", "message": "Invalid JSON."})

    def _entries(self, request: Request) -> list[dict[str, str]]:
        body = request.json()
        if not isinstance(body, dict):
            raise _error("Invalid JSON.")
        keys = (body.get("apikey"), body.get("secretapikey"))
        if keys != tuple(self.credentials):
            raise _error("Invalid API key. (002)")
        domain = request.match["domain"].lower()
        if domain not in self.domains:
            raise _error("Invalid domain.")
        request.match["body"] = body
        return self.domains[domain]

    def _list(self, request: Request) -> t.Any:
        records = {entry["keyTag"]: dict(entry) for entry in self._entries(request)}
        return {"status": "SUCCESS", "records": records}

    def _create(self, request: Request) -> t.Any:
        entries = self._entries(request)
        body = t.cast(dict, request.match["body"])
        entry = {}
        for field in ("keyTag", "alg", "digestType"):
            value = str(body.get(field, "")).strip()
            if not value.isdigit():
                raise _error(f"Invalid {field}.")
            entry[field] = value
        digest = str(body.get("digest", "")).strip()
        if not digest or not _HEX.match(digest):
            raise _error("Invalid digest.")
        entry["digest"] = digest
        if any(_text(other) == _text(entry) for other in entries):
            raise _error("Unable to create the DNSSEC record: it already exists.")
        entries.append(entry)
        self._publish(request.match["domain"].lower())
        return {"status": "SUCCESS"}

    def _delete(self, request: Request) -> t.Any:
        entries = self._entries(request)
        tag = request.match["tag"]
        entries[:] = [entry for entry in entries if entry["keyTag"] != tag]
        self._publish(request.match["domain"].lower())
        return {"status": "SUCCESS"}

    def _publish(self, domain: str) -> None:
        self.publish(domain, self.records(domain))


def _text(entry: t.Mapping[str, str]) -> str:
    return normalize_ds(
        f"{entry['keyTag']} {entry['alg']} {entry['digestType']} {entry['digest']}"
    )
