# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""DNSimple webhook payloads turned into typed events.

Private to the dnsops.dnssec collection: not a public API.

A payload is untrusted input: DNSimple does not sign webhooks, and may deliver
one more than once (``request_identifier`` tells duplicates apart).  Parsing
checks the shape and types and reads the DS record of rotation events into a
``DSRecord`` (its fields arrive as strings); whether that DS belongs to a key the
zone publishes is for the caller to decide from live DNS data.
"""

from __future__ import annotations

import json
import typing as t
from dataclasses import dataclass, field

from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    DNSKEY,
    DSRecord,
    RecordError,
    parse_dnskey,
    parse_ds,
)

ROTATION_START = "dnssec.rotation_start"
ROTATION_COMPLETE = "dnssec.rotation_complete"
DNSSEC_CREATE = "dnssec.create"
DNSSEC_DELETE = "dnssec.delete"

ROTATION_EVENTS = frozenset((ROTATION_START, ROTATION_COMPLETE))
DNSSEC_EVENTS = frozenset((DNSSEC_CREATE, DNSSEC_DELETE)) | ROTATION_EVENTS

# Events DNSimple documents.  Others still parse, with ``known`` false.
KNOWN_EVENTS = DNSSEC_EVENTS | frozenset(
    (
        "account.billing_settings_update",
        "account.update",
        "account.user_invitation_accept",
        "account.user_invitation_revoke",
        "account.user_invite",
        "account.user_remove",
        "certificate.auto_renewal_disable",
        "certificate.auto_renewal_enable",
        "certificate.auto_renewal_failed",
        "certificate.issue",
        "certificate.reissue",
        "certificate.remove_private_key",
        "contact.create",
        "contact.delete",
        "contact.update",
        "domain.auto_renewal_disable",
        "domain.auto_renewal_enable",
        "domain.create",
        "domain.delegation_change",
        "domain.delete",
        "domain.register",
        "domain.registrant_change",
        "domain.renew",
        "domain.resolution_disable",
        "domain.resolution_enable",
        "domain.transfer",
        "domain.transfer_lock_disable",
        "domain.transfer_lock_enable",
        "email_forward.activate",
        "email_forward.create",
        "email_forward.deactivate",
        "email_forward.delete",
        "email_forward.update",
        "name_server.deregister",
        "name_server.register",
        "oauth_application.create",
        "oauth_application.delete",
        "oauth_application.reset_client_secret",
        "oauth_application.revoke_access",
        "push.accept",
        "push.initiate",
        "push.reject",
        "secondary_dns.create",
        "secondary_dns.delete",
        "secondary_dns.update",
        "subscription.migrate",
        "subscription.renew",
        "subscription.subscribe",
        "subscription.unsubscribe",
        "template.apply",
        "template.create",
        "template.delete",
        "template.update",
        "template_record.create",
        "template_record.delete",
        "vanity.disable",
        "vanity.enable",
        "webhook.create",
        "webhook.delete",
        "whois_privacy.disable",
        "whois_privacy.enable",
        "whois_privacy.purchase",
        "whois_privacy.renew",
        "zone.create",
        "zone.delete",
        "zone_record.create",
        "zone_record.delete",
        "zone_record.update",
    )
)

_DS_FIELDS = (
    ("keytag", "key_tag"),
    ("algorithm", "algorithm"),
    ("digest_type", "digest_type"),
    ("digest", "digest"),
)
_DS_PATH = "data.delegation_signer_record"


class WebhookError(ValueError):
    """A payload that is not a DNSimple webhook; the message names the field."""

    def __init__(self, message: str, field_name: str | None = None) -> None:
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class WebhookEvent:
    """One DNSimple webhook delivery, checked and typed."""

    name: str
    request_identifier: str
    api_version: str | None
    account: t.Mapping[str, t.Any]
    actor: t.Mapping[str, t.Any] | None
    zone: str | None
    ds: DSRecord | None = None
    dnskey: DNSKEY | None = None
    dnssec: t.Mapping[str, t.Any] | None = None
    data: t.Mapping[str, t.Any] = field(default_factory=dict, compare=False)

    @property
    def known(self) -> bool:
        """Whether DNSimple documents this event name."""
        return self.name in KNOWN_EVENTS

    @property
    def is_dnssec(self) -> bool:
        """Whether the event is about a zone's DNSSEC (``dnssec.*``)."""
        return self.name.startswith("dnssec.")

    @property
    def is_rotation(self) -> bool:
        """Whether the event is a step of a KSK rotation."""
        return self.name in ROTATION_EVENTS

    @property
    def account_id(self) -> str | None:
        """Return the account id as a string, as the API paths use it."""
        value = self.account.get("id")
        return None if value is None else str(value)

    def to_dict(self) -> dict[str, t.Any]:
        """Return the event for module results and rulebook variables."""
        return {
            "name": self.name,
            "request_identifier": self.request_identifier,
            "api_version": self.api_version,
            "account_id": self.account_id,
            "zone": self.zone,
            "known": self.known,
            "is_dnssec": self.is_dnssec,
            "is_rotation": self.is_rotation,
            "ds": self.ds.to_dict() if self.ds else None,
            "dnskey": self.dnskey.to_dict() if self.dnskey else None,
        }


