# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""The AWS Route 53 Domains registrar adapter, through boto3.

Private to the dnsops.dnssec collection: not a public API.

Route 53 Domains takes DNSKEY data (flags, algorithm, public key).
``GetDomainDetail`` lists the domain's ``DnssecKeys`` (each with the registry's
digest and an ``Id``); ``AssociateDelegationSignerToDomain`` and
``DisassociateDelegationSignerFromDomain`` (by ``Id``) are asynchronous: each
returns an ``OperationId`` polled with ``GetOperationDetail`` until it is
``SUCCESSFUL`` (or ``ERROR`` / ``FAILED``).  boto3 signs every call (SigV4) and
retries throttling and server errors; the service lives in ``us-east-1`` only.
"""

from __future__ import annotations

import time
import typing as t

from ._dnssec import RecordError, make_ds, parse_dnskey, parse_ds
from ._registrar import (
    AuthenticationError,
    DomainNotFoundError,
    Registrar,
    RegistrarError,
    RegistrarRecord,
)
from ._version import COLLECTION_NAME, COLLECTION_VERSION

try:
    import boto3
    import botocore.config
    import botocore.exceptions

    HAS_BOTO3 = True
    BOTO3_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised by sanity tests
    HAS_BOTO3 = False
    BOTO3_IMPORT_ERROR = exc


# Error codes AWS uses when it refuses the credentials or the signature.
AUTH_ERROR_CODES = frozenset(
    (
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "MissingAuthenticationTokenException",
        "MissingAuthenticationToken",
        "ExpiredTokenException",
        "AccessDeniedException",
        "AccessDenied",
    )
)

OPERATION_DONE = ("SUCCESSFUL",)
OPERATION_FAILED = ("ERROR", "FAILED")


def _domain_name(domain: str) -> str:
    return domain.rstrip(".").lower()


class Route53Registrar(Registrar):
    """AWS Route 53 Domains as registrar: asynchronous per-key operations."""

    name = "route53"
    title = "Route 53 Domains"
    takes = "dnskey"
    default_api_url = "https://route53domains.us-east-1.amazonaws.com"

    def __init__(
        self,
        params: t.Mapping[str, t.Any],
        http: t.Any = None,
        sleep: t.Callable[[float], None] = time.sleep,
        clock: t.Callable[[], float] = time.monotonic,
        client: t.Any = None,
    ) -> None:
        super().__init__(params, http=http, sleep=sleep, clock=clock)
        self._client = client

    @property
    def api_url(self) -> str:
        url = self.params.get("route53_api_url")
        if url:
            return str(url).rstrip("/")
        region = self.params.get("aws_region") or "us-east-1"
        return f"https://route53domains.{region}.amazonaws.com"

    @property
    def client(self) -> t.Any:
        """The boto3 ``route53domains`` client, built on first use."""
        if self._client is None:
            if not HAS_BOTO3:
                raise RegistrarError(
                    f"the Python library boto3 is required: {BOTO3_IMPORT_ERROR}",
                    registrar=self.label,
                )
            session = boto3.session.Session(
                aws_access_key_id=self.params.get("aws_access_key_id") or None,
                aws_secret_access_key=self.params.get("aws_secret_access_key") or None,
                aws_session_token=self.params.get("aws_session_token") or None,
                region_name=self.params.get("aws_region") or "us-east-1",
            )
            config = botocore.config.Config(
                connect_timeout=self.timeout,
                read_timeout=self.timeout,
                retries={"max_attempts": 4, "mode": "standard"},
                user_agent_extra=f"{COLLECTION_NAME}/{COLLECTION_VERSION}",
            )
            self._client = session.client(
                "route53domains",
                endpoint_url=self.params.get("route53_api_url") or None,
                config=config,
            )
        return self._client

    # -- calls --------------------------------------------------------------

    def call(
        self,
        operation: str,
        method: str,
        summary: str,
        domain: str = "",
        **kwargs: t.Any,
    ) -> dict[str, t.Any]:
        """Make one API call (``method`` is boto3's name of ``operation``).

        Records it in ``operations``; maps failures to RegistrarError subclasses
        quoting AWS's error code and message.
        """
        url = f"{self.api_url}/"
        summary = f"{operation}: {summary}"
        function = getattr(self.client, method)
        try:
            result = function(**kwargs)
        except botocore.exceptions.ClientError as exc:
            response = exc.response or {}
            error = response.get("Error") or {}
            status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
            self.record("POST", url, status, summary)
            raise self._client_error(
                operation,
                str(error.get("Code") or "Unknown"),
                str(error.get("Message") or exc),
                status,
                domain,
            ) from None
        except (
            botocore.exceptions.NoCredentialsError,
            botocore.exceptions.PartialCredentialsError,
        ) as exc:
            self.record("POST", url, None, summary)
            raise AuthenticationError(
                f"no usable AWS credentials: {self.redact(str(exc))}; set "
                "aws_access_key_id and aws_secret_access_key (or their "
                "environment variables)",
                registrar=self.label,
            ) from None
        except botocore.exceptions.BotoCoreError as exc:
            self.record("POST", url, None, summary)
            raise RegistrarError(
                f"{operation} failed: {self.redact(str(exc))}", registrar=self.label
            ) from None
        status = (result.get("ResponseMetadata") or {}).get("HTTPStatusCode", 200)
        self.record("POST", url, status, summary)
        return result

    def _client_error(
        self, operation: str, code: str, message: str, status: t.Any, domain: str
    ) -> RegistrarError:
        text = self.redact(f"{code}: {message} (HTTP {status}, {operation})")
        if code in AUTH_ERROR_CODES:
            return AuthenticationError(
                f"credentials refused: {text}", status=status, registrar=self.label
            )
        # GetDomainDetail has no input but the domain name.
        if operation == "GetDomainDetail" and code == "InvalidInput":
            return DomainNotFoundError(
                f"domain {domain} not found in this account: {text}",
                status=status,
                registrar=self.label,
            )
        return RegistrarError(text, status=status, registrar=self.label)

    # -- records ------------------------------------------------------------

    def list_records(self, domain: str) -> list[RegistrarRecord]:
        detail = self.call(
            "GetDomainDetail",
            "get_domain_detail",
            f"read the DNSSEC keys of {domain}",
            domain=domain,
            DomainName=_domain_name(domain),
        )
        return [self._record(domain, key) for key in detail.get("DnssecKeys") or []]

    def _record(self, domain: str, entry: dict[str, t.Any]) -> RegistrarRecord:
        try:
            key = parse_dnskey(
                {
                    "flags": entry.get("Flags", 257),
                    "algorithm": entry.get("Algorithm"),
                    "public_key": entry.get("PublicKey"),
                }
            )
            if entry.get("Digest") and entry.get("DigestType") is not None:
                ds = parse_ds(
                    {
                        "key_tag": entry.get("KeyTag", key.key_tag),
                        "algorithm": key.algorithm,
                        "digest_type": entry["DigestType"],
                        "digest": entry["Digest"],
                    }
                )
            else:
                ds = make_ds(domain, key, 2)
        except RecordError as exc:
            raise RegistrarError(
                f"cannot read DNSSEC key {entry.get('Id')} of {domain}: {exc}",
                registrar=self.label,
            ) from None
        record_id = entry.get("Id")
        return RegistrarRecord(
            ds=ds, dnskey=key, record_id=None if record_id is None else str(record_id)
        )

    def add_record(self, domain: str, record: RegistrarRecord) -> None:
        key = record.dnskey
        if key is None:
            raise RegistrarError(
                "Route 53 Domains takes DNSKEY data, and "
                f"{record.describe()} carries no key",
                registrar=self.label,
            )
        result = self.call(
            "AssociateDelegationSignerToDomain",
            "associate_delegation_signer_to_domain",
            f"add DNSKEY {key.key_tag} (algorithm {key.algorithm}) to {domain}",
            domain=domain,
            DomainName=_domain_name(domain),
            SigningAttributes={
                "Algorithm": key.algorithm,
                "Flags": key.flags,
                "PublicKey": key.public_key,
            },
        )
        self.wait_for(domain, result.get("OperationId"), f"adding DNSKEY {key.key_tag}")

    def remove_record(self, domain: str, record: RegistrarRecord) -> None:
        record_id = record.record_id or self._find_id(domain, record)
        result = self.call(
            "DisassociateDelegationSignerFromDomain",
            "disassociate_delegation_signer_from_domain",
            f"remove {record.describe()} (id {record_id}) from {domain}",
            domain=domain,
            DomainName=_domain_name(domain),
            Id=record_id,
        )
        self.wait_for(
            domain, result.get("OperationId"), f"removing DNSSEC key {record_id}"
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

    def wait_for(self, domain: str, operation_id: t.Any, what: str) -> None:
        """Poll ``GetOperationDetail`` until the operation succeeded."""
        if not operation_id:
            raise RegistrarError(
                f"Route 53 Domains returned no operation id for {what} on {domain}",
                registrar=self.label,
            )

        def poll() -> bool:
            detail = self.call(
                "GetOperationDetail",
                "get_operation_detail",
                f"poll operation {operation_id} ({what} on {domain})",
                OperationId=operation_id,
            )
            status = str(detail.get("Status", "")).upper()
            if status in OPERATION_DONE:
                return True
            if status in OPERATION_FAILED:
                message = detail.get("Message") or "no message"
                raise RegistrarError(
                    f"operation {operation_id} ({what} on {domain}) ended in "
                    f"{status}: {message}",
                    registrar=self.label,
                )
            return False

        self.wait_operation(
            poll, f"Route 53 Domains operation {operation_id} ({what} on {domain})"
        )
