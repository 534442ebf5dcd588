# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""A client for the parts of the DNSimple API v2 the collection uses.

Private to the dnsops.dnssec collection: not a public API.

Accounts, domains (listed once per run, every page, then shared), DNSSEC status,
DS records of domains registered at DNSimple, and webhooks.  Every failure is a
``DnsimpleError`` whose message holds DNSimple's own words (and its field
errors), never the token.
"""

from __future__ import annotations

import time
import typing as t
from dataclasses import dataclass, field
from urllib.parse import quote

from ansible.module_utils.basic import env_fallback

from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    DNSKEY,
    DSRecord,
    RecordError,
    parse_dnskey,
    parse_ds,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._http import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    ApiError,
    ApiResponse,
    ApiSession,
    HttpError,
    default_error_message,
    field_errors,
)

__all__ = [
    "DNSIMPLE_ARGUMENT_SPEC",
    "DEFAULT_API_URL",
    "HAS_REQUESTS",
    "REQUESTS_IMPORT_ERROR",
    "DnsimpleClient",
    "DnsimpleError",
]

DEFAULT_API_URL = "https://api.dnsimple.com"
SANDBOX_API_URL = "https://api.sandbox.dnsimple.com"
PER_PAGE = 100

# The DNSimple options every module and plugin shares, documented by the doc
# fragment dnsops.dnssec.dnsimple.
DNSIMPLE_ARGUMENT_SPEC: dict[str, dict[str, t.Any]] = {
    "dnsimple_token": {
        "type": "str",
        "no_log": True,
        "fallback": (env_fallback, ["DNSIMPLE_TOKEN"]),
    },
    "dnsimple_account": {
        "type": "str",
        "fallback": (env_fallback, ["DNSIMPLE_ACCOUNT"]),
    },
    "dnsimple_api_url": {
        "type": "str",
        "default": DEFAULT_API_URL,
        "fallback": (env_fallback, ["DNSIMPLE_API_URL"]),
    },
}


class DnsimpleError(ApiError):
    """A DNSimple API call failed; the message quotes DNSimple, never the token.

    ``errors`` holds DNSimple's field errors (``{"digest": ["can't be blank"]}``).
    """

    def __init__(
        self,
        message: str,
        status: int | None = None,
        errors: t.Mapping[str, t.Any] | None = None,
    ) -> None:
        super().__init__(message, status)
        self.errors = dict(errors or {})


class DnsimpleAuthenticationError(DnsimpleError):
    """The token is missing, wrong, or lacks the permission (HTTP 401 or 403)."""


class DnsimpleNotFoundError(DnsimpleError):
    """DNSimple does not know the domain, record or webhook (HTTP 404)."""


@dataclass(frozen=True)
class DnsimpleDomain:
    """A domain of the account as listed by DNSimple."""

    id: int
    name: str
    state: str
    data: t.Mapping[str, t.Any] = field(default_factory=dict, compare=False)

    @property
    def is_hosted(self) -> bool:
        """Whether DNSimple hosts the zone and another registrar holds the domain."""
        return self.state == "hosted"

    @property
    def is_registered(self) -> bool:
        """Whether DNSimple is also the domain's registrar."""
        return self.state == "registered"

    def to_dict(self) -> dict[str, t.Any]:
        """Return the fields modules report."""
        return {"id": self.id, "name": self.name, "state": self.state}


@dataclass(frozen=True)
class DnsimpleDSRecord:
    """A DS record DNSimple holds for a domain it is the registrar of."""

    id: int
    ds: DSRecord
    dnskey: DNSKEY | None = None

    def to_dict(self) -> dict[str, t.Any]:
        """Return the record with DNSimple's id, for module results."""
        result = {"id": self.id, "ds": self.ds.to_dict()}
        result["public_key"] = self.dnskey.public_key if self.dnskey else None
        return result


def normalize_domain(name: str) -> str:
    """Return a domain name as DNSimple spells it: lower case, no final dot."""
    return str(name).strip().rstrip(".").lower()


