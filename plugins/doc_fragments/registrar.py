# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""Documentation of the registrar options: which registrar, its credentials, its URL."""

from __future__ import annotations


class ModuleDocFragment:
    """Options of REGISTRAR_ARGUMENT_SPEC in plugins/module_utils/_registrar.py."""

    DOCUMENTATION = r"""
options:
  registrar:
    description:
      - The registrar that holds the domain, whose API receives the DS (or DNSKEY) records.
      - V(dnsimple) is DNSimple as registrar (domains registered at DNSimple), through
        C(/v2/{account}/domains/{domain}/ds_records); it takes DS data, plus the public key when it is known.
      - V(gandi) is Gandi (API v5); it takes DNSKEY data.
      - V(ovh) is OVHcloud; it takes DNSKEY data and only replaces the whole set, through a task that is
        polled until it ends.
      - V(namecom) is Name.com (Core API); it takes DS data and deletes a record by its digest.
      - V(porkbun) is Porkbun (API v3); it takes DS data and deletes every record with a given key tag at once.
      - V(route53) is Amazon Route 53 Domains; it takes DNSKEY data, and its operations are polled until they end.
      - V(manual) makes no API call at all; the module returns what a person must add or remove in the
        registrar's web form.
    type: str
    required: true
    choices: [dnsimple, gandi, ovh, namecom, porkbun, route53, manual]
  registrar_timeout:
    description:
      - Seconds to wait for the answer to one registrar API call.
      - Timeouts, rate limits (HTTP 429) and server errors are retried a few times with growing pauses.
    type: float
    default: 30
  registrar_operation_timeout:
    description:
      - Seconds to wait for an asynchronous registrar operation (an OVHcloud task, a Route 53 Domains
        operation) to end. When it has not ended by then the module fails, and a later run picks up
        from what the registrar then shows.
    type: float
    default: 300
  dnsimple_token:
    description:
      - DNSimple API access token (account or user token), used with O(registrar=dnsimple).
      - When not set, the environment variable E(DNSIMPLE_TOKEN) is used.
    type: str
  dnsimple_account:
    description:
      - DNSimple account id. When not set, the account of the token is asked of the API.
      - When not set, the environment variable E(DNSIMPLE_ACCOUNT) is used.
    type: str
  dnsimple_api_url:
    description:
      - Base URL of the DNSimple API, for example V(https://api.sandbox.dnsimple.com) for the sandbox.
      - When not set, the environment variable E(DNSIMPLE_API_URL) is used.
    type: str
    default: https://api.dnsimple.com
  gandi_token:
    description:
      - "Gandi personal access token, sent as C(Authorization: Bearer), used with O(registrar=gandi)."
      - It needs the permission to manage the domain's technical configuration.
      - When not set, the environment variable E(GANDI_TOKEN) is used.
    type: str
  gandi_api_url:
    description:
      - Base URL of the Gandi API, for example V(https://api.sandbox.gandi.net) for the sandbox.
      - When not set, the environment variable E(GANDI_API_URL) is used.
    type: str
    default: https://api.gandi.net
  ovh_endpoint:
    description:
      - OVHcloud API endpoint name, used with O(registrar=ovh), for example V(ovh-eu), V(ovh-ca) or V(ovh-us).
      - When not set, the environment variable E(OVH_ENDPOINT) is used.
    type: str
    default: ovh-eu
  ovh_application_key:
    description:
      - OVHcloud application key.
      - When not set, the environment variable E(OVH_APPLICATION_KEY) is used.
    type: str
  ovh_application_secret:
    description:
      - OVHcloud application secret.
      - When not set, the environment variable E(OVH_APPLICATION_SECRET) is used.
    type: str
  ovh_consumer_key:
    description:
      - OVHcloud consumer key, allowed to read and write C(/domain/*/dsRecord).
      - When not set, the environment variable E(OVH_CONSUMER_KEY) is used.
    type: str
  ovh_api_url:
    description:
      - Base URL of the OVHcloud API; overrides the URL of O(ovh_endpoint).
      - When not set, the environment variable E(OVH_API_URL) is used.
    type: str
  namecom_username:
    description:
      - Name.com user name, used with O(registrar=namecom). In Name.com's test environment it ends in C(-test).
      - When not set, the environment variable E(NAMECOM_USERNAME) is used.
    type: str
  namecom_token:
    description:
      - Name.com API token, sent with O(namecom_username) by HTTP Basic authentication.
      - When not set, the environment variable E(NAMECOM_TOKEN) is used.
    type: str
  namecom_api_url:
    description:
      - Base URL of the Name.com API, for example V(https://api.dev.name.com) for the test environment.
      - When not set, the environment variable E(NAMECOM_API_URL) is used.
    type: str
    default: https://api.name.com
  porkbun_api_key:
    description:
      - Porkbun API key, used with O(registrar=porkbun). The domain must have API access turned on at Porkbun.
      - When not set, the environment variable E(PORKBUN_API_KEY) is used.
    type: str
  porkbun_secret_api_key:
    description:
      - Porkbun secret API key.
      - When not set, the environment variable E(PORKBUN_SECRET_API_KEY) is used.
    type: str
  porkbun_api_url:
    description:
      - Base URL of the Porkbun API (the path C(/api/json/v3) is added).
      - When not set, the environment variable E(PORKBUN_API_URL) is used.
    type: str
    default: https://api.porkbun.com
  aws_access_key_id:
    description:
      - AWS access key id, used with O(registrar=route53).
      - When not set, the environment variable E(AWS_ACCESS_KEY_ID) is used, and otherwise the usual
        boto3 credential chain (profile, instance role).
    type: str
  aws_secret_access_key:
    description:
      - AWS secret access key.
      - When not set, the environment variable E(AWS_SECRET_ACCESS_KEY) is used.
    type: str
  aws_session_token:
    description:
      - AWS session token, for temporary credentials.
      - When not set, the environment variable E(AWS_SESSION_TOKEN) is used.
    type: str
  aws_region:
    description:
      - AWS region of the Route 53 Domains API; V(us-east-1) is the only one it has.
      - When not set, the environment variable E(AWS_REGION) is used.
    type: str
    default: us-east-1
  route53_api_url:
    description:
      - Endpoint URL of the Route 53 Domains API, to use another endpoint than AWS's own.
      - When not set, the environment variable E(ROUTE53_API_URL) is used.
    type: str
notes:
  - Every credential option is kept out of the output (C(no_log)), and the messages of failed API calls
    never quote it.
"""
