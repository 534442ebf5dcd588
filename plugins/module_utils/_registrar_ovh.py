# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""The OVHcloud registrar adapter (OVHcloud API v1, ``/domain/{domain}/dsRecord``).

Private to the dnsops.dnssec collection: not a public API.

OVHcloud takes DNSKEY data (flags, algorithm, public key and key tag).  Its only
write, ``POST /domain/{domain}/dsRecord {"keys": [...]}``, REPLACES the whole
set and returns a task, polled at ``/domain/{domain}/task/{id}`` until it is
done.  The listing gives key ids (``GET .../dsRecord``), then each key
(``GET .../dsRecord/{id}``); OVHcloud returns no digest, so the SHA-256 DS is
computed from each key.

Requests are signed as OVHcloud documents it (application key, consumer key,
``X-Ovh-Signature`` = ``$1$`` + SHA-1 of secret+consumer+method+URL+body+time,
with the time taken from the API's ``/auth/time``).  The signing is done here on
the shared ``requests`` session rather than through the ``ovh`` library: that
library only talks to its own list of endpoints (no supported way to point it
at a sandbox or a lab URL) and has no retry or rate-limit handling.
"""

from __future__ import annotations

import hashlib
import time
import typing as t
from urllib.parse import quote

from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar import (
    Registrar,
    RegistrarError,
    RegistrarRecord,
    quoted_domain,
)

OVH_ENDPOINTS = {
    "ovh-eu": "https://eu.api.ovh.com/1.0",
    "ovh-ca": "https://ca.api.ovh.com/1.0",
    "ovh-us": "https://api.us.ovhcloud.com/1.0",
}

# errorCode values OVHcloud uses for refused credentials or signatures.
AUTH_ERROR_CODES = (
    "INVALID_KEY",
    "INVALID_CREDENTIAL",
    "INVALID_SIGNATURE",
    "NOT_CREDENTIAL",
    "NOT_GRANTED_CALL",
    "QUERY_TIME_OUT_OF_BOUNDS",
    "FORBIDDEN",
)

TASK_DONE = ("done",)
TASK_FAILED = ("error", "cancelled")
# Keys on their way out are no longer part of the set.
KEY_GONE = ("deleted", "deleting")


class OvhSignature:
    """A ``requests`` auth hook that signs each request as OVHcloud documents.

    Applied to every attempt, so a retried request gets a fresh timestamp.
    ``time_delta`` (server time minus local time) is set from ``/auth/time``.
    """

    def __init__(
        self,
        application_key: str,
        application_secret: str,
        consumer_key: str,
        wall_clock: t.Callable[[], float] = time.time,
    ) -> None:
        self.application_key = application_key
        self.application_secret = application_secret
        self.consumer_key = consumer_key
        self.wall_clock = wall_clock
        self.time_delta = 0

    def signature(self, method: str, url: str, body: str, timestamp: str) -> str:
        """Return ``$1$`` + the SHA-1 hex digest of the signed fields."""
        text = "+".join(
            [
                self.application_secret,
                self.consumer_key,
                method.upper(),
                url,
                body,
                timestamp,
            ]
        )
        return "$1$" + hashlib.sha1(text.encode("utf-8")).hexdigest()

    def __call__(self, request: t.Any) -> t.Any:
        request.headers["X-Ovh-Application"] = self.application_key
        if request.url.rstrip("/").endswith("/auth/time"):
            return request
        body = request.body or ""
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        timestamp = str(int(self.wall_clock()) + self.time_delta)
        request.headers["X-Ovh-Consumer"] = self.consumer_key
        request.headers["X-Ovh-Timestamp"] = timestamp
        request.headers["X-Ovh-Signature"] = self.signature(
            request.method, request.url, body, timestamp
        )
        return request


class OvhRegistrar(Registrar):
    """OVHcloud as registrar: the DS set replaced whole, then a task polled."""

    name = "ovh"
    title = "OVHcloud"
    takes = "dnskey"
    replaces_set = True
    default_api_url = OVH_ENDPOINTS["ovh-eu"]
    required_options = (
        "ovh_application_key",
        "ovh_application_secret",
        "ovh_consumer_key",
    )

    def __init__(
        self,
        params: t.Mapping[str, t.Any],
        wall_clock: t.Callable[[], float] = time.time,
        **kwargs: t.Any,
    ) -> None:
        super().__init__(params, **kwargs)
        self.signer = OvhSignature(
            str(params["ovh_application_key"]),
            str(params["ovh_application_secret"]),
            str(params["ovh_consumer_key"]),
            wall_clock,
        )
        self._time_synced = False

    @property
    def api_url(self) -> str:
        url = self.params.get("ovh_api_url")
        if not url:
            endpoint = self.params.get("ovh_endpoint") or "ovh-eu"
            if endpoint not in OVH_ENDPOINTS:
                raise RegistrarError(
                    f"unknown ovh_endpoint {endpoint!r}; use one of "
                    f"{', '.join(OVH_ENDPOINTS)} or set ovh_api_url",
                    registrar=self.label,
                )
            url = OVH_ENDPOINTS[endpoint]
        return str(url).rstrip("/")

    def session_options(self) -> dict[str, t.Any]:
        return {"auth": self.signer}

    @staticmethod
    def error_words(body: dict[str, t.Any]) -> str:
        """OVHcloud's ``message``, followed by its ``errorCode`` or class."""
        code = body.get("errorCode") or body.get("class")
        text = str(body["message"])
        return f"{text} [{code}]" if code else text

    def error_for(
        self, status: int | None, message: str, domain: str = ""
    ) -> RegistrarError:
        if any(f"[{code}]" in message for code in AUTH_ERROR_CODES):
            return self.refused(message, status)
        return super().error_for(status, message, domain)

    # -- clock --------------------------------------------------------------

    def _sync_time(self) -> None:
        """Read the API's clock once, as signatures carry the server's time."""
        if self._time_synced:
            return
        response = self.request("GET", "/auth/time", summary="read the API clock")
        try:
            server_time = int(response.json)
        except (TypeError, ValueError):
            raise RegistrarError(
                f"unexpected answer from /auth/time: {response.text[:80]!r}",
                status=response.status,
                registrar=self.label,
            ) from None
        self.signer.time_delta = server_time - int(self.signer.wall_clock())
        self._time_synced = True

    # -- records ------------------------------------------------------------

    def list_records(self, domain: str) -> list[RegistrarRecord]:
        self._sync_time()
        base = f"/domain/{quoted_domain(domain)}/dsRecord"
        response = self.request(
            "GET", base, summary=f"list the DS record ids of {domain}", domain=domain
        )
        ids = response.json
        if not isinstance(ids, list):
            raise RegistrarError(
                f"unexpected answer listing the DS records of {domain}: not a list",
                status=response.status,
                registrar=self.label,
            )
        records = []
        for key_id in ids:
            entry = self.request(
                "GET",
                f"{base}/{quote(str(key_id), safe='')}",
                summary=f"read DS record {key_id} of {domain}",
                domain=domain,
            ).json
            if not isinstance(entry, dict):
                raise RegistrarError(
                    f"unexpected DS record {key_id} of {domain}: {entry!r}",
                    registrar=self.label,
                )
            if entry.get("status") in KEY_GONE:
                continue
            # OVHcloud lists no digest: the SHA-256 DS is computed from the key.
            key = {
                "flags": entry.get("flags", 257),
                "algorithm": entry.get("algorithm"),
                "public_key": entry.get("publicKey"),
            }
            records.append(
                self.key_entry(domain, entry.get("id", key_id), key, what="DS record")
            )
        return records

    def replace_records(self, domain: str, records: list[RegistrarRecord]) -> None:
        keys = [
            {
                "algorithm": key.algorithm,
                "flags": key.flags,
                "publicKey": key.public_key,
                "tag": key.key_tag,
            }
            for key in (self.key_of(record) for record in records)
        ]
        self._sync_time()
        tags = ", ".join(str(key["tag"]) for key in keys) or "none"
        response = self.request(
            "POST",
            f"/domain/{quoted_domain(domain)}/dsRecord",
            summary=f"replace the DS set of {domain} (key tags: {tags})",
            json={"keys": keys},
            expected=(200, 201),
            domain=domain,
        )
        task = response.json
        if not isinstance(task, dict) or task.get("id") is None:
            raise RegistrarError(
                f"OVHcloud returned no task for the DS update of {domain}",
                status=response.status,
                registrar=self.label,
            )
        self.wait_task(domain, task)

    def wait_task(self, domain: str, task: dict[str, t.Any]) -> None:
        """Poll the task until it is done; RegistrarError when it fails."""
        task_id = task["id"]
        path = f"/domain/{quoted_domain(domain)}/task/{quote(str(task_id), safe='')}"
        self.wait_until_done(
            f"OVHcloud task {task_id} (DS update of {domain})",
            lambda: self.request(
                "GET", path, summary=f"poll task {task_id} of {domain}"
            ).json,
            status_key="status",
            done=TASK_DONE,
            failed=TASK_FAILED,
            reason_key="comment",
            first=task,
        )
