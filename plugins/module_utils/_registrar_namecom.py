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

from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    RecordError,
    parse_ds,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar import (
    Registrar,
    RegistrarError,
    RegistrarRecord,
)


def _domain(domain: str) -> str:
    return quote(domain.rstrip(".").lower(), safe="")


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
    def error_message(response: t.Any) -> str:
        """Return Name.com's own words: ``message`` and, when given, ``details``."""
        body = getattr(response, "json", None)
        status = getattr(response, "status", None)
        if isinstance(body, dict) and body.get("message"):
            text = str(body["message"])
            details = body.get("details")
            if details and str(details) not in text:
                text = f"{text}: {details}"
            return f"{text} (HTTP {status})"
        text = " ".join(str(getattr(response, "text", "") or "").split())[:200]
        return f"{text or 'no error text'} (HTTP {status})"

    def _path(self, domain: str, digest: str | None = None) -> str:
        path = f"/core/v1/domains/{_domain(domain)}/dnssec"
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
        return [self._record(domain, entry) for entry in entries]

    def _record(self, domain: str, entry: t.Any) -> RegistrarRecord:
        try:
            ds = parse_ds(
                {
                    "key_tag": entry.get("keyTag"),
                    "algorithm": entry.get("algorithm"),
                    "digest_type": entry.get("digestType"),
                    "digest": entry.get("digest"),
                }
            )
        except (RecordError, AttributeError) as exc:
            raise RegistrarError(
                f"cannot read a DS record of {domain} from the answer: {exc}",
                registrar=self.label,
            ) from None
        # Deletion goes by the digest exactly as Name.com spells it.
        return RegistrarRecord(ds=ds, record_id=str(entry.get("digest")))

    def add_record(self, domain: str, record: RegistrarRecord) -> None:
        ds = record.ds
        if ds is None:
            raise RegistrarError(
                "Name.com takes DS data; no DS was given", registrar=self.label
            )
        self.request(
            "POST",
            self._path(domain),
            summary=f"add DS {ds.to_text()}",
            json={
                "domainName": domain.rstrip(".").lower(),
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
