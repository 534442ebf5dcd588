# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""The DNSimple registrar adapter: DS records of domains registered at DNSimple.

Private to the dnsops.dnssec collection: not a public API.

For a domain DNSimple is the registrar of while its DNS is served elsewhere,
``GET`` and ``POST /v2/{account}/domains/{domain}/ds_records`` and ``DELETE
.../ds_records/{id}`` manage the DS set at the registry.  The HTTP calls are
those of the collection's DNSimple client; this adapter maps its records and
errors onto the registrar interface.  DNSimple takes DS data and, for the TLDs
that want key data, the public key as well: it is sent whenever the key is known.
"""

from __future__ import annotations

import typing as t

from ansible_collections.dnsops.dnssec.plugins.module_utils._dnsimple import (
    DnsimpleAuthenticationError,
    DnsimpleClient,
    DnsimpleError,
    DnsimpleNotFoundError,
    normalize_api_url,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar import (
    Registrar,
    RegistrarError,
    RegistrarRecord,
)


class DnsimpleRegistrar(Registrar):
    """DNSimple as registrar: DS records added one at a time, deleted by id."""

    name = "dnsimple"
    title = "DNSimple"
    takes = "ds"
    default_api_url = "https://api.dnsimple.com"
    required_options = ("dnsimple_token",)

    def __init__(
        self, params: t.Mapping[str, t.Any], http: t.Any = None, **kwargs: t.Any
    ):
        super().__init__(params, http=http, **kwargs)
        self.client = DnsimpleClient(
            params.get("dnsimple_token"),
            account=params.get("dnsimple_account"),
            base_url=normalize_api_url(self.api_url),
            session=http,
            timeout=self.timeout,
            sleep=self.sleep,
        )

    def _run(self, summary: str, domain: str, call: t.Callable[[], t.Any]) -> t.Any:
        """Run one client call, recording every API call it made."""
        seen = len(self.client.calls)
        try:
            return call()
        except DnsimpleError as exc:
            raise self._error(exc, domain) from None
        finally:
            for entry in self.client.calls[seen:]:
                self.record(
                    entry["method"],
                    self.api_url + entry["url"],
                    entry.get("status"),
                    summary,
                )

    def _error(self, exc: DnsimpleError, domain: str) -> RegistrarError:
        message = self.redact(exc.message)
        if isinstance(exc, DnsimpleAuthenticationError):
            return self.refused(message, exc.status)
        if isinstance(exc, DnsimpleNotFoundError):
            return self.unknown_domain(
                domain,
                message,
                exc.status,
                where="among the domains registered at DNSimple in this account",
            )
        return RegistrarError(message, exc.status, self.label)

    def list_records(self, domain: str) -> list[RegistrarRecord]:
        records = self._run(
            f"list the DS records of {domain}",
            domain,
            lambda: self.client.list_ds_records(domain),
        )
        return [
            RegistrarRecord(ds=item.ds, dnskey=item.dnskey, record_id=str(item.id))
            for item in records
        ]

    def add_record(self, domain: str, record: RegistrarRecord) -> None:
        ds = self.ds_of(record)
        public_key = record.dnskey.public_key if record.dnskey else None
        self._run(
            f"add DS {ds.to_text()}",
            domain,
            lambda: self.client.create_ds_record(domain, ds, public_key),
        )

    def remove_record(self, domain: str, record: RegistrarRecord) -> None:
        if not record.record_id:
            raise RegistrarError(
                "DNSimple deletes a DS record by its id; none is known",
                registrar=self.label,
            )
        self._run(
            f"remove {record.describe()}",
            domain,
            lambda: self.client.delete_ds_record(domain, record.record_id or ""),
        )
