# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

from __future__ import annotations

import json
import typing as t

import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber

from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import make_ds
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar import (
    AuthenticationError,
    DomainNotFoundError,
    OperationTimeoutError,
    RegistrarError,
    RegistrarRecord,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar_route53 import (
    Route53Registrar,
)
from ansible_collections.dnsops.dnssec.tests.unit.plugins.module_utils.registrar_transport import (
    KEY,
    Clock,
    assert_quotes,
)

ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "FwoGZXIvYXdzEJr-session-token-example"
DOMAIN = "example.com"
DS = make_ds(DOMAIN, KEY, 2)
LISTED = {
    "Algorithm": 13,
    "Flags": 257,
    "PublicKey": KEY.public_key,
    "DigestType": 2,
    "Digest": DS.digest,
    "KeyTag": DS.key_tag,
    "Id": "4c0e1ba2-7f1a-4b84-9b8f-0c5e0f2f3b8e",
}
OPERATION = "308c56712-faa4-40fe-94c8-b423069de3f6"


PARAMS = {
    "aws_access_key_id": ACCESS_KEY,
    "aws_secret_access_key": SECRET_KEY,
    "aws_session_token": None,
    "aws_region": "us-east-1",
    "route53_api_url": None,
    "registrar_timeout": 5,
    "registrar_operation_timeout": 30,
}


@pytest.fixture
def route53():
    clock = Clock()
    registrar = Route53Registrar(dict(PARAMS), sleep=clock.sleep, clock=clock)
    stubber = Stubber(registrar.client)
    stubber.activate()
    yield registrar, stubber, clock
    stubber.deactivate()


def operation(status: str, message: str | None = None) -> dict[str, t.Any]:
    detail = {
        "OperationId": OPERATION,
        "Status": status,
        "DomainName": DOMAIN,
        "Type": "ADD_DNSSEC",
    }
    if message:
        detail["Message"] = message
    return detail


def test_list_reads_dnssec_keys_with_the_registry_digest(route53):
    registrar, stubber, _clock = route53
    stubber.add_response(
        "get_domain_detail",
        {"DomainName": DOMAIN, "DnssecKeys": [LISTED]},
        expected_params={"DomainName": DOMAIN},
    )

    records = registrar.list_records(DOMAIN + ".")

    stubber.assert_no_pending_responses()
    assert records == [RegistrarRecord(ds=DS, dnskey=KEY, record_id=LISTED["Id"])]
    assert registrar.operations == [
        {
            "method": "POST",
            "url": "https://route53domains.us-east-1.amazonaws.com/",
            "status": 200,
            "summary": "GetDomainDetail: read the DNSSEC keys of example.com.",
        }
    ]


def test_list_of_a_domain_without_keys(route53):
    registrar, stubber, _clock = route53
    stubber.add_response("get_domain_detail", {"DomainName": DOMAIN})

    assert registrar.list_records(DOMAIN) == []


def test_add_associates_the_key_and_polls_the_operation(route53):
    registrar, stubber, clock = route53
    stubber.add_response(
        "associate_delegation_signer_to_domain",
        {"OperationId": OPERATION},
        expected_params={
            "DomainName": DOMAIN,
            "SigningAttributes": {
                "Algorithm": 13,
                "Flags": 257,
                "PublicKey": KEY.public_key,
            },
        },
    )
    for status in ("SUBMITTED", "IN_PROGRESS", "SUCCESSFUL"):
        stubber.add_response(
            "get_operation_detail",
            operation(status),
            expected_params={"OperationId": OPERATION},
        )

    registrar.add_record(DOMAIN, RegistrarRecord(ds=DS, dnskey=KEY))

    stubber.assert_no_pending_responses()
    assert clock.sleeps == [1.0, 2.0]
    assert [op["summary"].split(":")[0] for op in registrar.operations] == [
        "AssociateDelegationSignerToDomain",
        "GetOperationDetail",
        "GetOperationDetail",
        "GetOperationDetail",
    ]


def test_remove_disassociates_by_id(route53):
    registrar, stubber, _clock = route53
    stubber.add_response(
        "disassociate_delegation_signer_from_domain",
        {"OperationId": OPERATION},
        expected_params={"DomainName": DOMAIN, "Id": LISTED["Id"]},
    )
    stubber.add_response("get_operation_detail", operation("SUCCESSFUL"))

    registrar.remove_record(
        DOMAIN, RegistrarRecord(ds=DS, dnskey=KEY, record_id=LISTED["Id"])
    )

    stubber.assert_no_pending_responses()


def test_remove_without_id_looks_it_up(route53):
    registrar, stubber, _clock = route53
    stubber.add_response(
        "get_domain_detail", {"DomainName": DOMAIN, "DnssecKeys": [LISTED]}
    )
    stubber.add_response(
        "disassociate_delegation_signer_from_domain",
        {"OperationId": OPERATION},
        expected_params={"DomainName": DOMAIN, "Id": LISTED["Id"]},
    )
    stubber.add_response("get_operation_detail", operation("SUCCESSFUL"))

    registrar.remove_record(DOMAIN, RegistrarRecord(ds=DS))

    stubber.assert_no_pending_responses()


@pytest.mark.parametrize("status", ["ERROR", "FAILED"])
def test_failed_operation_quotes_its_message(route53, status):
    registrar, stubber, _clock = route53
    stubber.add_response(
        "associate_delegation_signer_to_domain", {"OperationId": OPERATION}
    )
    stubber.add_response(
        "get_operation_detail", operation(status, "The registry rejected the key")
    )

    with pytest.raises(
        RegistrarError, match=f"ended in {status}: The registry rejected"
    ):
        registrar.add_record(DOMAIN, RegistrarRecord(dnskey=KEY))


def test_operation_that_stays_pending_times_out(route53):
    registrar, stubber, clock = route53
    stubber.add_response(
        "associate_delegation_signer_to_domain", {"OperationId": OPERATION}
    )
    for status in ["IN_PROGRESS"] * 10:
        stubber.add_response("get_operation_detail", operation(status))

    with pytest.raises(OperationTimeoutError, match="did not finish within 30 seconds"):
        registrar.add_record(DOMAIN, RegistrarRecord(dnskey=KEY))

    assert clock.now == pytest.approx(30)


def test_add_refuses_ds_only_record_without_a_call(route53):
    registrar, stubber, _clock = route53

    with pytest.raises(RegistrarError, match="takes DNSKEY data"):
        registrar.add_record(DOMAIN, RegistrarRecord(ds=DS))

    stubber.assert_no_pending_responses()
    assert registrar.operations == []


@pytest.mark.parametrize(
    "method, code, status, error",
    [
        ("get_domain_detail", "UnrecognizedClientException", 400, AuthenticationError),
        ("get_domain_detail", "InvalidSignatureException", 400, AuthenticationError),
        ("get_domain_detail", "AccessDeniedException", 403, AuthenticationError),
        ("get_domain_detail", "InvalidInput", 400, DomainNotFoundError),
        ("get_domain_detail", "UnsupportedTLD", 400, RegistrarError),
    ],
)
def test_errors_quote_aws_and_never_a_secret(route53, method, code, status, error):
    registrar, stubber, _clock = route53
    message = f"AWS says {code} for {ACCESS_KEY}"
    stubber.add_client_error(
        method,
        service_error_code=code,
        service_message=message,
        http_status_code=status,
    )

    with pytest.raises(error) as caught:
        registrar.list_records(DOMAIN)

    secrets = (ACCESS_KEY, SECRET_KEY)
    words = f"{code}: AWS says {code}"
    assert_quotes(
        caught.value, words, "Route 53 Domains", secrets, registrar.operations
    )
    assert caught.type is error
    assert registrar.operations[0]["status"] == status


def test_invalid_input_on_a_write_is_not_domain_not_found(route53):
    registrar, stubber, _clock = route53
    stubber.add_client_error(
        "associate_delegation_signer_to_domain",
        service_error_code="InvalidInput",
        service_message="Invalid public key",
        http_status_code=400,
    )

    with pytest.raises(RegistrarError) as caught:
        registrar.add_record(DOMAIN, RegistrarRecord(dnskey=KEY))

    assert caught.type is RegistrarError
    assert "InvalidInput: Invalid public key" in str(caught.value)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **kwargs: t.Any):
        yield self.body


