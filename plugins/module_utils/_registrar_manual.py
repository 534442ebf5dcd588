# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""The manual registrar: no API, only instructions for a person.

Private to the dnsops.dnssec collection: not a public API.

For registrars without a usable API, the change is worked out exactly as for
the others (against the DS set the parent servers serve, since there is no
registrar to read) and returned in the shape a registrar's web form asks for:
key tag, algorithm, digest type and digest for DS data, and flags, protocol,
algorithm and public key for key data.  Nothing is written; a person must act.
"""

from __future__ import annotations

import typing as t

from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    ALGORITHM_NAMES,
    DIGEST_NAMES,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar import (
    Registrar,
    RegistrarRecord,
    UnsupportedOperationError,
)


def form_entry(action: str, record: RegistrarRecord) -> dict[str, t.Any]:
    """One line of instructions: what to add or remove, field by field."""
    entry: dict[str, t.Any] = {"action": action, "ds": None, "dnskey": None}
    if record.ds is not None:
        ds = record.ds
        entry["ds"] = {
            "key_tag": ds.key_tag,
            "algorithm": ds.algorithm,
            "algorithm_name": ALGORITHM_NAMES.get(ds.algorithm, str(ds.algorithm)),
            "digest_type": ds.digest_type,
            "digest_type_name": DIGEST_NAMES.get(ds.digest_type, str(ds.digest_type)),
            "digest": ds.digest,
            "text": ds.to_text(),
        }
    if record.dnskey is not None:
        key = record.dnskey
        entry["dnskey"] = {
            "flags": key.flags,
            "protocol": key.protocol,
            "algorithm": key.algorithm,
            "algorithm_name": ALGORITHM_NAMES.get(key.algorithm, str(key.algorithm)),
            "public_key": key.public_key,
            "key_tag": key.key_tag,
            "text": key.to_text(),
        }
    entry["text"] = f"{action} {record.describe()}"
    return entry


class ManualRegistrar(Registrar):
    """A registrar changed by a person through its web form."""

    name = "manual"
    title = "manual"
    takes = "ds"
    has_api = False

    def list_records(self, domain: str) -> list[RegistrarRecord]:
        raise UnsupportedOperationError(
            "the manual registrar has no API to read; the parent servers' DS set "
            "stands in for it",
            registrar=self.label,
        )

    def instructions(
        self,
        adds: t.Iterable[RegistrarRecord],
        removals: t.Iterable[RegistrarRecord],
    ) -> list[dict[str, t.Any]]:
        """What a person must do, additions first (a removal waits for them)."""
        return [form_entry("add", record) for record in adds] + [
            form_entry("remove", record) for record in removals
        ]
