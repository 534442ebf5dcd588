# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""The registrar adapter base, the shared record model and the registrar errors.

Private to the dnsops.dnssec collection: not a public API.

An adapter talks to one registrar's API about one domain's DS (or DNSKEY) set.
Per-record registrars implement ``list_records``, ``add_record`` and
``remove_record``; registrars whose only write replaces the whole set set
``replaces_set`` and implement ``replace_records``.  Every API call made is
recorded in ``operations`` (method, URL without secrets, status, summary), and
every error carries a short message that quotes the registrar and never a secret.
"""

from __future__ import annotations

import abc
import time
import typing as t
from dataclasses import dataclass

from ansible.module_utils.basic import env_fallback
from ansible_collections.dnsops.dnssec.plugins.module_utils._dnsimple import (
    DNSIMPLE_ARGUMENT_SPEC,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    DNSKEY,
    DSRecord,
    make_ds,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._http import (
    ApiSession,
    HttpError,
    default_error_message,
)

# Every secret option of every registrar; their values are scrubbed from any
# message an adapter builds, as a second line of defence behind no_log.
SECRET_OPTIONS = (
    "dnsimple_token",
    "gandi_token",
    "ovh_application_key",
    "ovh_application_secret",
    "ovh_consumer_key",
    "namecom_token",
    "porkbun_api_key",
    "porkbun_secret_api_key",
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
)

REGISTRAR_CHOICES = (
    "dnsimple",
    "gandi",
    "ovh",
    "namecom",
    "porkbun",
    "route53",
    "manual",
)

# The options of every registrar, as documented by the doc fragment
# dnsops.dnssec.registrar.  Modules merge this into their argument spec.
REGISTRAR_ARGUMENT_SPEC: dict[str, dict[str, t.Any]] = {
    "registrar": {"type": "str", "required": True, "choices": list(REGISTRAR_CHOICES)},
    "registrar_timeout": {"type": "float", "default": 30.0},
    "registrar_operation_timeout": {"type": "float", "default": 300.0},
    # DNSimple as registrar takes the options every DNSimple client takes.
    **DNSIMPLE_ARGUMENT_SPEC,
    "gandi_token": {
        "type": "str",
        "no_log": True,
        "fallback": (env_fallback, ["GANDI_TOKEN"]),
    },
    "gandi_api_url": {
        "type": "str",
        "default": "https://api.gandi.net",
        "fallback": (env_fallback, ["GANDI_API_URL"]),
    },
    "ovh_endpoint": {
        "type": "str",
        "default": "ovh-eu",
        "fallback": (env_fallback, ["OVH_ENDPOINT"]),
    },
    "ovh_application_key": {
        "type": "str",
        "no_log": True,
        "fallback": (env_fallback, ["OVH_APPLICATION_KEY"]),
    },
    "ovh_application_secret": {
        "type": "str",
        "no_log": True,
        "fallback": (env_fallback, ["OVH_APPLICATION_SECRET"]),
    },
    "ovh_consumer_key": {
        "type": "str",
        "no_log": True,
        "fallback": (env_fallback, ["OVH_CONSUMER_KEY"]),
    },
    "ovh_api_url": {
        "type": "str",
        "fallback": (env_fallback, ["OVH_API_URL"]),
    },
    "namecom_username": {
        "type": "str",
        "fallback": (env_fallback, ["NAMECOM_USERNAME"]),
    },
    "namecom_token": {
        "type": "str",
        "no_log": True,
        "fallback": (env_fallback, ["NAMECOM_TOKEN"]),
    },
    "namecom_api_url": {
        "type": "str",
        "default": "https://api.name.com",
        "fallback": (env_fallback, ["NAMECOM_API_URL"]),
    },
    "porkbun_api_key": {
        "type": "str",
        "no_log": True,
        "fallback": (env_fallback, ["PORKBUN_API_KEY"]),
    },
    "porkbun_secret_api_key": {
        "type": "str",
        "no_log": True,
        "fallback": (env_fallback, ["PORKBUN_SECRET_API_KEY"]),
    },
    "porkbun_api_url": {
        "type": "str",
        "default": "https://api.porkbun.com",
        "fallback": (env_fallback, ["PORKBUN_API_URL"]),
    },
    "aws_access_key_id": {
        "type": "str",
        "no_log": True,
        "fallback": (env_fallback, ["AWS_ACCESS_KEY_ID"]),
    },
    "aws_secret_access_key": {
        "type": "str",
        "no_log": True,
        "fallback": (env_fallback, ["AWS_SECRET_ACCESS_KEY"]),
    },
    "aws_session_token": {
        "type": "str",
        "no_log": True,
        "fallback": (env_fallback, ["AWS_SESSION_TOKEN"]),
    },
    "aws_region": {
        "type": "str",
        "default": "us-east-1",
        "fallback": (env_fallback, ["AWS_REGION"]),
    },
    "route53_api_url": {
        "type": "str",
        "fallback": (env_fallback, ["ROUTE53_API_URL"]),
    },
}


class RegistrarError(Exception):
    """A registrar call failed; the message quotes the registrar, never a secret."""

    def __init__(self, message: str, status: int | None = None, registrar: str = ""):
        super().__init__(message)
        self.message = message
        self.status = status
        self.registrar = registrar

    def __str__(self) -> str:
        prefix = f"{self.registrar}: " if self.registrar else ""
        return prefix + self.message


class AuthenticationError(RegistrarError):
    """The registrar refused the credentials (missing, wrong or not allowed)."""


class DomainNotFoundError(RegistrarError):
    """The registrar does not know the domain in this account."""


class OperationTimeoutError(RegistrarError):
    """An asynchronous registrar operation did not finish by its deadline."""


class UnsupportedOperationError(RegistrarError):
    """The adapter has no API call for the requested change."""


@dataclass(frozen=True)
class RegistrarRecord:
    """One entry of a domain's DS set as a registrar holds it.

    ``ds`` is the DS (given, or computed from the key); ``dnskey`` the key data
    for registrars that take or return DNSKEYs; ``record_id`` the registrar's
    own id of the entry, when it has one.
    """

    ds: DSRecord | None = None
    dnskey: DNSKEY | None = None
    record_id: str | None = None

    @property
    def key_tag(self) -> int | None:
        if self.ds is not None:
            return self.ds.key_tag
        if self.dnskey is not None:
            return self.dnskey.key_tag
        return None

    @property
    def algorithm(self) -> int | None:
        if self.ds is not None:
            return self.ds.algorithm
        if self.dnskey is not None:
            return self.dnskey.algorithm
        return None

    def ds_for(self, domain: str, digest_type: int = 2) -> DSRecord:
        """Return the DS of this entry, computing it from the key when needed."""
        if self.ds is not None:
            return self.ds
        if self.dnskey is None:
            raise ValueError("a registrar record holds neither a DS nor a DNSKEY")
        return make_ds(domain, self.dnskey, digest_type)

    def describe(self) -> str:
        """Return one line for diffs and messages, e.g. ``DS 60812 8 2 42AE...``."""
        if self.ds is not None:
            return f"DS {self.ds.to_text()}"
        if self.dnskey is not None:
            return f"DNSKEY {self.dnskey.to_text()}"
        return f"record {self.record_id}"

    def to_dict(self) -> dict[str, t.Any]:
        """Return the entry for module results."""
        return {
            "ds": self.ds.to_dict() if self.ds is not None else None,
            "dnskey": self.dnskey.to_dict() if self.dnskey is not None else None,
            "record_id": self.record_id,
        }


class Registrar(abc.ABC):
    """The base of every registrar adapter.

    ``params`` are the module's parameters: the registrar's credentials,
    ``<name>_api_url``, ``registrar_timeout`` (seconds per API call) and
    ``registrar_operation_timeout`` (seconds to wait for an asynchronous
    operation).  ``http`` replaces the HTTP session (tests); ``sleep`` and
    ``clock`` replace time for polling (tests).
    """

    name: t.ClassVar[str] = ""
    title: t.ClassVar[str] = ""
    # "ds" or "dnskey": what the registrar's write API accepts.
    takes: t.ClassVar[str] = "ds"
    replaces_set: t.ClassVar[bool] = False
    # False for the manual registrar: nothing is read or written.
    has_api: t.ClassVar[bool] = True
    default_api_url: t.ClassVar[str] = ""
    # Secret options this adapter requires, and the other options it requires.
    required_options: t.ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        params: t.Mapping[str, t.Any],
        http: t.Any = None,
        sleep: t.Callable[[float], None] = time.sleep,
        clock: t.Callable[[], float] = time.monotonic,
    ) -> None:
        self.params = params
        self.sleep = sleep
        self.clock = clock
        self.operations: list[dict[str, t.Any]] = []
        self.timeout = float(params.get("registrar_timeout") or 30.0)
        self.operation_timeout = float(
            params.get("registrar_operation_timeout") or 300.0
        )
        self._http = http
        self.check_options()

    # -- options ------------------------------------------------------------

    @property
    def label(self) -> str:
        return self.title or self.name

    @property
    def api_url(self) -> str:
        """The base URL: the ``<name>_api_url`` option or the registrar's own."""
        url = self.params.get(f"{self.name}_api_url") or self.default_api_url
        return str(url).rstrip("/")

    def check_options(self) -> None:
        """Raise AuthenticationError when a required option is missing."""
        missing = [name for name in self.required_options if not self.params.get(name)]
        if missing:
            raise AuthenticationError(
                "missing credentials: set "
                + ", ".join(missing)
                + " (or their environment variables)",
                registrar=self.label,
            )

    def redact(self, text: str) -> str:
        """Replace any secret option value found in ``text`` by ``********``."""
        for value in sorted(self.secrets(), key=len, reverse=True):
            if len(value) >= 4:
                text = text.replace(value, "********")
        return text

    # -- HTTP ---------------------------------------------------------------

    def session_options(self) -> dict[str, t.Any]:
        """Keyword arguments for ApiSession: ``auth`` and ``headers`` here."""
        return {}

    @staticmethod
    def error_message(response: t.Any) -> str:
        """Return the registrar's own error text from a failed ApiResponse."""
        return default_error_message(response)

    def secrets(self) -> list[str]:
        """The values of every secret option given, to keep out of messages."""
        return [
            str(self.params[name]) for name in SECRET_OPTIONS if self.params.get(name)
        ]

    @property
    def http(self) -> t.Any:
        """The HTTP session, built on first use from ``session_options``."""
        if self._http is None:
            self._http = ApiSession(
                self.api_url,
                timeout=self.timeout,
                error_message=self.error_message,
                sleep=self.sleep,
                secrets=self.secrets(),
                **self.session_options(),
            )
        return self._http

    def request(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        params: dict[str, t.Any] | None = None,
        json: t.Any = None,
        data: t.Any = None,
        expected: tuple[int, ...] = (200,),
        domain: str = "",
        idempotent: bool | None = None,
    ) -> t.Any:
        """Make one API call through the session and record it in ``operations``.

        Returns the ApiResponse; raises a RegistrarError subclass chosen by
        ``error_for`` from the status.  ``path`` must never carry a secret.
        ``idempotent`` marks a POST that only reads, so it may be retried.
        """
        url = self.api_url + path
        try:
            response = self.http.request(
                method,
                path,
                params=params,
                json=json,
                data=data,
                expected=expected,
                idempotent=idempotent,
            )
        except HttpError as exc:
            status = getattr(exc, "status", None)
            self.record(method, url, status, summary)
            raise self.error_for(status, self.redact(str(exc)), domain) from None
        self.record(method, url, response.status, summary)
        return response

    def record(self, method: str, url: str, status: int | None, summary: str) -> None:
        """Add one API call to ``operations``."""
        self.operations.append(
            {
                "method": method,
                "url": self.redact(url),
                "status": status,
                "summary": self.redact(summary),
            }
        )

    def error_for(
        self, status: int | None, message: str, domain: str = ""
    ) -> RegistrarError:
        """Map a failed call to the error class an operator can act on."""
        if status in (401, 403):
            return AuthenticationError(
                f"credentials refused (HTTP {status}): {message}",
                status=status,
                registrar=self.label,
            )
        if status == 404 and domain:
            return DomainNotFoundError(
                f"domain {domain} not found in this account (HTTP 404): {message}",
                status=status,
                registrar=self.label,
            )
        return RegistrarError(message, status=status, registrar=self.label)

    # -- records ------------------------------------------------------------

    @abc.abstractmethod
    def list_records(self, domain: str) -> list[RegistrarRecord]:
        """Return the domain's DS set as the registrar holds it."""

    def add_record(self, domain: str, record: RegistrarRecord) -> None:
        """Add one DS (or DNSKEY) to the domain at the registrar."""
        raise UnsupportedOperationError(
            "this registrar has no call that adds one record", registrar=self.label
        )

    def remove_record(self, domain: str, record: RegistrarRecord) -> None:
        """Remove one entry (as returned by ``list_records``) from the domain."""
        raise UnsupportedOperationError(
            "this registrar has no call that removes one record", registrar=self.label
        )

    def replace_records(self, domain: str, records: list[RegistrarRecord]) -> None:
        """Replace the domain's whole DS set (replace-the-set registrars)."""
        raise UnsupportedOperationError(
            "this registrar has no call that replaces the set", registrar=self.label
        )

    def removal_siblings(
        self, records: list[RegistrarRecord], record: RegistrarRecord
    ) -> list[RegistrarRecord]:
        """Return every entry that removing ``record`` removes along with it.

        Most registrars remove exactly one entry; one that deletes by key tag
        removes every entry with that tag, and says so here so the safety gate
        judges the real effect.
        """
        return [record]

    # -- asynchronous operations --------------------------------------------

    def wait_operation(
        self,
        poll: t.Callable[[], bool],
        what: str,
        timeout: float | None = None,
        interval: float = 1.0,
        max_interval: float = 15.0,
    ) -> None:
        """Call ``poll`` until it returns True, with growing pauses.

        ``poll`` raises RegistrarError when the operation failed.  Raises
        OperationTimeoutError when the deadline (``registrar_operation_timeout``
        unless given) passes first.
        """
        timeout = self.operation_timeout if timeout is None else timeout
        deadline = self.clock() + timeout
        pause = interval
        while True:
            if poll():
                return
            remaining = deadline - self.clock()
            if remaining <= 0:
                raise OperationTimeoutError(
                    f"{what} did not finish within {timeout:g} seconds",
                    registrar=self.label,
                )
            self.sleep(min(pause, remaining))
            pause = min(pause * 2, max_interval)


def ds_record(ds: DSRecord, record_id: str | None = None) -> RegistrarRecord:
    """Return a RegistrarRecord holding one DS."""
    return RegistrarRecord(ds=ds, record_id=record_id)
