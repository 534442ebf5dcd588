#!/usr/bin/python
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: dnssec_ds_record
short_description: Add and remove a domain's DS records at its registrar, never breaking the chain of trust
version_added: 0.1.0
description:
  - Reads the DS (or DNSKEY) set the registrar holds for a domain, works out the difference to O(records)
    or O(keys) for the O(state) asked, writes only that difference through the registrar's API (additions
    before removals), and reads the set back.
  - Some registrars take DS data, others DNSKEY data. The module supplies the other form from the child zone
    (the DNSKEY is fetched from the child servers and checked against the DS before it is sent), or computes
    the DS from a key with O(digest_type).
  - "Safety by default: it refuses to add a DS for a key that does not sign the DNSKEY RRset on every address
    of every child server, and to remove a DS when, afterwards, no DS that stays at the registrar and is
    already served by every parent server would validate the child. It also refuses a change that would put
    an algorithm into the DS set that does not sign the child, and never submits SHA-1 or GOST digests."
  - The gate judges the chain of trust as it stands now. Whether the remaining DS has been served by every
    parent server for at least its TTL is judged by M(dnsops.dnssec.dnssec_rotation_info) and the
    C(dnsops.dnssec.rotation) role, which keep that evidence; use them to decide when to remove an old DS.
  - With O(registrar=manual) no API is called; the module returns in RV(instructions) exactly what a person
    must add or remove in the registrar's web form, worked out against the DS set the parent servers serve.
author:
  - dnsops.dnssec contributors (@dnsops)
extends_documentation_fragment:
  - dnsops.dnssec.attributes
  - dnsops.dnssec.registrar
  - dnsops.dnssec.resolver
attributes:
  check_mode:
    support: full
    details:
      - The registrar's set is read and the safety gate runs; no write call is made.
  diff_mode:
    support: full
    details:
      - The diff shows the registrar's set before and after, one record per line.
  idempotent:
    support: full
    details:
      - A second run with the same arguments finds nothing to change and makes no write call.
options:
  domain:
    description:
      - The domain whose DS set is changed, for example V(example.com).
    type: str
    required: true
  records:
    description:
      - DS records, each as text (V(60812 8 2 42AE...), with or without owner, TTL and type) or as a dict
        with C(key_tag) (or C(keytag)), C(algorithm), C(digest_type) and C(digest).
      - For registrars that take DNSKEY data, the key each DS was made from is looked up in the child zone.
      - At least one of O(records) and O(keys) is required; both may be given.
    type: list
    elements: raw
  keys:
    description:
      - DNSKEY records (usually KSKs), each as text (V(257 3 13 base64...)) or as a dict with C(flags),
        C(protocol), C(algorithm) and C(public_key).
      - For registrars that take DS data, the DS is computed with O(digest_type).
    type: list
    elements: raw
  state:
    description:
      - V(present) adds the records that are missing and removes nothing.
      - V(absent) removes the records given, when the safety gate allows it.
      - V(exact) makes the registrar's set exactly the records given, adding first and then removing the rest
        the safety gate allows removing. Extra digests a registry added for a wanted key (SHA-1, SHA-384) are
        left in place.
    type: str
    choices: [present, absent, exact]
    default: present
  digest_type:
    description:
      - Digest type of the DS records computed from O(keys), for registrars that take DS data.
      - V(2) is SHA-256, V(4) is SHA-384. SHA-1 (1) and GOST (3) are never generated.
    type: int
    choices: [2, 4]
    default: 2
  allow_unsafe:
    description:
      - B(Dangerous.) Skips the chain-of-trust checks (adding only keys the child signs with, never removing the
        last DS that validates the child, the algorithm rule), for recovering a domain whose chain of trust is
        already broken or whose child servers cannot be reached.
      - A wrong change made with this option makes every validating resolver answer SERVFAIL for the domain.
      - SHA-1 and GOST digests are refused even with this option.
    type: bool
    default: false
