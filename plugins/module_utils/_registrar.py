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

What adapters share lives here: the error text and its mapping (``error_words``,
``refused``, ``unknown_domain``), reading listed entries (``key_entry``,
``ds_entry``), the form a write takes (``key_of``, ``ds_of``), the id lookup
before a delete (``listed_id``) and the polling of asynchronous operations
(``wait_operation``, ``wait_until_done``).
"""

from __future__ import annotations

import abc
import time
import typing as t
from dataclasses import dataclass
from urllib.parse import quote

from ansible.module_utils.basic import env_fallback
from ansible_collections.dnsops.dnssec.plugins.module_utils._dnsimple import (
    DNSIMPLE_ARGUMENT_SPEC,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    DNSKEY,
    DSRecord,
    RecordError,
    make_ds,
    parse_dnskey,
    parse_ds,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._http import (
    ApiSession,
    HttpError,
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


def _env_option(
    variable: str, *, no_log: bool = False, default: str | None = None
) -> dict[str, t.Any]:
    """A string option read from environment variable ``variable`` when not set."""
    spec: dict[str, t.Any] = {"type": "str"}
    if no_log:
        spec["no_log"] = True
    if default is not None:
        spec["default"] = default
    spec["fallback"] = (env_fallback, [variable])
    return spec


# The options of every registrar, as documented by the doc fragment
# dnsops.dnssec.registrar.  Modules merge this into their argument spec.
REGISTRAR_ARGUMENT_SPEC: dict[str, dict[str, t.Any]] = {
    "registrar": {"type": "str", "required": True, "choices": list(REGISTRAR_CHOICES)},
    "registrar_timeout": {"type": "float", "default": 30.0},
    "registrar_operation_timeout": {"type": "float", "default": 300.0},
    # DNSimple as registrar takes the options every DNSimple client takes.
    **DNSIMPLE_ARGUMENT_SPEC,
    "gandi_token": _env_option("GANDI_TOKEN", no_log=True),
    "gandi_api_url": _env_option("GANDI_API_URL", default="https://api.gandi.net"),
    "ovh_endpoint": _env_option("OVH_ENDPOINT", default="ovh-eu"),
    "ovh_application_key": _env_option("OVH_APPLICATION_KEY", no_log=True),
    "ovh_application_secret": _env_option("OVH_APPLICATION_SECRET", no_log=True),
    "ovh_consumer_key": _env_option("OVH_CONSUMER_KEY", no_log=True),
    "ovh_api_url": _env_option("OVH_API_URL"),
    "namecom_username": _env_option("NAMECOM_USERNAME"),
    "namecom_token": _env_option("NAMECOM_TOKEN", no_log=True),
    "namecom_api_url": _env_option("NAMECOM_API_URL", default="https://api.name.com"),
    "porkbun_api_key": _env_option("PORKBUN_API_KEY", no_log=True),
    "porkbun_secret_api_key": _env_option("PORKBUN_SECRET_API_KEY", no_log=True),
    "porkbun_api_url": _env_option(
        "PORKBUN_API_URL", default="https://api.porkbun.com"
    ),
    "aws_access_key_id": _env_option("AWS_ACCESS_KEY_ID", no_log=True),
    "aws_secret_access_key": _env_option("AWS_SECRET_ACCESS_KEY", no_log=True),
    "aws_session_token": _env_option("AWS_SESSION_TOKEN", no_log=True),
    "aws_region": _env_option("AWS_REGION", default="us-east-1"),
    "route53_api_url": _env_option("ROUTE53_API_URL"),
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

    @classmethod
    def error_message(cls, response: t.Any) -> str:
        """Return the registrar's own error text from a failed ApiResponse.

        A JSON body with a ``message`` is quoted through ``error_words``; any
        other body by its first 200 characters.
        """
        body = getattr(response, "json", None)
        status = getattr(response, "status", None)
        if isinstance(body, dict) and body.get("message"):
            return f"{cls.error_words(body)} (HTTP {status})"
        text = " ".join(str(getattr(response, "text", "") or "").split())[:200]
        return f"{text or 'no error text'} (HTTP {status})"

    @staticmethod
    def error_words(body: dict[str, t.Any]) -> str:
        """The registrar's words in an error body that has a ``message``."""
        return str(body["message"])

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
            return self.refused(message, status)
        if status == 404 and domain:
            return self.unknown_domain(domain, message, status)
        return RegistrarError(message, status=status, registrar=self.label)

    def refused(self, message: str, status: t.Any = None) -> AuthenticationError:
        """The error for credentials the registrar refused, quoting its words."""
        return AuthenticationError(
            f"credentials refused: {message}", status=status, registrar=self.label
        )

    def unknown_domain(
        self,
        domain: str,
        message: str,
        status: t.Any = None,
        where: str = "in this account",
    ) -> DomainNotFoundError:
        """The error for a domain the registrar does not know ``where``."""
        return DomainNotFoundError(
            f"domain {domain} not found {where}: {message}",
            status=status,
            registrar=self.label,
        )

    # -- records ------------------------------------------------------------

    @abc.abstractmethod
    def list_records(self, domain: str) -> list[RegistrarRecord]:
        """Return the domain's DS set as the registrar holds it."""

    def key_entry(
        self,
        domain: str,
        entry_id: t.Any,
        key: t.Mapping[str, t.Any],
        registry_ds: t.Mapping[str, t.Any] | None = None,
        what: str = "DNSSEC key",
    ) -> RegistrarRecord:
        """Return one listed key of a registrar that takes DNSKEY data.

        ``key`` holds the ``flags``, ``algorithm`` and ``public_key`` it lists;
        ``registry_ds`` the ``key_tag``, ``digest_type`` and ``digest`` it
        computed, when it shows them.  Without a digest the SHA-256 DS is
        computed from the key.  Raises RegistrarError naming the entry.
        """
        ds_fields = registry_ds or {}
        try:
            dnskey = parse_dnskey(dict(key))
            if ds_fields.get("digest") and ds_fields.get("digest_type") is not None:
                tag = ds_fields.get("key_tag")
                ds = parse_ds(
                    {
                        "key_tag": dnskey.key_tag if tag is None else tag,
                        "algorithm": dnskey.algorithm,
                        "digest_type": ds_fields["digest_type"],
                        "digest": ds_fields["digest"],
                    }
                )
            else:
                ds = make_ds(domain, dnskey, 2)
        except RecordError as exc:
            raise RegistrarError(
                f"cannot read {what} {entry_id} of {domain}: {exc}",
                registrar=self.label,
            ) from None
        return RegistrarRecord(
            ds=ds,
            dnskey=dnskey,
            record_id=None if entry_id is None else str(entry_id),
        )

    def ds_entry(
        self, domain: str, entry: t.Any, fields: tuple[str, str, str, str]
    ) -> DSRecord:
        """Return the DS of one listed entry of a registrar that takes DS data.

        ``fields`` name the members that hold the key tag, the algorithm, the
        digest type and the digest.  Raises RegistrarError when unreadable.
        """
        try:
            if not isinstance(entry, t.Mapping):
                raise RecordError(f"not an object: {entry!r}")
            values = [entry.get(name) for name in fields]
            return parse_ds(
                dict(zip(("key_tag", "algorithm", "digest_type", "digest"), values))
            )
        except RecordError as exc:
            raise RegistrarError(
                f"cannot read a DS record of {domain} from the answer: {exc}",
                registrar=self.label,
            ) from None

    def key_of(self, record: RegistrarRecord) -> DNSKEY:
        """The key to send, for registrars that take DNSKEY data."""
        if record.dnskey is None:
            raise RegistrarError(
                f"{self.label} takes DNSKEY data, and {record.describe()} "
                "carries no key",
                registrar=self.label,
            )
        return record.dnskey

    def ds_of(self, record: RegistrarRecord) -> DSRecord:
        """The DS to send, for registrars that take DS data."""
        if record.ds is None:
            raise RegistrarError(
                f"{self.label} takes DS data; no DS was given", registrar=self.label
            )
        return record.ds

    def listed_id(self, domain: str, record: RegistrarRecord) -> str:
        """The registrar's id of an entry, read from a fresh listing if unknown."""
        if record.record_id is not None:
            return record.record_id
        for entry in self.list_records(domain):
            same_key = record.dnskey is not None and entry.dnskey == record.dnskey
            same_ds = record.ds is not None and entry.ds == record.ds
            if (same_key or same_ds) and entry.record_id is not None:
                return entry.record_id
        raise RegistrarError(
            f"{record.describe()} is not among the DNSSEC keys of {domain}",
            registrar=self.label,
        )

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

    def wait_until_done(
        self,
        what: str,
        read: t.Callable[[], t.Any],
        status_key: str,
        done: t.Collection[str],
        failed: t.Collection[str],
        reason_key: str,
        first: t.Any = None,
    ) -> None:
        """Poll an asynchronous operation until its status is one of ``done``.

        ``read`` returns the operation as the registrar shows it (a mapping);
        ``first`` is the operation as the write returned it, judged before the
        first read.  Statuses compare case-insensitively.  Raises RegistrarError
        quoting the operation's ``reason_key`` when its status is one of
        ``failed``, and OperationTimeoutError as ``wait_operation`` does.
        """
        done_states = {state.upper() for state in done}
        failed_states = {state.upper() for state in failed}
        latest = [] if first is None else [first]

        def judge(operation: t.Any) -> bool:
            if not isinstance(operation, t.Mapping):
                operation = {}
            status = str(operation.get(status_key) or "")
            if status.upper() in failed_states:
                reason = operation.get(reason_key) or "no reason given"
                raise RegistrarError(
                    f"{what} ended in {status}: {reason}", registrar=self.label
                )
            return status.upper() in done_states

        def poll() -> bool:
            if latest and judge(latest.pop()):
                return True
            return judge(read())

        self.wait_operation(poll, what)


def ds_record(ds: DSRecord, record_id: str | None = None) -> RegistrarRecord:
    """Return a RegistrarRecord holding one DS."""
    return RegistrarRecord(ds=ds, record_id=record_id)


def bare_domain(domain: str) -> str:
    """The domain as registrar APIs spell it: lower case, no final dot."""
    return domain.rstrip(".").lower()


def quoted_domain(domain: str) -> str:
    """The domain as one segment of an API path."""
    return quote(bare_domain(domain), safe="")
