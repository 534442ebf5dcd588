# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""The Gandi registrar adapter (Gandi API v5, DNSSEC keys of a domain).

Private to the dnsops.dnssec collection: not a public API.

Gandi takes DNSKEY data, one key per call: ``GET`` and ``POST``
``/v5/domain/domains/{domain}/dnskeys`` and ``DELETE .../dnskeys/{id}``, with a
personal access token as ``Authorization: Bearer``.  A key is sent as
``{"algorithm", "type": "ksk"|"zsk", "public_key"}``.  Its listing carries the
DS digest Gandi computed; where an entry has none, the SHA-256 DS is computed
from the key.  Errors come as ``{"code", "message", "object", "cause"}``.

The request and listing shapes follow go-gandi, the client behind Gandi's
Terraform provider, because Gandi's reference page could not be read field by
field; one call against Gandi's sandbox API would settle it.
"""

from __future__ import annotations

import typing as t
from urllib.parse import quote

from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar import (
    Registrar,
    RegistrarError,
    RegistrarRecord,
    quoted_domain,
)


# The Secure Entry Point bit of the DNSKEY flags: set on a KSK (RFC 4034 2.1.1).
SEP = 0x0001


class GandiRegistrar(Registrar):
    """Gandi as registrar: DNSSEC keys added and deleted one at a time."""

    name = "gandi"
    title = "Gandi"
    takes = "dnskey"
    default_api_url = "https://api.gandi.net"
    required_options = ("gandi_token",)

    def session_options(self) -> dict[str, t.Any]:
        return {"headers": {"Authorization": f"Bearer {self.params['gandi_token']}"}}

    @staticmethod
    def error_words(body: dict[str, t.Any]) -> str:
        """Gandi's ``message``, after its ``cause`` and before its field errors."""
        text = str(body["message"])
        cause = body.get("cause")
        if cause and str(cause) not in text:
            text = f"{cause}: {text}"
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            text += ": " + "; ".join(
                (
                    str(error.get("description", error))
                    if isinstance(error, dict)
                    else str(error)
                )
                for error in errors
            )
        return text

    def _path(self, domain: str, key_id: str | None = None) -> str:
        path = f"/v5/domain/domains/{quoted_domain(domain)}/dnskeys"
        if key_id is not None:
            path += "/" + quote(str(key_id), safe="")
        return path

    def list_records(self, domain: str) -> list[RegistrarRecord]:
        response = self.request(
            "GET",
            self._path(domain),
            summary=f"list the DNSSEC keys of {domain}",
            domain=domain,
        )
        body = response.json
        if not isinstance(body, list):
            raise RegistrarError(
                f"unexpected answer listing the DNSSEC keys of {domain}: not a list",
                status=response.status,
                registrar=self.label,
            )
        return [self._record(domain, entry) for entry in body]

    def _record(self, domain: str, entry: t.Any) -> RegistrarRecord:
        if not isinstance(entry, dict):
            raise RegistrarError(
                f"unexpected DNSSEC key entry for {domain}: {entry!r}",
                registrar=self.label,
            )
        flags = entry.get("flags")
        if flags is None:
            flags = 256 if str(entry.get("type", "")).lower() == "zsk" else 257
        return self.key_entry(
            domain,
            entry.get("id"),
            {
                "flags": flags,
                "algorithm": entry.get("algorithm"),
                "public_key": entry.get("public_key"),
            },
            {
                "key_tag": entry.get("keytag"),
                "digest_type": entry.get("digest_type"),
                "digest": entry.get("digest"),
            },
        )

    def add_record(self, domain: str, record: RegistrarRecord) -> None:
        key = self.key_of(record)
        self.request(
            "POST",
            self._path(domain),
            summary=f"add DNSKEY {key.key_tag} (algorithm {key.algorithm}) to {domain}",
            json={
                "algorithm": key.algorithm,
                "type": "ksk" if key.flags & SEP else "zsk",
                "public_key": key.public_key,
            },
            expected=(200, 201, 202),
            domain=domain,
        )

    def remove_record(self, domain: str, record: RegistrarRecord) -> None:
        record_id = self.listed_id(domain, record)
        self.request(
            "DELETE",
            self._path(domain, record_id),
            summary=f"delete {record.describe()} (id {record_id}) from {domain}",
            expected=(200, 202, 204),
            domain=domain,
        )