notes:
  - Porkbun deletes by key tag, which removes every DS with that tag; the module judges that whole effect and
    adds back any wanted record it took along.
  - Porkbun lists DS records as an object keyed by key tag, so of two DS records with the same key tag only one
    shows; the read-back after a write reports a record that does not show.
  - A registrar whose only write replaces the whole set (OVHcloud) is read again right before the write, so a
    record someone else added in the meantime is kept.
seealso:
  - module: dnsops.dnssec.parent_ds_check
  - module: dnsops.dnssec.dnssec_rotation_info
"""

EXAMPLES = r"""
- name: Add the new DS at Name.com once the new KSK signs the zone
  dnsops.dnssec.dnssec_ds_record:
    domain: example.com
    registrar: namecom
    namecom_username: "{{ namecom_user }}"
    namecom_token: "{{ namecom_token }}"
    records:
      - "2371 13 2 1F987CC6583E92DF0890718C42A2A2AE8DD1F5ED9C8F3B7F0D5D0EBA67FE4C0F"
    state: present
  register: ds_added

- name: Show the API calls that were made
  ansible.builtin.debug:
    var: ds_added.operations
  when: ds_added is changed

- name: Make Gandi hold exactly the new KSK (the old one's DS is removed when it is safe)
  dnsops.dnssec.dnssec_ds_record:
    domain: example.com
    registrar: gandi
    keys:
      - "257 3 13 kXo2gYkTmCOlXDeGr/6ZZ/wUQLyImqOtMjTfhkGnUTCfwaGWdyFqNqvKWfpfSjUYdzCnGPDsqSaLgCZyMz0mSA=="
    state: exact
  register: ds_exact
  # GANDI_TOKEN is taken from the environment.

- name: Fail loudly when the registrar does not show the new record
  ansible.builtin.assert:
    that:
      - ds_exact.after | map(attribute='dnskey') | select | map(attribute='key_tag') | list is contains(2371)

- name: Tell a person what to change at a registrar without an API
  dnsops.dnssec.dnssec_ds_record:
    domain: example.org
    registrar: manual
    records: "{{ new_ds_records }}"
  register: ds_manual

- name: Print the web form entries
  ansible.builtin.debug:
    msg: "{{ ds_manual.instructions | map(attribute='text') | list }}"
"""

RETURN = r"""
changed:
  description: Whether the registrar's set was (or, in check mode, would be) changed. Always V(false) with O(registrar=manual).
  returned: always
  type: bool
  sample: true
domain:
  description: The domain, without the final dot.
  returned: always
  type: str
  sample: example.com
registrar:
  description: The registrar adapter used.
  returned: always
  type: str
  sample: namecom
state:
  description: The O(state) asked for.
  returned: always
  type: str
  sample: present
before:
  description:
    - The registrar's set before the change, as its API listed it.
    - With O(registrar=manual), the DS set served by any parent server.
  returned: always
  type: list
  elements: dict
  sample:
    - ds: {key_tag: 60812, algorithm: 13, digest_type: 2, digest: "42AE...", text: "60812 13 2 42AE..."}
      dnskey: null
      record_id: "42AE..."
  contains: &record
    ds:
      description: The DS, or V(null) when the registrar lists only key data.
      type: dict
      returned: always
      sample: {key_tag: 60812, algorithm: 13, digest_type: 2, digest: "42AE...", text: "60812 13 2 42AE..."}
      contains:
        key_tag:
          description: Key tag.
          type: int
          returned: always
          sample: 60812
        algorithm:
          description: DNSSEC algorithm number.
          type: int
          returned: always
          sample: 13
        digest_type:
          description: Digest type (2 SHA-256, 4 SHA-384, 1 SHA-1).
          type: int
          returned: always
          sample: 2
        digest:
          description: Digest, upper-case hex.
          type: str
          returned: always
          sample: 42AE...
        text:
          description: The DS in presentation format.
          type: str
          returned: always
          sample: 60812 13 2 42AE...
    dnskey:
      description: The key data, when the registrar takes or lists it, or V(null).
      type: dict
      returned: always
      sample: {flags: 257, protocol: 3, algorithm: 13, public_key: "kXo2...", key_tag: 2371, text: "257 3 13 kXo2..."}
      contains:
        flags:
          description: DNSKEY flags (257 for a KSK).
          type: int
          returned: always
          sample: 257
        protocol:
          description: Always 3.
          type: int
          returned: always
          sample: 3
        algorithm:
          description: DNSSEC algorithm number.
          type: int
          returned: always
          sample: 13
        public_key:
          description: Public key, base64.
          type: str
          returned: always
          sample: kXo2...
        key_tag:
          description: Key tag of the key.
          type: int
          returned: always
          sample: 2371
        text:
          description: The key in presentation format.
          type: str
          returned: always
          sample: 257 3 13 kXo2...
    record_id:
      description: The registrar's own id of the entry (Name.com the digest, Porkbun the key tag), or V(null).
      type: str
      returned: always
      sample: "1234"
after:
  description:
    - The registrar's set after the change, as read back from its API.
    - In check mode, and with O(registrar=manual), the set the change would lead to.
  returned: always
  type: list
  elements: dict
  sample: []
  contains: *record
added:
  description: The entries added (or, in check mode, that would be added), in the form sent to the registrar.
  returned: always
  type: list
  elements: dict
  sample: []
  contains: *record
removed:
  description: The entries removed (or that would be removed), including any a removal takes along (Porkbun).
  returned: always
  type: list
  elements: dict
  sample: []
  contains: *record
operations:
  description: Every registrar API call made, reads included, in order. Never holds a credential.
  returned: always
  type: list
  elements: dict
  sample:
    - {method: GET, url: "https://api.name.com/core/v1/domains/example.com/dnssec", status: 200, summary: "list the DS records of example.com."}
  contains:
    method:
      description: HTTP method, or the API action for SDK-based registrars.
      type: str
      returned: always
      sample: POST
    url:
      description: URL called, without any credential.
      type: str
      returned: always
      sample: https://api.name.com/core/v1/domains/example.com/dnssec
    status:
      description: HTTP status of the answer, or V(null) when none came.
      type: int
      returned: always
      sample: 200
    summary:
      description: What the call was for.
      type: str
      returned: always
      sample: add DS 2371 13 2 1F98...
instructions:
  description:
    - With O(registrar=manual), what a person must do in the registrar's web form, additions first; empty
      otherwise. A person must act on these; the module changes nothing.
  returned: always
  type: list
  elements: dict
  sample:
    - action: add
      text: add DS 2371 13 2 1F98...
      ds: {key_tag: 2371, algorithm: 13, algorithm_name: ECDSAP256SHA256, digest_type: 2, digest_type_name: SHA-256, digest: 1F98..., text: 2371 13 2 1F98...}
      dnskey: null
  contains:
    action:
      description: V(add) or V(remove).
      type: str
      returned: always
      sample: add
    text:
      description: The step in one line.
      type: str
      returned: always
      sample: add DS 2371 13 2 1F98...
    ds:
      description: The DS fields a registrar's form asks for (C(key_tag), C(algorithm), C(algorithm_name),
        C(digest_type), C(digest_type_name), C(digest), C(text)), or V(null).
      type: dict
      returned: always
      sample: {key_tag: 2371, algorithm: 13, digest_type: 2, digest: 1F98...}
    dnskey:
      description: The key fields a registrar's form asks for (C(flags), C(protocol), C(algorithm),
        C(algorithm_name), C(public_key), C(key_tag), C(text)), or V(null) when the key is not known.
      type: dict
      returned: always
      sample: {flags: 257, protocol: 3, algorithm: 13, public_key: kXo2...}