def _load(payload: t.Any) -> t.Mapping[str, t.Any]:
    if isinstance(payload, bytes):
        try:
            payload = payload.decode("utf-8")
        except UnicodeDecodeError:
            raise WebhookError("the payload is not UTF-8 text") from None
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except ValueError as exc:
            raise WebhookError(f"the payload is not JSON: {exc}") from None
    if not isinstance(payload, t.Mapping):
        raise WebhookError(
            f"the payload must be a JSON object, got {type(payload).__name__}"
        )
    return payload


def _string(data: t.Mapping[str, t.Any], key: str, path: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        if value is None:
            raise WebhookError(f"{path} is missing", path)
        raise WebhookError(f"{path} must be a non-empty string, got {value!r}", path)
    return value.strip()


def _optional_object(
    data: t.Mapping[str, t.Any], key: str, path: str
) -> t.Mapping[str, t.Any] | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, t.Mapping):
        raise WebhookError(
            f"{path} must be an object, got {type(value).__name__}", path
        )
    return value


def _object(data: t.Mapping[str, t.Any], key: str, path: str) -> t.Mapping[str, t.Any]:
    value = _optional_object(data, key, path)
    if value is None:
        raise WebhookError(f"{path} is missing", path)
    return value


def _ds_field(record: t.Mapping[str, t.Any], key: str) -> None:
    path = f"{_DS_PATH}.{key}"
    value = record.get(key)
    if value is None:
        raise WebhookError(f"{path} is missing", path)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise WebhookError(f"{path} must be a string, got {value!r}", path)


# parse_ds names the field first in its messages; longest names first.
_ERROR_FIELDS = (
    ("digest_type", "digest_type"),
    ("key_tag", "keytag"),
    ("algorithm", "algorithm"),
    ("a digest of type", "digest"),
    ("digest", "digest"),
)


def _read_ds(record: t.Mapping[str, t.Any]) -> DSRecord:
    for key, _name in _DS_FIELDS:
        _ds_field(record, key)
    try:
        return parse_ds({name: record[key] for key, name in _DS_FIELDS})
    except RecordError as exc:
        text = str(exc)
        path = _DS_PATH
        for prefix, key in _ERROR_FIELDS:
            if text.startswith(prefix):
                path = f"{_DS_PATH}.{key}"
                break
        raise WebhookError(f"{path}: {text}", path) from None


def _read_dnskey(record: t.Mapping[str, t.Any]) -> DNSKEY | None:
    public_key = record.get("public_key")
    if public_key is None or public_key == "":
        return None
    path = f"{_DS_PATH}.public_key"
    try:
        return parse_dnskey(
            {"algorithm": record.get("algorithm"), "public_key": public_key}
        )
    except RecordError as exc:
        raise WebhookError(f"{path}: {exc}", path) from None


def parse_event(payload: t.Any) -> WebhookEvent:
    """Read one webhook delivery (a dict, or its JSON as str or bytes).

    Raises WebhookError naming the field at fault, e.g.
    ``data.delegation_signer_record.digest``.  Events DNSimple does not document
    parse with ``known`` false; only their envelope is checked.
    """
    body = _load(payload)
    name = _string(body, "name", "name")
    request_identifier = _string(body, "request_identifier", "request_identifier")
    api_version = body.get("api_version")
    if api_version is not None and not isinstance(api_version, str):
        raise WebhookError(f"api_version must be a string, got {api_version!r}")
    account = _object(body, "account", "account")
    if account.get("id") is None:
        raise WebhookError("account.id is missing", "account.id")
    actor = _optional_object(body, "actor", "actor")
    data = _object(body, "data", "data")

    zone = None
    dnssec = None
    ds = None
    dnskey = None
    if name in DNSSEC_EVENTS:
        zone_data = _object(data, "zone", "data.zone")
        zone = _string(zone_data, "name", "data.zone.name").rstrip(".").lower()
        dnssec = _optional_object(data, "dnssec", "data.dnssec")
    elif isinstance(data.get("zone"), t.Mapping):
        zone_name = data["zone"].get("name")
        if isinstance(zone_name, str) and zone_name.strip():
            zone = zone_name.strip().rstrip(".").lower()

    if name in ROTATION_EVENTS:
        record = _object(data, "delegation_signer_record", _DS_PATH)
        ds = _read_ds(record)
        dnskey = _read_dnskey(record)

    return WebhookEvent(
        name=name,
        request_identifier=request_identifier,
        api_version=api_version,
        account=dict(account),
        actor=dict(actor) if actor is not None else None,
        zone=zone,
        ds=ds,
        dnskey=dnskey,
        dnssec=dict(dnssec) if dnssec is not None else None,
        data=dict(data),
    )
