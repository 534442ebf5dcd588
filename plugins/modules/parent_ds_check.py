#!/usr/bin/python
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: parent_ds_check
short_description: Check that every parent server serves, or no longer serves, DS records
version_added: 0.1.0
description:
  - Asks every address (IPv4 and IPv6) of every authoritative server of the parent zone of O(domain)
    for the DS set of O(domain), all at once, and judges whether O(state) holds for O(records).
  - The parent zone is found from the parent side of the zone cut (the zone holding the delegation,
    which is not always the next label up); the DS set is never asked of the child's own servers.
  - Each address is asked directly, without recursion, with the DNSSEC OK bit, over UDP and then TCP
    when the answer is truncated. Only an authoritative answer counts. A timeout, SERVFAIL, REFUSED,
    referral or answer without the AA flag makes the result V(unknown), never present or absent.
  - With O(wait_timeout), checks again with growing pauses until the state holds. A state that does
    not hold when the time is up fails the task with a message naming each parent server address that
    disagrees and what it answered; the full report is returned with the failure.
  - With O(validate=true), also fetches the DNSKEY RRset from every address of every child server and
    checks that the DS set on every parent server address validates it.
  - This module only reads DNS; it never changes anything.
author:
  - dnsops.dnssec contributors (@dnsops)
extends_documentation_fragment:
  - dnsops.dnssec.attributes
  - dnsops.dnssec.attributes.INFO_MODULE
  - dnsops.dnssec.resolver
options:
  domain:
    description:
      - The zone whose DS records to check, for example V(example.com). It must exist and be a zone.
    type: str
    required: true
  records:
    description:
      - The DS records to look for.
      - Each item is either presentation text, a bare record such as V(60812 8 2 42AE...) or a whole one
        such as V(example.com. 3600 IN DS 60812 8 2 42AE...), or a dictionary with C(key_tag) (or
        C(keytag)), C(algorithm), C(digest_type) and C(digest), whose values may be integers or strings.
        DNSimple's C(delegation_signer_record) from a C(dnssec.rotation_start) or
        C(dnssec.rotation_complete) webhook can be passed as it is.
      - Digests compare case-insensitively.
      - Required, with at least one record, when O(state=present) or O(state=absent). With
        O(state=exact), an empty list checks that the parent serves no DS at all.
    type: list
    elements: raw
    default: []
  state:
    description:
      - V(present) holds when every parent server address answered authoritatively and serves every
        record of O(records). Other DS records next to them, such as extra digests a registry adds,
        are allowed.
      - V(absent) holds when every parent server address answered authoritatively and none serves any
        record of O(records).
      - V(exact) holds when every parent server address answered authoritatively and serves exactly the
        records of O(records), nothing more and nothing less.
    type: str
    choices: [present, absent, exact]
    default: present
  wait_timeout:
    description:
      - Seconds to keep checking until the state holds. Between checks the module pauses 1, 2, 4 ...
        seconds, at most 30 seconds, and never past this deadline.
      - V(0) checks once.
    type: float
    default: 0
  parent_servers:
    description:
      - Host names or IP addresses of the parent servers to ask, instead of discovering them through
        O(resolvers). A host name counts with every A and AAAA address it has.
      - The parent zone reported in RV(parent_zone) is then taken from the servers' answers.
    type: list
    elements: str
  validate:
    description:
      - Also check the chain of trust. The DNSKEY RRset and its signatures are fetched from every
        address of every child server the parent delegates O(domain) to; the keys that count are those
        whose signature over the DNSKEY RRset validates on every child server address.
      - The check then also fails when a parent server address serves a DS set in which no SHA-256 or
        SHA-384 DS matches such a key, because validating resolvers answer SERVFAIL for the domain.
        A SHA-1 DS that matches does not count, because validators ignore SHA-1 digests when others are present
        (RFC 4509) and may not support SHA-1 at all (RFC 8624).
      - A parent server address that serves no DS at all is an insecure delegation and does not fail
        this check.
      - Each record of RV(records) then says whether it matches a key of the child (C(matches_child_key))
        and whether validators can use it (C(validates)).
    type: bool
    default: false
notes:
  - The wall time of one check is that of the slowest parent server address, not the sum, because all
    addresses are asked concurrently.
  - O(resolvers) are only used to find names and addresses. Give the addresses of resolvers that can
    resolve the parent zone's servers; a resolver that does not answer gives a clear error.
seealso:
  - name: RFC 4034, section 5
    description: The DS record.
    link: https://www.rfc-editor.org/rfc/rfc4034#section-5
  - name: RFC 4509
    description: SHA-256 digests in DS records, and why validators ignore SHA-1 ones next to them.
    link: https://www.rfc-editor.org/rfc/rfc4509