child:
  description: The child's view used by the safety gate (DNSKEY, CDS and CDNSKEY of every child server address).
  returned: when the child servers were asked
  type: dict
  sample: {domain: example.com., answered: true, consistent: true, signing_ksks: [2371]}
  contains:
    answered:
      description: Whether every child server address answered.
      type: bool
      returned: always
      sample: true
    consistent:
      description: Whether the child servers agree.
      type: bool
      returned: always
      sample: true
    signing_ksks:
      description: Key tags of the KSKs that sign the DNSKEY RRset on every child server address.
      type: list
      elements: int
      returned: always
      sample: [2371]
    servers:
      description: Per child server address, what it served.
      type: list
      elements: dict
      returned: always
      sample: []
parent:
  description: The parent's view used by the safety gate before a removal.
  returned: when the parent servers were asked
  type: dict
  sample: {zone: com., common: ["60812 13 2 42AE..."], failures: []}
  contains:
    zone:
      description: The parent zone.
      type: str
      returned: always
      sample: com.
    common:
      description: DS records every parent server address serves.
      type: list
      elements: str
      returned: always
      sample: ["60812 13 2 42AE..."]
    failures:
      description: Parent server addresses that gave no usable answer, and why.
      type: list
      elements: str
      returned: always
      sample: []
    servers:
      description: Per parent server address, its answer.
      type: list
      elements: dict
      returned: always
      sample: []
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.dnsops.dnssec.plugins.module_utils._dns import (
    RESOLVER_ARGUMENT_SPEC,
    client_from_params,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    DNSPYTHON_IMPORT_ERROR,
    HAS_DNSPYTHON,
    RecordError,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._ds_change import (
    ChangeError,
    DsChange,
    parse_wanted,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._http import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar import (
    REGISTRAR_ARGUMENT_SPEC,
    RegistrarError,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrars import (
    make_registrar,
)


def argument_spec() -> dict:
    spec = {
        "domain": {"type": "str", "required": True},
        "records": {"type": "list", "elements": "raw"},
        "keys": {"type": "list", "elements": "raw", "no_log": False},
        "state": {
            "type": "str",
            "choices": ["present", "absent", "exact"],
            "default": "present",
        },
        "digest_type": {"type": "int", "choices": [2, 4], "default": 2},
        "allow_unsafe": {"type": "bool", "default": False},
    }
    spec.update(RESOLVER_ARGUMENT_SPEC)
    spec.update(REGISTRAR_ARGUMENT_SPEC)
    return spec


def main() -> None:
    module = AnsibleModule(
        argument_spec=argument_spec(),
        required_one_of=[("records", "keys")],
        supports_check_mode=True,
    )
    if not HAS_DNSPYTHON:
        module.fail_json(
            msg=missing_required_lib("dnspython"), exception=DNSPYTHON_IMPORT_ERROR
        )
    if not HAS_REQUESTS and module.params["registrar"] != "manual":
        module.fail_json(
            msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR
        )

    params = module.params
    try:
        wanted = parse_wanted(params["records"], params["keys"])
        registrar = make_registrar(params["registrar"], params)
    except (RecordError, RegistrarError) as exc:
        module.fail_json(msg=str(exc), changed=False)

    change = DsChange(
        registrar,
        client_from_params(params),
        params["domain"],
        wanted,
        state=params["state"],
        digest_type=params["digest_type"],
        allow_unsafe=params["allow_unsafe"],
        check_mode=module.check_mode,
    )
    try:
        result = change.run()
    except ChangeError as exc:
        partial = dict(exc.result)
        partial.pop("diff", None)
        partial.setdefault("changed", False)
        module.fail_json(msg=str(exc), **partial)

    for warning in change.warnings:
        module.warn(warning)
    diff = result.pop("diff", None)
    if module._diff and diff is not None:
        result["diff"] = diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
