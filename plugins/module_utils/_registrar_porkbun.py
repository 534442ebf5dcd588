# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""The Porkbun registrar adapter (Porkbun API v3, DNSSEC records).

Private to the dnsops.dnssec collection: not a public API.

Porkbun takes DS data.  Every call is a ``POST`` with a JSON body carrying the
``apikey`` and ``secretapikey``: ``/api/json/v3/dns/getDnssecRecords/{domain}``,
``createDnssecRecord/{domain}`` and ``deleteDnssecRecord/{domain}/{keytag}``.
Deletion goes by key tag and removes every record with that tag, which the
adapter reports through ``removal_siblings`` so the safety gate judges the real
effect.  The listing is an object keyed by key tag, so of two DS records with
the same tag Porkbun shows one; the read-back after a write catches that.
Answers carry ``{"status": "SUCCESS"}`` or ``{"status": "ERROR", "message"}``.
"""

from __future__ import annotations

import typing as t

from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar import (
    Registrar,
    RegistrarError,
    RegistrarRecord,
    quoted_domain,
)

API_PATH = "/api/json/v3"
# The members of a Porkbun DNSSEC record that hold the DS fields.
DS_FIELDS = ("keyTag", "alg", "digestType", "digest")

_AUTH_WORDS = ("invalid api key", "api key", "not opted in", "api access")
_DOMAIN_WORDS = ("invalid domain", "domain not found", "not found", "does not exist")


class PorkbunRegistrar(Registrar):
    """Porkbun as registrar: DS records added one at a time, deleted by key tag."""

    name = "porkbun"
    title = "Porkbun"
    takes = "ds"
    default_api_url = "https://api.porkbun.com"
    required_options = ("porkbun_api_key", "porkbun_secret_api_key")

    def error_for(
        self, status: int | None, message: str, domain: str = ""
    ) -> RegistrarError:
        # Porkbun answers 400 for refused keys and unknown domains alike.
        lowered = message.lower()
        if status in (400, 401, 403) and any(word in lowered for word in _AUTH_WORDS):
            return self.refused(message, status)
        if status in (400, 404) and any(word in lowered for word in _DOMAIN_WORDS):
            return self.unknown_domain(domain, message, status)
        return super().error_for(status, message, domain)

    def _body(self, **fields: t.Any) -> dict[str, t.Any]:
        body = {
            "secretapikey": self.params["porkbun_secret_api_key"],
            "apikey": self.params["porkbun_api_key"],
        }
        body.update(fields)
        return body

    def _call(
        self, action: str, domain: str, summary: str, suffix: str = "", **fields: t.Any
    ) -> t.Any:
        path = f"{API_PATH}/dns/{action}/{quoted_domain(domain)}{suffix}"
        response = self.request(
            "POST",
            path,
            summary=summary,
            json=self._body(**fields),
            domain=domain,
            idempotent=action == "getDnssecRecords",
        )
        body = response.json
        if not isinstance(body, dict) or body.get("status") != "SUCCESS":
            message = body.get("message") if isinstance(body, dict) else None
            raise self.error_for(
                response.status,
                f"{message or 'no SUCCESS status in the answer'} "
                f"(HTTP {response.status})",
                domain,
            )
        return body

    def list_records(self, domain: str) -> list[RegistrarRecord]:
        body = self._call(
            "getDnssecRecords", domain, f"list the DS records of {domain}"
        )
        entries = body.get("records") or {}
        if isinstance(entries, dict):
            entries = list(entries.values())
        if not isinstance(entries, list):
            raise RegistrarError(
                f"unexpected answer listing the DS records of {domain}: "
                "'records' is neither an object nor a list",
                registrar=self.label,
            )
        records = []
        for entry in entries:
            ds = self.ds_entry(domain, entry, DS_FIELDS)
            records.append(RegistrarRecord(ds=ds, record_id=str(ds.key_tag)))
        return records

    def add_record(self, domain: str, record: RegistrarRecord) -> None:
        ds = self.ds_of(record)
        self._call(
            "createDnssecRecord",
            domain,
            f"add DS {ds.to_text()}",
            keyTag=str(ds.key_tag),
            alg=str(ds.algorithm),
            digestType=str(ds.digest_type),
            digest=ds.digest,
        )

    def remove_record(self, domain: str, record: RegistrarRecord) -> None:
        tag = record.key_tag
        if tag is None:
            raise RegistrarError(
                "Porkbun deletes DS records by key tag; none is known",
                registrar=self.label,
            )
        self._call(
            "deleteDnssecRecord",
            domain,
            f"remove every DS with key tag {tag}",
            suffix=f"/{tag}",
        )

    def removal_siblings(
        self, records: list[RegistrarRecord], record: RegistrarRecord
    ) -> list[RegistrarRecord]:
        return [other for other in records if other.key_tag == record.key_tag]