"""

EXAMPLES = r"""
- name: Wait up to ten minutes until every parent server serves the new DS
  dnsops.dnssec.parent_ds_check:
    domain: example.com
    records:
      - 60812 8 2 42AE4E97A53AE2A3F1B5E2BD7A3F32A11D6DCE7DA2E38B7C87A24D2C8C2B8CF1
    state: present
    wait_timeout: 600
  register: new_ds

- name: Show which parent server addresses serve it
  ansible.builtin.debug:
    msg: "{{ new_ds.records[0].served_by }}"

- name: Check, once, that the old DS from DNSimple's webhook is gone from every parent server
  dnsops.dnssec.parent_ds_check:
    domain: "{{ event.payload.data.zone.name }}"
    records:
      - "{{ event.payload.data.delegation_signer_record }}"
    state: absent
    resolvers:
      - 192.0.2.53
  register: old_ds
  ignore_errors: true

- name: Retry later when a parent server did not answer
  ansible.builtin.debug:
    msg: "Some parent server did not answer: {{ old_ds.msg }}"
  when: old_ds.outcome == 'unknown'

- name: Check that the parent serves exactly this DS set and that it validates the child
  dnsops.dnssec.parent_ds_check:
    domain: example.co.uk
    records:
      - key_tag: 60812
        algorithm: 13
        digest_type: 2
        digest: 42ae4e97a53ae2a3f1b5e2bd7a3f32a11d6dce7da2e38b7c87a24d2c8c2b8cf1
    state: exact
    validate: true
  register: chain

- name: List the parent server addresses whose DS set would break validation
  ansible.builtin.debug:
    msg: "{{ chain.chain.reasons }}"
  when: chain.chain.outcome != 'holds'

- name: Ask given parent servers instead of discovering them
  dnsops.dnssec.parent_ds_check:
    domain: example.com
    records:
      - 60812 8 2 42AE4E97A53AE2A3F1B5E2BD7A3F32A11D6DCE7DA2E38B7C87A24D2C8C2B8CF1
    parent_servers:
      - a.gtld-servers.net
      - 192.0.2.1
  register: given
"""

RETURN = r"""
parent_zone:
  description: The zone that holds the delegation of O(domain), absolute.
  returned: success and when the parent was found
  type: str
  sample: com.
holds:
  description: Whether O(state) holds on every parent server address (and, with O(validate=true), the chain of trust).
  returned: always
  type: bool
  sample: true
outcome:
  description:
    - V(holds), V(fails) (some address answered against the state) or V(unknown) (some address gave no
      usable answer, so the state can be neither confirmed nor refuted).
  returned: success and when the parent was found
  type: str
  sample: holds
state:
  description: The state that was checked, O(state).
  returned: always
  type: str
  sample: present
checks:
  description: How many times every parent server address was asked.
  returned: success and when the parent was found
  type: int
  sample: 3
elapsed:
  description: Seconds spent checking and waiting.
  returned: success and when the parent was found
  type: float
  sample: 4.21
disagreeing:
  description: The parent server addresses that answered against the state or gave no usable answer.
  returned: success and when the parent was found
  type: list
  elements: str
  sample: ["fd53::3"]
servers:
  description: One entry per parent server address, with what it answered in the last check.
  returned: success and when the parent was found
  type: list
  elements: dict
  contains:
    server:
      description: Host name of the parent server, absolute, or the address when given as one in O(parent_servers).
      type: str
      sample: a.gtld-servers.net.
    address:
      description: The IPv4 or IPv6 address that was asked.
      type: str
      sample: 192.5.6.30
    status:
      description:
        - V(answer) (authoritative, with DS records), V(nodata) (authoritative, no DS), V(nxdomain)
          (authoritative, the name does not exist), V(referral), V(timeout), V(servfail), V(refused),
          V(not_authoritative) (no AA flag) or V(error).
      type: str
      sample: answer
    rcode:
      description: The response code, or V(null) when there was no response.
      type: str
      sample: NOERROR
    flags:
      description: The header flags of the response, with V(DO) when the answer had the DNSSEC OK bit.
      type: list
      elements: str
      sample: [QR, AA, DO]
    records:
      description: The DS records served, in presentation format with upper-case digests.
      type: list
      elements: str
      sample: ["60812 8 2 42AE4E97A53AE2A3F1B5E2BD7A3F32A11D6DCE7DA2E38B7C87A24D2C8C2B8CF1"]
    ttl:
      description: TTL of the DS RRset, or the negative caching TTL of a NODATA or NXDOMAIN answer.
      type: int
      sample: 86400
    error:
      description: What went wrong, for a status other than V(answer), V(nodata) and V(nxdomain).
      type: str
      sample: "timeout: no answer within 5 s (3 tries)"
    validating:
      description: With O(validate=true), the DS records of this address that validate the child.
      type: list
      elements: str
      returned: when O(validate=true) and the address answered
      sample: ["60812 8 2 42AE4E97A53AE2A3F1B5E2BD7A3F32A11D6DCE7DA2E38B7C87A24D2C8C2B8CF1"]
