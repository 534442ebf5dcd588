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

import typing as t

from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar import (
    AuthenticationError,
    Registrar,
    RegistrarError,
    RegistrarRecord,
    bare_domain,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._version import (
    COLLECTION_NAME,
    COLLECTION_VERSION,
)

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


class Route53Registrar(Registrar):
    """AWS Route 53 Domains as registrar: asynchronous per-key operations."""

    name = "route53"
    title = "Route 53 Domains"
    takes = "dnskey"
    default_api_url = "https://route53domains.us-east-1.amazonaws.com"

    def __init__(
        self, params: t.Mapping[str, t.Any], client: t.Any = None, **kwargs: t.Any
    ) -> None:
        super().__init__(params, **kwargs)
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
            return self.refused(text, status)
        # GetDomainDetail has no input but the domain name.
        if operation == "GetDomainDetail" and code == "InvalidInput":
            return self.unknown_domain(domain, text, status)
        return RegistrarError(text, status=status, registrar=self.label)

    # -- records ------------------------------------------------------------

    def list_records(self, domain: str) -> list[RegistrarRecord]:
        detail = self.call(
            "GetDomainDetail",
            "get_domain_detail",
            f"read the DNSSEC keys of {domain}",
            domain=domain,
            DomainName=bare_domain(domain),
        )
        return [
            self.key_entry(
                domain,
                entry.get("Id"),
                {
                    "flags": entry.get("Flags", 257),
                    "algorithm": entry.get("Algorithm"),
                    "public_key": entry.get("PublicKey"),
                },
                {
                    "key_tag": entry.get("KeyTag"),
                    "digest_type": entry.get("DigestType"),
                    "digest": entry.get("Digest"),
                },
            )
            for entry in detail.get("DnssecKeys") or []
        ]

    def add_record(self, domain: str, record: RegistrarRecord) -> None:
        key = self.key_of(record)
        result = self.call(
            "AssociateDelegationSignerToDomain",
            "associate_delegation_signer_to_domain",
            f"add DNSKEY {key.key_tag} (algorithm {key.algorithm}) to {domain}",
            domain=domain,
            DomainName=bare_domain(domain),
            SigningAttributes={
                "Algorithm": key.algorithm,
                "Flags": key.flags,
                "PublicKey": key.public_key,
            },
        )
        self.wait_for(domain, result.get("OperationId"), f"adding DNSKEY {key.key_tag}")

    def remove_record(self, domain: str, record: RegistrarRecord) -> None:
        record_id = self.listed_id(domain, record)
        result = self.call(
            "DisassociateDelegationSignerFromDomain",
            "disassociate_delegation_signer_from_domain",
            f"remove {record.describe()} (id {record_id}) from {domain}",
            domain=domain,
            DomainName=bare_domain(domain),
            Id=record_id,
        )
        self.wait_for(
            domain, result.get("OperationId"), f"removing DNSSEC key {record_id}"
        )

    def wait_for(self, domain: str, operation_id: t.Any, what: str) -> None:
        """Poll ``GetOperationDetail`` until the operation succeeded."""
        if not operation_id:
            raise RegistrarError(
                f"Route 53 Domains returned no operation id for {what} on {domain}",
                registrar=self.label,
            )
        self.wait_until_done(
            f"Route 53 Domains operation {operation_id} ({what} on {domain})",
            lambda: self.call(
                "GetOperationDetail",
                "get_operation_detail",
                f"poll operation {operation_id} ({what} on {domain})",
                OperationId=operation_id,
            ),
            status_key="Status",
            done=OPERATION_DONE,
            failed=OPERATION_FAILED,
            reason_key="Message",
        )
