# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""An AWS Route 53 Domains simulator: DNSSEC keys of registered domains.

It speaks the AWS JSON 1.1 protocol as boto3 does: ``POST /`` with
``Content-Type: application/x-amz-json-1.1`` and
``X-Amz-Target: Route53Domains_v20140515.<Operation>``.  Operations:

- ``GetDomainDetail {"DomainName"}``: ``DnssecKeys`` (``Algorithm``, ``Flags``,
  ``PublicKey``, ``DigestType``, ``Digest``, ``KeyTag``, ``Id``), ``DnsSec``.
- ``AssociateDelegationSignerToDomain {"DomainName", "SigningAttributes":
  {"Algorithm", "Flags", "PublicKey"}}`` -> ``{"OperationId"}``.
- ``DisassociateDelegationSignerFromDomain {"DomainName", "Id"}`` ->
  ``{"OperationId"}``.
- ``GetOperationDetail {"OperationId"}``: ``Status`` ``SUBMITTED``,
  ``IN_PROGRESS``, then ``SUCCESSFUL`` after ``operation_delay`` seconds, when
  the change reaches the key list and the registry.  Fault ``"pending"`` keeps
  new operations ``IN_PROGRESS`` for ever.

The ``Authorization`` header must be SigV4 for the simulator's access key id
(the signature itself is not verified); otherwise the answer is AWS's 400
``{"__type": "UnrecognizedClientException", ...}`` (or
``MissingAuthenticationTokenException`` when there is none).  Bad input is 400
``InvalidInput``; an unknown domain too, as for Route 53 Domains.
"""

from __future__ import annotations

import itertools
import re
import time
import typing as t
import uuid

from ._base import (
    DNSSEC_ALGORITHMS,
    KEY_FLAGS,
    ApiFailure,
    KeySimulator,
    Request,
    Response,
    ds_text,
    is_base64,
)

TARGET_PREFIX = "Route53Domains_v20140515."
JSON_TYPE = "application/x-amz-json-1.1"
_CREDENTIAL = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request"
)
# The AWS error code of each stock answer.
_STOCK_CODES = {
    400: "SerializationException",
    404: "UnknownOperationException",
    429: "ThrottlingException",
    500: "InternalFailure",
}


def _aws_error(code: str, message: str, status: int = 400) -> ApiFailure:
    return ApiFailure(status, {"__type": code, "message": message})


class Route53DomainsSimulator(KeySimulator):
    """Route 53 Domains' DNSSEC operations over AWS JSON 1.1.

    ``credentials`` is ``(access_key_id, secret_access_key)``; only the key id
    is checked.
    """

    name = "route53"
    key_fields = ("Flags", "Algorithm", "PublicKey")
    stock_messages = {
        400: "Start of structure or map found where not expected.",
        404: None,
        429: "Rate exceeded",
        500: "We encountered an internal error.",
    }
    retry_after = None

    def __init__(self, publish: t.Any = None, **kwargs: t.Any) -> None:
        kwargs.setdefault(
            "credentials", ("AKIALABEXAMPLE000001", "lab/secret/access/key")
        )
        super().__init__(publish, **kwargs)
        self.operations: dict[str, dict[str, t.Any]] = {}
        self._key_ids = itertools.count(1)

    def routes(self) -> None:
        self.route("POST", "/", self._dispatch_target)

    # -- state --------------------------------------------------------------

    def stored_key(
        self, name: str, flags: int, algorithm: int, public_key: str
    ) -> dict[str, t.Any]:
        tag, _algorithm, _digest_type, digest = ds_text(
            name, f"{flags} 3 {algorithm} {public_key}", 2
        ).split()
        return {
            "Algorithm": algorithm,
            "Flags": flags,
            "PublicKey": public_key,
            "DigestType": 2,
            "Digest": digest,
            "KeyTag": int(tag),
            "Id": f"{next(self._key_ids):08d}-{uuid.uuid4().hex[:8]}",
        }

    def set_status(self, view: dict[str, t.Any], status: str) -> None:
        view.update(Status=status, LastUpdatedDate=time.time())

    # -- protocol -----------------------------------------------------------

    def error_body(self, status: int, message: str) -> t.Any:
        return {"__type": _STOCK_CODES[status], "message": message}

    def _authenticate(self, request: Request) -> None:
        header = request.header("Authorization")
        if not header:
            raise _aws_error(
                "MissingAuthenticationTokenException", "Missing Authentication Token"
            )
        match = _CREDENTIAL.match(header)
        if not match or match.group(1) != self.credentials[0]:
            raise _aws_error(
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            )
        if match.group(3) != "route53domains":
            raise _aws_error(
                "InvalidSignatureException",
                "Credential should be scoped to correct service: 'route53domains'.",
            )

    def _dispatch_target(self, request: Request) -> Response:
        self._authenticate(request)
        content_type = (request.header("Content-Type") or "").split(";")[0].strip()
        if content_type != JSON_TYPE:
            raise _aws_error("UnknownOperationException", "Unsupported content type")
        target = request.header("X-Amz-Target") or ""
        if not target.startswith(TARGET_PREFIX):
            raise _aws_error("UnknownOperationException", f"Unknown target {target!r}")
        handler = {
            "GetDomainDetail": self._get_domain_detail,
            "AssociateDelegationSignerToDomain": self._associate,
            "DisassociateDelegationSignerFromDomain": self._disassociate,
            "GetOperationDetail": self._get_operation_detail,
        }.get(target[len(TARGET_PREFIX) :])
        if handler is None:
            raise _aws_error(
                "UnknownOperationException", f"Unknown operation {target!r}"
            )
        body = request.json()
        if not isinstance(body, dict):
            raise _aws_error("SerializationException", "Expected a JSON object")
        self.advance()
        result = handler(body)
        return Response(200, result, {"x-amzn-RequestId": str(uuid.uuid4())})

    def _domain(self, body: dict[str, t.Any]) -> str:
        name = body.get("DomainName")
        if not isinstance(name, str) or not name:
            raise _aws_error("InvalidInput", "1 validation error detected: DomainName")
        name = name.rstrip(".").lower()
        if name not in self.domains:
            raise _aws_error(
                "InvalidInput",
                f"Domain {name} not found in account.",
            )
        return name

    # -- operations ---------------------------------------------------------

    def _get_domain_detail(self, body: dict[str, t.Any]) -> dict[str, t.Any]:
        name = self._domain(body)
        keys = self.records(name)
        return {
            "DomainName": name,
            "Nameservers": [],
            "RegistrarName": "Amazon Registrar, Inc.",
            "DnsSec": "SIGNED" if keys else "UNSIGNED",
            "StatusList": ["clientTransferProhibited"],
            "DnssecKeys": keys,
        }

    def _associate(self, body: dict[str, t.Any]) -> dict[str, t.Any]:
        name = self._domain(body)
        attributes = body.get("SigningAttributes")
        if not isinstance(attributes, dict):
            raise _aws_error(
                "InvalidInput", "1 validation error detected: SigningAttributes"
            )
        algorithm, flags = attributes.get("Algorithm"), attributes.get("Flags")
        public_key = attributes.get("PublicKey")
        if algorithm not in DNSSEC_ALGORITHMS:
            raise _aws_error(
                "InvalidInput", f"Unsupported DNSSEC algorithm {algorithm!r}."
            )
        if flags not in KEY_FLAGS:
            raise _aws_error("InvalidInput", f"Invalid flags {flags!r}.")
        if not isinstance(public_key, str):
            raise _aws_error("InvalidInput", "PublicKey is required.")
        if not is_base64(public_key):
            raise _aws_error("InvalidInput", "PublicKey is not valid base64.")
        if any(key["PublicKey"] == public_key for key in self.domains[name]):
            raise _aws_error("DuplicateRequest", "This key is already associated.")
        if len(self.domains[name]) >= 5:
            raise _aws_error("DnssecLimitExceeded", "DNSSEC key limit reached.")

        def apply() -> None:
            self.domains[name].append(
                self.stored_key(name, flags, algorithm, public_key)
            )

        return {"OperationId": self._operation(name, "ADD_DNSSEC", apply)}

    def _disassociate(self, body: dict[str, t.Any]) -> dict[str, t.Any]:
        name = self._domain(body)
        key_id = body.get("Id")
        if not isinstance(key_id, str) or not any(
            key["Id"] == key_id for key in self.domains[name]
        ):
            raise _aws_error("InvalidInput", f"DNSSEC key {key_id!r} not found.")

        def apply() -> None:
            self.domains[name] = [
                key for key in self.domains[name] if key["Id"] != key_id
            ]

        return {"OperationId": self._operation(name, "REMOVE_DNSSEC", apply)}

    def _get_operation_detail(self, body: dict[str, t.Any]) -> dict[str, t.Any]:
        operation = self.operations.get(str(body.get("OperationId")))
        if operation is None:
            raise _aws_error(
                "InvalidInput", f"Operation {body.get('OperationId')!r} not found."
            )
        return dict(operation)

    def _operation(self, name: str, kind: str, apply: t.Callable[[], None]) -> str:
        operation_id = str(uuid.uuid4())
        self.operations[operation_id] = {
            "OperationId": operation_id,
            "DomainName": name,
            "Type": kind,
            "SubmittedDate": time.time(),
        }

        def finish() -> None:
            apply()
            self.publish_domain(name)

        self.submit(self.operations[operation_id], finish)
        return operation_id