records:
  description: One entry per record of O(records), with where it is served and where not.
  returned: success and when the parent was found
  type: list
  elements: dict
  contains:
    key_tag:
      description: Key tag of the DS.
      type: int
      sample: 60812
    algorithm:
      description: Algorithm number of the DS.
      type: int
      sample: 8
    digest_type:
      description: Digest type of the DS (2 is SHA-256, 4 is SHA-384).
      type: int
      sample: 2
    digest:
      description: The digest in upper-case hex.
      type: str
      sample: 42AE4E97A53AE2A3F1B5E2BD7A3F32A11D6DCE7DA2E38B7C87A24D2C8C2B8CF1
    text:
      description: The DS in presentation format.
      type: str
      sample: 60812 8 2 42AE4E97A53AE2A3F1B5E2BD7A3F32A11D6DCE7DA2E38B7C87A24D2C8C2B8CF1
    served_by:
      description: Parent server addresses that serve this DS.
      type: list
      elements: str
      sample: [192.5.6.30, "2001:503:a83e::2:30"]
    missing_from:
      description: Parent server addresses that answered authoritatively without this DS.
      type: list
      elements: str
      sample: []
    unknown:
      description: Parent server addresses that gave no usable answer.
      type: list
      elements: str
      sample: []
    matches_child_key:
      description: With O(validate=true), whether the DS matches a DNSKEY the child servers publish, with any digest type.
      type: bool
      returned: when O(validate=true)
      sample: true
    validates:
      description:
        - With O(validate=true), whether validators can build the chain of trust on this DS
          (a SHA-256 or SHA-384 digest of a key that signs the child's DNSKEY RRset).
      type: bool
      returned: when O(validate=true)
      sample: true
chain:
  description: With O(validate=true), the chain-of-trust check.
  returned: when O(validate=true) and the child servers were found
  type: dict
  contains:
    outcome:
      description:
        - V(holds) (every parent server address that serves DS records serves one that validates),
          V(fails) (some does not; validating resolvers answer SERVFAIL) or V(unknown) (a child server did not answer).
      type: str
      sample: holds
    child_servers:
      description: One entry per child server address with what it answered to the DNSKEY query; the same keys as RV(servers).
      type: list
      elements: dict
      sample: []
    signing_keys:
      description: The DNSKEYs whose signature over the DNSKEY RRset validates on every child server address.
      type: list
      elements: dict
      sample: [{flags: 257, protocol: 3, algorithm: 13, public_key: "mdsswUyr3DPW...", key_tag: 60812, text: "257 3 13 mdsswUyr3DPW..."}]
    validating:
      description: Parent server address to the DS records it serves that validate the child.
      type: dict
      sample: {192.5.6.30: ["60812 8 2 42AE4E97A53AE2A3F1B5E2BD7A3F32A11D6DCE7DA2E38B7C87A24D2C8C2B8CF1"]}
    reasons:
      description: Why the chain does not hold, one line per parent or child server address.
      type: list
      elements: str
      sample: []
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.dnsops.dnssec.plugins.module_utils._dns import (
    DNSPYTHON_IMPORT_ERROR,
    HAS_DNSPYTHON,
    RESOLVER_ARGUMENT_SPEC,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._parent import (
    run_check,
)


def main() -> None:
    argument_spec = dict(
        domain=dict(type="str", required=True),
        records=dict(type="list", elements="raw", default=[]),
        state=dict(
            type="str", default="present", choices=["present", "absent", "exact"]
        ),
        wait_timeout=dict(type="float", default=0),
        parent_servers=dict(type="list", elements="str"),
        validate=dict(type="bool", default=False),
    )
    argument_spec.update(RESOLVER_ARGUMENT_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)

    if not HAS_DNSPYTHON:
        module.fail_json(
            msg=missing_required_lib("dnspython"), error=str(DNSPYTHON_IMPORT_ERROR)
        )

    failed, result = run_check(module.params)
    if failed:
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
