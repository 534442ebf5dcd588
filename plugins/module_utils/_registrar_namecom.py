# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""The Name.com registrar adapter (Name.com Core API, DNSSEC DS records).

Private to the dnsops.dnssec collection: not a public API.

Name.com takes DS data, one record per call: ``GET`` and ``POST``
``/core/v1/domains/{domain}/dnssec`` and ``DELETE .../dnssec/{digest}`` (a record
is deleted by its digest), with HTTP Basic authentication by user name and API
token.  Errors come as ``{"message", "details"}``.  The test environment is
``https://api.dev.name.com``, where the user name carries a ``-test`` suffix.
"""

from __future__ import annotations

import typing as t
from urllib.parse import quote

from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar import (
    Registrar,
    RegistrarError,
    RegistrarRecord,
    bare_domain,
    quoted_domain,
)

# The members of a Name.com DNSSEC record that hold the DS fields.
DS_FIELDS = ("keyTag", "algorithm", "digestType", "digest")


class NameComRegistrar(Registrar):
    """Name.com as registrar: DS records added one at a time, deleted by digest."""

    name = "namecom"
    title = "Name.com"
    takes = "ds"
    default_api_url = "https://api.name.com"
    required_options = ("namecom_username", "namecom_token")

    def session_options(self) -> dict[str, t.Any]:
        return {"auth": (self.params["namecom_username"], self.params["namecom_token"])}

    @staticmethod
    def error_words(body: dict[str, t.Any]) -> str:
        """Name.com's ``message`` and, when given, its ``details``."""
        text = str(body["message"])
        details = body.get("details")
        if details and str(details) not in text:
            text = f"{text}: {details}"
        return text

    def _path(self, domain: str, digest: str | None = None) -> str:
        path = f"/core/v1/domains/{quoted_domain(domain)}/dnssec"
        if digest is not None:
            path += "/" + quote(digest, safe="")
        return path

    def list_records(self, domain: str) -> list[RegistrarRecord]:
        response = self.request(
            "GET",
            self._path(domain),
            summary=f"list the DS records of {domain}",
            domain=domain,
        )
        body = response.json
        entries = body.get("dnssec") if isinstance(body, dict) else None
        if entries is None:
            entries = []
        if not isinstance(entries, list):
            raise RegistrarError(
                f"unexpected answer listing the DS records of {domain}: "
                "'dnssec' is not a list",
                status=response.status,
                registrar=self.label,
            )
        # Deletion goes by the digest exactly as Name.com spells it.
        return [
            RegistrarRecord(
                ds=self.ds_entry(domain, entry, DS_FIELDS),
                record_id=str(entry.get("digest")),
            )
            for entry in entries
        ]

    def add_record(self, domain: str, record: RegistrarRecord) -> None:
        ds = self.ds_of(record)
        self.request(
            "POST",
            self._path(domain),
            summary=f"add DS {ds.to_text()}",
            json={
                "domainName": bare_domain(domain),
                "keyTag": ds.key_tag,
                "algorithm": ds.algorithm,
                "digestType": ds.digest_type,
                "digest": ds.digest,
            },
            domain=domain,
        )

    def remove_record(self, domain: str, record: RegistrarRecord) -> None:
        digest = record.record_id or (record.ds.digest if record.ds else None)
        if not digest:
            raise RegistrarError(
                "Name.com deletes a DS by its digest; none is known",
                registrar=self.label,
            )
        self.request(
            "DELETE",
            self._path(domain, digest),
            summary=f"remove {record.describe()}",
            expected=(200, 204),
            domain=domain,
        )