def normalize_api_url(url: str | None) -> str:
    """Return the API base URL without a final slash or ``/v2``."""
    url = (url or DEFAULT_API_URL).strip().rstrip("/")
    if url.endswith("/v2"):
        url = url[: -len("/v2")]
    return url


def _translate(exc: HttpError) -> DnsimpleError:
    errors: t.Mapping[str, t.Any] | None = None
    body = exc.response.json if exc.response is not None else None
    if isinstance(body, t.Mapping) and isinstance(body.get("errors"), t.Mapping):
        errors = body["errors"]
    message = f"DNSimple API: {exc.message}"
    if exc.status in (401, 403):
        return DnsimpleAuthenticationError(message, exc.status, errors)
    if exc.status == 404:
        return DnsimpleNotFoundError(message, exc.status, errors)
    return DnsimpleError(message, exc.status, errors)


class DnsimpleClient:
    """DNSimple API v2 on one ``ApiSession``.

    ``account`` is the account id (or identifier); without it the client asks
    ``/v2/whoami`` and, for a user token, ``/v2/accounts``.  ``session`` is either
    an ``ApiSession`` to share or a ``requests.Session``-like transport.
    """

    def __init__(
        self,
        token: str | None,
        account: str | int | None = None,
        base_url: str | None = DEFAULT_API_URL,
        session: t.Any = None,
        *,
        timeout: float = 30,
        retries: int = 3,
        max_wait: float = 300,
        sleep: t.Callable[[float], t.Any] = time.sleep,
        clock: t.Callable[[], float] = time.time,
    ) -> None:
        if not token:
            raise DnsimpleAuthenticationError(
                "DNSimple API: no token; set dnsimple_token or DNSIMPLE_TOKEN"
            )
        self.base_url = normalize_api_url(base_url)
        if isinstance(session, ApiSession):
            self.http = session
            self.http.headers["Authorization"] = f"Bearer {token}"
            self.http.add_secret(token)
        else:
            self.http = ApiSession(
                self.base_url,
                headers={"Authorization": f"Bearer {token}"},
                timeout=timeout,
                retries=retries,
                max_wait=max_wait,
                error_message=default_error_message,
                sleep=sleep,
                clock=clock,
                session=session,
                secrets=(token,),
            )
        self._account = str(account).strip() if account not in (None, "") else None
        self._whoami: dict[str, t.Any] | None = None
        self._domains: dict[str | None, list[DnsimpleDomain]] = {}
        self._dnssec: dict[str, dict[str, t.Any]] = {}

    @property
    def calls(self) -> list[dict[str, t.Any]]:
        """Every API call made: method, path, status."""
        return self.http.calls

    # Transport

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: t.Mapping[str, t.Any] | None = None,
        json: t.Any = None,
        expected: tuple[int, ...] = (200,),
    ) -> ApiResponse:
        try:
            return self.http.request(
                method, path, params=params, json=json, expected=expected
            )
        except HttpError as exc:
            raise _translate(exc) from None

    def _data(self, response: ApiResponse, method: str, path: str) -> t.Any:
        body = response.json
        if not isinstance(body, t.Mapping) or "data" not in body:
            content_type = response.headers.get("Content-Type", "no content type")
            raise DnsimpleError(
                f"DNSimple API: {method} {path} answered HTTP {response.status} "
                f"with a body that is not the expected JSON ({content_type})",
                response.status,
            )
        return body["data"]

    def _get(self, path: str, params: t.Mapping[str, t.Any] | None = None) -> t.Any:
        return self._data(self._call("GET", path, params=params), "GET", path)

    def _paged(
        self, path: str, params: t.Mapping[str, t.Any] | None = None
    ) -> list[t.Any]:
        """Return the items of every page of a list endpoint."""
        items: list[t.Any] = []
        page = 1
        while True:
            query = dict(params or {}, page=page, per_page=PER_PAGE)
            response = self._call("GET", path, params=query)
            data = self._data(response, "GET", path)
            if not isinstance(data, list):
                raise DnsimpleError(f"DNSimple API: GET {path}: data is not a list")
            items.extend(data)
            total_pages = _total_pages(response.json.get("pagination"))
            if total_pages is None or page >= total_pages or not data:
                return items
            page += 1

    # Accounts

    def whoami(self) -> dict[str, t.Any]:
        """Return ``/v2/whoami``: ``{"account": ... or None, "user": ... or None}``."""
        if self._whoami is None:
            data = self._get("/v2/whoami")
            if not isinstance(data, t.Mapping):
                raise DnsimpleError(
                    "DNSimple API: GET /v2/whoami: data is not an object"
                )
            self._whoami = dict(data)
        return self._whoami

    def accounts(self) -> list[dict[str, t.Any]]:
        """Return the accounts the token may use (``/v2/accounts``)."""
        data = self._get("/v2/accounts")
        if not isinstance(data, list):
            raise DnsimpleError("DNSimple API: GET /v2/accounts: data is not a list")
        return [dict(item) for item in data if isinstance(item, t.Mapping)]

    def account_id(self) -> str:
        """Return the account to work in: the option, the token's, or the only one."""
        if self._account:
            return self._account
        account = self.whoami().get("account")
        if isinstance(account, t.Mapping) and account.get("id") is not None:
            self._account = str(account["id"])
            return self._account

        accounts = self.accounts()
        if len(accounts) == 1 and accounts[0].get("id") is not None:
            self._account = str(accounts[0]["id"])
            return self._account
        if not accounts:
            raise DnsimpleError("DNSimple API: the token gives access to no account")
        choices = ", ".join(
            f"{item.get('id')} ({item.get('name') or item.get('email') or '?'})"
            for item in accounts
        )
        raise DnsimpleError(
            "DNSimple API: the token gives access to several accounts; set "
            f"dnsimple_account (or DNSIMPLE_ACCOUNT) to one of: {choices}"
        )

    def _account_path(self, *parts: str) -> str:
        account = quote(self.account_id(), safe="")
        tail = "/".join(quote(str(part), safe="") for part in parts)
        return f"/v2/{account}/{tail}"

    # Domains

    def list_domains(self, name_like: str | None = None) -> list[DnsimpleDomain]:
        """Return every domain of the account (all pages), fetched once per client."""
        if name_like not in self._domains:
            params = {"name_like": name_like} if name_like else {}
            items = self._paged(self._account_path("domains"), params)
            self._domains[name_like] = [_domain(item) for item in items]
        return list(self._domains[name_like])

    def domain(self, name: str) -> DnsimpleDomain:
        """Return one domain, from the list already fetched when there is one."""
        wanted = normalize_domain(name)
        for domains in self._domains.values():
            for domain in domains:
                if domain.name == wanted:
                    return domain
        data = self._get(self._account_path("domains", wanted))
        return _domain(data)

    def dnssec(self, domain: str) -> dict[str, t.Any]:
        """Return the DNSSEC status of a domain: ``{"enabled": bool, ...}``."""
        name = normalize_domain(domain)
        if name not in self._dnssec:
            data = self._get(self._account_path("domains", name, "dnssec"))
            if not isinstance(data, t.Mapping) or not isinstance(
                data.get("enabled"), bool
            ):
                raise DnsimpleError(
                    f"DNSimple API: the DNSSEC status of {name} has no 'enabled' flag"
                )
            self._dnssec[name] = dict(data)
        return dict(self._dnssec[name])

    def domain_status(self, name: str) -> dict[str, t.Any]:
        """Return what the rotation needs: state, hosted or registered, DNSSEC."""
        domain = self.domain(name)
        dnssec = self.dnssec(domain.name)
        return {
            "name": domain.name,
            "id": domain.id,
            "state": domain.state,
            "hosted": domain.is_hosted,
            "registered": domain.is_registered,
            "dnssec_enabled": bool(dnssec.get("enabled")),
            "dnssec_active": dnssec.get("active"),
        }

    # DS records (domains registered at DNSimple)

    def list_ds_records(self, domain: str) -> list[DnsimpleDSRecord]:
        """Return the DS records DNSimple holds at the registry for a domain."""
        path = self._account_path("domains", normalize_domain(domain), "ds_records")
        return [_ds_record(item) for item in self._paged(path)]

    def create_ds_record(
        self, domain: str, ds: DSRecord, public_key: str | None = None
    ) -> DnsimpleDSRecord:
        """Add a DS record; ``public_key`` for the TLDs that want the key data."""
        path = self._account_path("domains", normalize_domain(domain), "ds_records")
        body: dict[str, t.Any] = {
            "algorithm": str(ds.algorithm),
            "digest": ds.digest,
            "digest_type": str(ds.digest_type),
            "keytag": str(ds.key_tag),
        }
        if public_key:
            body["public_key"] = public_key
        response = self._call("POST", path, json=body, expected=(201, 200))
        return _ds_record(self._data(response, "POST", path))

    def delete_ds_record(self, domain: str, record_id: int | str) -> None:
        """Remove a DS record by DNSimple's id."""
        path = self._account_path(
            "domains", normalize_domain(domain), "ds_records", str(record_id)
        )
        self._call("DELETE", path, expected=(204, 200))

    # Webhooks

    def list_webhooks(self) -> list[dict[str, t.Any]]:
        """Return the account's webhooks: ``[{"id", "url", "suppressed_at"}]``."""
        data = self._get(self._account_path("webhooks"))
        if not isinstance(data, list):
            raise DnsimpleError("DNSimple API: the webhook list is not a list")
        return [dict(item) for item in data if isinstance(item, t.Mapping)]

    def create_webhook(self, url: str) -> dict[str, t.Any]:
        """Register a webhook URL; DNSimple then posts every event of the account."""
        path = self._account_path("webhooks")
        response = self._call("POST", path, json={"url": url}, expected=(201, 200))
        return dict(self._data(response, "POST", path))

    def delete_webhook(self, webhook_id: int | str) -> None:
        """Remove a webhook by id."""
        path = self._account_path("webhooks", str(webhook_id))
        self._call("DELETE", path, expected=(204, 200))


