# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""The Gandi registrar adapter (Gandi API v5, DNSSEC keys of a domain).

Private to the dnsops.dnssec collection: not a public API.

Gandi takes DNSKEY data, one key per call: ``GET`` and ``POST``
``/v5/domain/domains/{domain}/dnskeys`` and ``DELETE .../dnskeys/{id}``, with a
personal access token as ``Authorization: Bearer``.  Its listing carries the DS
digest Gandi computed; where an entry has none, the SHA-256 DS is computed from
the key.  Errors come as ``{"code", "message", "object", "cause"}``.
"""

from __future__ import annotations

import typing as t
from urllib.parse import quote

from ._dnssec import RecordError, make_ds, parse_dnskey, parse_ds
from ._registrar import Registrar, RegistrarError, RegistrarRecord


def _fqdn(domain: str) -> str:
    return quote(domain.rstrip(".").lower(), safe="")


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
    def error_message(response: t.Any) -> str:
        """Return Gandi's own words: ``message`` and, when given, ``cause``."""
        body = getattr(response, "json", None)
        status = getattr(response, "status", None)
        if isinstance(body, dict) and body.get("message"):
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
            return f"{text} (HTTP {status})"
        text = " ".join(str(getattr(response, "text", "") or "").split())[:200]
        return f"{text or 'no error text'} (HTTP {status})"

    def _path(self, domain: str, key_id: str | None = None) -> str:
        path = f"/v5/domain/domains/{_fqdn(domain)}/dnskeys"
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
        try:
            flags = entry.get("flags")
            if flags is None:
                flags = 256 if str(entry.get("type", "")).lower() == "zsk" else 257
            key = parse_dnskey(
                {
                    "flags": flags,
                    "algorithm": entry.get("algorithm"),
                    "public_key": entry.get("public_key"),
                }
            )
            if entry.get("digest") and entry.get("digest_type") is not None:
                ds = parse_ds(
                    {
                        "key_tag": entry.get("keytag", key.key_tag),
                        "algorithm": key.algorithm,
                        "digest_type": entry["digest_type"],
                        "digest": entry["digest"],
                    }
                )
            else:
                ds = make_ds(domain, key, 2)
        except RecordError as exc:
            raise RegistrarError(
                f"cannot read DNSSEC key {entry.get('id')} of {domain}: {exc}",
                registrar=self.label,
            ) from None
        record_id = entry.get("id")
        return RegistrarRecord(
            ds=ds,
            dnskey=key,
            record_id=None if record_id is None else str(record_id),
        )

    def add_record(self, domain: str, record: RegistrarRecord) -> None:
        key = record.dnskey
        if key is None:
            raise RegistrarError(
                f"Gandi takes DNSKEY data, and {record.describe()} carries no key",
                registrar=self.label,
            )
        self.request(
            "POST",
            self._path(domain),
            summary=f"add DNSKEY {key.key_tag} (algorithm {key.algorithm}) to {domain}",
            json={
                "algorithm": key.algorithm,
                "flags": key.flags,
                "public_key": key.public_key,
            },
            expected=(200, 201, 202),
            domain=domain,
        )

    def remove_record(self, domain: str, record: RegistrarRecord) -> None:
        record_id = record.record_id
        if record_id is None:
            record_id = self._find_id(domain, record)
        self.request(
            "DELETE",
            self._path(domain, record_id),
            summary=f"delete {record.describe()} (id {record_id}) from {domain}",
            expected=(200, 202, 204),
            domain=domain,
        )

    def _find_id(self, domain: str, record: RegistrarRecord) -> str:
        for entry in self.list_records(domain):
            same_key = record.dnskey is not None and entry.dnskey == record.dnskey
            same_ds = record.ds is not None and entry.ds == record.ds
            if (same_key or same_ds) and entry.record_id is not None:
                return entry.record_id
        raise RegistrarError(
            f"{record.describe()} is not among the DNSSEC keys of {domain}",
            registrar=self.label,
        )