def test_wire_format_is_signed_aws_json(monkeypatch):
    params = dict(PARAMS, aws_session_token=SESSION_TOKEN)
    registrar = Route53Registrar(params)
    sent = []

    def answer(request, **kwargs):
        sent.append(request)
        body = json.dumps({"DomainName": DOMAIN, "DnssecKeys": [LISTED]}).encode()
        return AWSResponse(request.url, 200, {}, _Raw(body))

    registrar.client.meta.events.register("before-send.route53domains", answer)

    assert len(registrar.list_records(DOMAIN)) == 1

    (request,) = sent
    assert request.method == "POST"
    assert request.url == "https://route53domains.us-east-1.amazonaws.com/"
    assert (
        request.headers["X-Amz-Target"] == b"Route53Domains_v20140515.GetDomainDetail"
    )
    assert request.headers["Content-Type"] == b"application/x-amz-json-1.1"
    authorization = request.headers["Authorization"].decode()
    assert authorization.startswith(f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/")
    assert "/us-east-1/route53domains/aws4_request" in authorization
    assert SECRET_KEY not in authorization
    assert request.headers["X-Amz-Security-Token"] == SESSION_TOKEN.encode()
    assert json.loads(request.body) == {"DomainName": DOMAIN}


def test_route53_api_url_points_the_client_elsewhere():
    registrar = Route53Registrar(dict(PARAMS, route53_api_url="http://127.0.0.1:9100"))

    assert registrar.client.meta.endpoint_url == "http://127.0.0.1:9100"
    assert registrar.client.meta.region_name == "us-east-1"