def _total_pages(pagination: t.Any) -> int | None:
    if not isinstance(pagination, t.Mapping):
        return None
    try:
        return int(pagination.get("total_pages"))
    except (TypeError, ValueError):
        return None


def _domain(item: t.Any) -> DnsimpleDomain:
    if not isinstance(item, t.Mapping) or not isinstance(item.get("name"), str):
        raise DnsimpleError(f"DNSimple API: a domain without a name: {item!r:.200}")
    try:
        domain_id = int(item.get("id"))
    except (TypeError, ValueError):
        domain_id = 0
    return DnsimpleDomain(
        id=domain_id,
        name=normalize_domain(item["name"]),
        state=str(item.get("state") or ""),
        data=dict(item),
    )


def _ds_record(item: t.Any) -> DnsimpleDSRecord:
    if not isinstance(item, t.Mapping):
        raise DnsimpleError("DNSimple API: a DS record is not an object")
    try:
        ds = parse_ds(item)
        dnskey = None
        if item.get("public_key"):
            dnskey = parse_dnskey(
                {"algorithm": item.get("algorithm"), "public_key": item["public_key"]}
            )
    except RecordError as exc:
        raise DnsimpleError(
            f"DNSimple API: DS record {item.get('id')} cannot be read: {exc}"
        ) from None
    try:
        record_id = int(item.get("id"))
    except (TypeError, ValueError):
        raise DnsimpleError(
            f"DNSimple API: DS record {ds.to_text()} has no id"
        ) from None
    return DnsimpleDSRecord(id=record_id, ds=ds, dnskey=dnskey)


def client_from_params(
    params: t.Mapping[str, t.Any], **kwargs: t.Any
) -> DnsimpleClient:
    """Build a client from module or plugin options (``DNSIMPLE_ARGUMENT_SPEC``)."""
    return DnsimpleClient(
        params.get("dnsimple_token"),
        account=params.get("dnsimple_account"),
        base_url=params.get("dnsimple_api_url") or DEFAULT_API_URL,
        **kwargs,
    )


def describe_field_errors(error: DnsimpleError) -> str:
    """Return the field errors of a failure in one line, or an empty string."""
    return field_errors(error.errors)
