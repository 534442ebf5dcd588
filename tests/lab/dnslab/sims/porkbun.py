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

from ._base import DsSimulator, Request

_HEX = re.compile(r"^[0-9A-Fa-f]+$")


class PorkbunSimulator(DsSimulator):
    """Porkbun's ``/api/json/v3/dns/*DnssecRecord*`` endpoints.

    ``credentials`` is the (API key, secret API key) pair the account accepts.
    ``records`` gives every DS record of a domain, where the listing shows one
    per key tag.
    """

    name = "porkbun"
    ds_fields = ("keyTag", "alg", "digestType", "digest")
    stock_messages = {
        400: "Invalid JSON.",
        404: "Invalid endpoint.",
        429: "Rate limit exceeded.",
        500: "Internal server error.",
    }

    def __init__(self, publish: t.Any = None, **kwargs: t.Any) -> None:
        kwargs.setdefault("credentials", ("pk1_lab", "sk1_lab"))
        super().__init__(publish, **kwargs)

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

    def entry(
        self, domain: str, key_tag: str, algorithm: str, digest_type: str, digest: str
    ) -> dict[str, t.Any]:
        return {
            "keyTag": key_tag,
            "alg": algorithm,
            "digestType": digest_type,
            "digest": digest,
        }

    # Handlers

    def error_body(self, status: int, message: str) -> t.Any:
        return {"status": "ERROR", "message": message}

    def _entries(self, request: Request) -> list[dict[str, t.Any]]:
        body = request.json()
        if not isinstance(body, dict):
            raise self.error(400, "Invalid JSON.")
        keys = (body.get("apikey"), body.get("secretapikey"))
        if keys != tuple(self.credentials):
            raise self.error(400, "Invalid API key. (002)")
        domain = request.match["domain"].lower()
        if domain not in self.domains:
            raise self.error(400, "Invalid domain.")
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
                raise self.error(400, f"Invalid {field}.")
            entry[field] = value
        digest = str(body.get("digest", "")).strip()
        if not digest or not _HEX.match(digest):
            raise self.error(400, "Invalid digest.")
        entry["digest"] = digest
        if any(self.entry_text(other) == self.entry_text(entry) for other in entries):
            raise self.error(
                400, "Unable to create the DNSSEC record: it already exists."
            )
        entries.append(entry)
        self.publish_domain(request.match["domain"].lower())
        return {"status": "SUCCESS"}

    def _delete(self, request: Request) -> t.Any:
        entries = self._entries(request)
        tag = request.match["tag"]
        entries[:] = [entry for entry in entries if entry["keyTag"] != tag]
        self.publish_domain(request.match["domain"].lower())
        return {"status": "SUCCESS"}
