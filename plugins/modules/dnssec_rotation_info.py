#!/usr/bin/python
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: dnssec_rotation_info
short_description: Tell which phase a DNSSEC KSK rotation is in and which registrar action is safe now
version_added: 0.1.0
description:
  - For one domain or many, gathers the live state of the chain of trust and says which phase of a Double-KSK
    rotation (RFC 7583; the parent DS set goes from V(old) to V(old, new) to V(new)) the domain is in, and which action at
    the registrar is safe now. Many domains are examined concurrently.
  - The child's view comes from every address of every child server (the servers the parent delegates the domain
    to) - the DNSKEY, CDS and CDNSKEY RRsets with their signatures. A KSK counts only when its signature over the
    DNSKEY RRset validates on every child server address.
  - The parent's view comes from every address of every parent server, asked directly for the DS set (see
    M(dnsops.dnssec.parent_ds_check)).
  - DNSimple's view (whether DNSSEC is enabled, whether the domain is hosted or registered there) is added when
    O(dnsimple_token) is set. Without it the module works from DNS alone, so it serves any signer that publishes
    CDS or CDNSKEY records.
  - The registrar's view (the DS or DNSKEY records the registrar lists) is added when O(registrar) is set, for
    the domains that are not in the V(stable), V(unknown) or V(inconsistent) phase.
  - A DNSimple webhook payload in O(event) is a hint only. The module reports whether it matches a key of the
    child and agrees with what DNS shows, and never trusts it over DNS.
  - B(The target DS set.) The DS set the parent should end with comes from the child - the KSKs the signed CDS
    RRset names, else the KSKs the signed CDNSKEY RRset names, else every KSK that signs the DNSKEY RRset on every
    child server address. A CDS or CDNSKEY RRset without a valid signature is ignored. When that leaves more than
    one KSK, a C(dnssec.rotation_start) event in O(event) that names one of them, or the record in O(state_file)
    of which DS reached every parent server last, singles out the new KSK; otherwise all of them are kept.
  - B(Phases.) V(unsigned) - the child publishes no DNSKEY RRset and the parent no DS; or the child is signed
    and the parent serves no DS (an insecure delegation; the action then adds the DS).
  - V(stable) - every parent server address serves the DS of the one target KSK, no other DS, and no other KSK
    signs the child.
  - V(rotation_started) - a target KSK signs the DNSKEY RRset on every child server address and no parent server
    serves its DS; with O(registrar), the registrar does not list it either.
  - V(submitted) - the DS of a target KSK is on some but not every parent server address; or, with O(registrar),
    the registrar lists it and no parent server serves it yet. Without O(registrar) a DS the registrar holds but
    no parent server serves yet shows as V(rotation_started).
  - V(published) - every parent server address serves the DS of every target KSK and some parent server still
    serves an old DS (one that matches no target KSK).
  - V(retiring) - the old DS is leaving - with O(registrar), the registrar no longer lists it while some parent
    server still serves it; without, it is still on some parent server addresses but no longer on all of them.
  - V(complete) - the parent DS set holds only DS records of the target KSKs, but an old KSK still signs the
    child's DNSKEY RRset (the signer has not dropped it yet). Once it is gone the phase is V(stable) again.
  - V(broken) - some parent server address serves a DS set in which no SHA-256 or SHA-384 DS matches a KSK that
    signs the child's DNSKEY RRset, or the parent serves DS records for a child that is not signed. Validating
    resolvers answer SERVFAIL there now.
  - V(inconsistent) - the child server addresses serve different DNSKEY, CDS or CDNSKEY RRsets, or different keys
    sign on them.
  - V(unknown) - a child or parent server address did not answer usably (timeout, SERVFAIL, REFUSED, lame), or
    the servers could not be found. V(broken) wins over V(unknown) when a parent server that did answer is
    already broken.
  - B(Actions.) V(add) for each target KSK whose DS is not on every parent server address, unless the registrar
    (or, without O(registrar), some parent server) already has it. It is safe because the key signs the DNSKEY
    RRset on every child server address. V(remove) for each DS that matches no target KSK and is on some parent
    server address (with O(registrar), that the registrar still lists). No actions are given in the V(unknown),
    V(inconsistent) and V(unsigned) (child not signed) phases.
  - A V(remove) is safe only when, after every listed removal, every parent server address still serves a
    SHA-256 or SHA-384 DS of a KSK that signs the DNSKEY RRset on every child server address; every DS left has
    an algorithm that signs the child; and such a DS has been served by every parent server for at least its TTL.
    Evidence of the TTL is a C(dnssec.rotation_complete) event for the domain in O(event) (DNSimple sends it after
    checking the parent and waiting out the TTL; the module checks presence again now), or the record in
    O(state_file) of when the DS was first seen on every parent server address. The module never waits for a
    TTL; it reports C(waiting for the DS TTL (N s left)) and a later run acts.
  - This module never changes anything at a registrar, at DNSimple or in DNS.
author:
  - dnsops.dnssec contributors (@dnsops)
extends_documentation_fragment:
  - dnsops.dnssec.attributes
  - dnsops.dnssec.attributes.INFO_MODULE
  - dnsops.dnssec.resolver
  - dnsops.dnssec.registrar
options:
  domain:
    description:
      - The domain (zone) to examine, for example V(example.com).
      - At least one of O(domain), O(domains) or O(event) is needed. Without O(domain) and O(domains) the zone
        the event names is examined.
    type: str
  domains:
    description:
      - More domains to examine, together with O(domain). They are examined concurrently and reported in the
        order given, each once.
    type: list
    elements: str
  event:
    description:
      - A DNSimple webhook payload (the whole JSON body, as a dictionary or a JSON string), for example the
        C(event.payload) an Event-Driven Ansible rulebook receives.
      - It is a hint. Its DS is used only to tell the new KSK from the old one, and only when it matches a KSK
        that signs the DNSKEY RRset on every child server address. A C(dnssec.rotation_complete) event for the
        domain counts as evidence that the new DS has been served for its TTL.
      - The event applies to the domain it names; for other domains it is ignored.
    type: raw
  state_file:
    description:
      - Path of a JSON file in which the module records when it first saw each DS on every parent server
        address, and when it first saw a rotation and its published step. A later run uses it as evidence that
        a DS has been served for its TTL, to report DNSimple's 7-day windows, and to tell the new KSK from the
        old one.
      - A DS that drops off any parent server address loses its record. Runs in which a parent server does not
        answer leave the records of that domain as they were.
      - The file is written atomically with mode V(0600), under an exclusive lock; concurrent runs on different
        domains keep each other's records. Its directory is created with mode V(0700) when missing.
      - In check mode the file is read but not written.
      - When not set nothing is recorded, and a V(remove) can only be safe with a C(dnssec.rotation_complete)
        event. A path such as V(~/.ansible/dnsops_dnssec/state.json) on a host that keeps its files between runs
        is a good choice for scheduled sweeps.
    type: path
  registrar:
    description:
      - The registrar that holds the domains. When set, the registrar's DS or DNSKEY records are read (never
        written) for every domain outside the V(stable), V(unknown) and V(inconsistent) phases, which tells
        V(submitted) and V(retiring) apart from what DNS alone shows.
      - V(manual) reads nothing; DNS alone is used.
      - The credentials each registrar needs are described with its options below.
    type: str
    required: false
    choices: [dnsimple, gandi, ovh, namecom, porkbun, route53, manual]
  dnsimple_token:
    description:
      - DNSimple API access token (account or user token).
      - When set, DNSimple's view of each domain is added (one list of the account's domains per run, shared by
        every domain, and one DNSSEC status call per domain). It is also the credential of O(registrar=dnsimple).
      - When not set, the environment variable E(DNSIMPLE_TOKEN) is used.
    type: str
  dnsimple_account:
    description:
      - DNSimple account id. When not set, the account of the token is asked of the API.
      - When not set, the environment variable E(DNSIMPLE_ACCOUNT) is used.
    type: str
notes:
  - The phase and actions are computed afresh from DNS on every run; running the module any number of times, at
    any moment, is safe.
  - DNSimple starts its 7-day windows at C(dnssec.rotation_start) and C(dnssec.rotation_complete). Their start
    times are not in DNS, so RV(domains[].rotation) counts from when the module first saw each step (recorded
    in O(state_file)); without O(state_file) the times are V(null).
  - Which DS DNSimple's C(dnssec.rotation_complete) event carries, and what its CDS RRset holds during a
    rotation, is not documented; the module works under either reading.
seealso:
  - module: dnsops.dnssec.parent_ds_check
  - module: dnsops.dnssec.dnssec_ds_record
  - name: RFC 7344
    description: CDS and CDNSKEY, the child's signal of the DS set it wants.
    link: https://www.rfc-editor.org/rfc/rfc7344
  - name: RFC 7583
    description: Timing of DNSSEC key rollovers, including the Double-KSK method DNSimple uses.
    link: https://www.rfc-editor.org/rfc/rfc7583
"""

EXAMPLES = r"""
- name: Examine one domain from DNS alone
  dnsops.dnssec.dnssec_rotation_info:
    domain: example.com
  register: rotation

- name: Show the phase and what to do next
  ansible.builtin.debug:
    msg: "{{ rotation.domains[0].phase }}: {{ rotation.domains[0].summary }}"

- name: Sweep many domains, keeping evidence between runs
  dnsops.dnssec.dnssec_rotation_info:
    domains: "{{ groups['dnsimple_domains'] }}"
    state_file: ~/.ansible/dnsops_dnssec/state.json
    dnsimple_token: "{{ vault_dnsimple_token }}"
  register: sweep

- name: List the domains that need attention
  ansible.builtin.debug:
    msg: "{{ item.domain }} is {{ item.phase }}: {{ item.summary }}"
  loop: "{{ sweep.domains | rejectattr('phase', 'in', ['stable', 'unsigned']) | list }}"
  loop_control:
    label: "{{ item.domain }}"

- name: Examine the domain of a DNSimple webhook, with the registrar's view
  dnsops.dnssec.dnssec_rotation_info:
    event: "{{ ansible_eda.event.payload }}"
    registrar: gandi
    gandi_token: "{{ vault_gandi_token }}"
    state_file: /var/lib/dnssec/state.json
  register: from_event

- name: Warn when the event does not match the keys the child publishes
  ansible.builtin.debug:
    msg: "Event ignored: {{ from_event.domains[0].event.note }}"
  when: from_event.domains[0].event.matches_child is false

- name: Hand the safe additions to dnssec_ds_record
  dnsops.dnssec.dnssec_ds_record:
    domain: "{{ from_event.domains[0].domain }}"
    records: "{{ from_event.domains[0].actions | selectattr('action', '==', 'add') | selectattr('safe')
                 | map(attribute='ds.text') | list }}"
    state: present
    registrar: gandi
    gandi_token: "{{ vault_gandi_token }}"
  when: from_event.domains[0].actions | selectattr('action', '==', 'add') | selectattr('safe') | list | length > 0
"""

RETURN = r"""
domains:
  description:
    - One entry per domain examined, in the order given.
  returned: always
  type: list
  elements: dict
  sample:
    - domain: example.com
      phase: rotation_started
      summary: KSK 4242 signs the DNSKEY RRset on every child server address; its DS is not at the parent
      actions:
        - action: add
          ds: {key_tag: 4242, algorithm: 13, digest_type: 2, digest: "E2D3C9...", text: "4242 13 2 E2D3C9..."}
          dnskey: {flags: 257, protocol: 3, algorithm: 13, public_key: "mdsswUyr...", key_tag: 4242,
                   text: "257 3 13 mdsswUyr..."}
          reason: KSK 4242 signs the DNSKEY RRset on every child server address and the child wants its DS
          safe: true
          blocked_by: null
          safe_in_seconds: null
      rotation: {started_at: "2026-03-01T10:00:00Z", elapsed_seconds: 3600, window: add,
                 window_deadline: "2026-03-08T10:00:00Z", window_left_seconds: 601200}
  contains:
    domain:
      description: The domain, without a final dot.
      returned: always
      type: str
      sample: example.com
    phase:
      description:
        - The phase of the rotation, as defined in the description of this module.
      returned: always
      type: str
      sample: published
      choices: [unsigned, stable, rotation_started, submitted, published, retiring, complete, broken,
                inconsistent, unknown]
    summary:
      description: One line that says why the domain is in this phase.
      returned: always
      type: str
      sample: the parent DS set matches the signing KSK 60812
    actions:
      description:
        - The next steps at the registrar, additions first. Empty when there is nothing to do.
      returned: always
      type: list
      elements: dict
      sample:
        - action: remove
          ds: {key_tag: 60812, algorithm: 13, digest_type: 2, digest: "42AE...", text: "60812 13 2 42AE..."}
          dnskey: null
          reason: "DS 60812 (digest type 2) matches no KSK the child wants at the parent (4242); not safe yet:
            waiting for the DS TTL (1200 s left)"
          safe: false
          blocked_by: waiting for the DS TTL (1200 s left)
          safe_in_seconds: 1200
      contains:
        action:
          description: V(add) or V(remove).
          returned: always
          type: str
          sample: add
        ds:
          description: The DS record to add or remove.
          returned: always
          type: dict
          sample: {key_tag: 60812, algorithm: 13, digest_type: 2, digest: "42AE...", text: "60812 13 2 42AE..."}
          contains:
            key_tag:
              description: The key tag.
              returned: always
              type: int
              sample: 60812
            algorithm:
              description: The DNSSEC algorithm number.
              returned: always
              type: int
              sample: 13
            digest_type:
              description: The digest type; V(2) (SHA-256) for every DS the module proposes to add.
              returned: always
              type: int
              sample: 2
            digest:
              description: The digest in upper-case hex.
              returned: always
              type: str
              sample: 42AEE231E98FECE484E9FA983CEF28AFFA56E99AD26347806BC6AF291F67DE83
            text:
              description: The record in presentation format.
              returned: always
              type: str
              sample: 60812 13 2 42AEE231E98FECE484E9FA983CEF28AFFA56E99AD26347806BC6AF291F67DE83
        dnskey:
          description:
            - The KSK the DS was made from, for registrars that take DNSKEY data; V(null) for a DS that matches no
              key the child publishes.
          returned: always
          type: dict
          sample: {flags: 257, protocol: 3, algorithm: 13, public_key: "mdsswUyr...", key_tag: 4242,
                   text: "257 3 13 mdsswUyr..."}
          contains:
            flags:
              description: The DNSKEY flags (V(257) for a KSK).
              returned: success
              type: int
              sample: 257
            protocol:
              description: Always V(3).
              returned: success
              type: int
              sample: 3
            algorithm:
              description: The DNSSEC algorithm number.
              returned: success
              type: int
              sample: 13
            public_key:
              description: The public key in base64.
              returned: success
              type: str
              sample: mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==
            key_tag:
              description: The key tag.
              returned: success
              type: int
              sample: 4242
            text:
              description: The record in presentation format.
              returned: success
              type: str
              sample: 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==
        reason:
          description: Why the action is proposed and, when it is not safe, why not yet.
          returned: always
          type: str
          sample: DS 60812 (digest type 2) matches no KSK the child wants at the parent (4242)
        safe:
          description:
            - Whether the action can be carried out now without breaking the chain of trust.
          returned: always
          type: bool
          sample: true
        blocked_by:
          description: What keeps the action from being safe now; V(null) when it is safe.
          returned: always
          type: str
          sample: waiting for the DS TTL (1200 s left)
        safe_in_seconds:
          description:
            - For a V(remove) that only the DS TTL holds back, the seconds until it becomes safe (a run then, with
              the same O(state_file), finds it safe if nothing else changed). V(null) when the action is safe now
              or something other than time holds it back.
          returned: always
          type: int
          sample: 1200
    target:
      description: The KSKs whose DS the parent should end with, and where that came from.
      returned: always
      type: dict
      sample: {source: the CDS RRset, ksks: [], retiring_ksks: []}
      contains:
        source:
          description: Where the target came from (the CDS RRset, the CDNSKEY RRset, the signing KSKs).
          returned: always
          type: str
          sample: the CDS RRset
        ksks:
          description: The target KSKs, each with the fields of RV(domains[].actions[].dnskey).
          returned: always
          type: list
          elements: dict
          sample: []
        retiring_ksks:
          description: The KSKs that sign the child but are not in the target, each like RV(domains[].actions[].dnskey).
          returned: always
          type: list
          elements: dict
          sample: []
    child:
      description: The child's view.
      returned: always
      type: dict
      sample: {domain: example.com., answered: true, consistent: true, signed: true, signing_ksks: [60812]}
      contains:
        domain:
          description: The zone, with a final dot.
          returned: always
          type: str
          sample: example.com.
        answered:
          description: Whether every address of every child server answered every query.
          returned: always
          type: bool
          sample: true
        consistent:
          description: Whether every child server address that answered serves the same keys, signatures and signals.
          returned: always
          type: bool
          sample: true
        signed:
          description: Whether any child server address publishes a DNSKEY RRset.
          returned: always
          type: bool
          sample: true
        error:
          description: Why the child servers could not be found, or V(null).
          returned: always
          type: str
          sample: null
        ksks:
          description: The KSKs every child server address publishes, each like RV(domains[].actions[].dnskey).
          returned: always
          type: list
          elements: dict
          sample: []
        signing_ksks:
          description: Key tags of the KSKs whose signature over the DNSKEY RRset validates on every address.
          returned: always
          type: list
          elements: int
          sample: [60812, 4242]
        cds:
          description: The signed CDS records every child server address serves.
          returned: always
          type: list
          elements: str
          sample: ["4242 13 2 E2D3C9..."]
        cdnskey:
          description: The signed CDNSKEY records every child server address serves.
          returned: always
          type: list
          elements: str
          sample: ["257 3 13 mdsswUyr..."]
        delete_requested:
          description: Whether the child publishes the RFC 8078 delete signal. The module does not act on it.
          returned: always
          type: bool
          sample: false
        disagreements:
          description: One line per child server address that serves something different from the first one.
          returned: always
          type: list
          elements: str
          sample: ["ns2.example.net. (192.0.2.2) serves a different DNSKEY RRset than ns1.example.net. (192.0.2.1)"]
        servers:
          description: One entry per child server address.
          returned: always
          type: list
          elements: dict
          sample: []
          contains:
            server:
              description: The server's host name.
              returned: always
              type: str
              sample: ns1.example.net.
            address:
              description: The address asked.
              returned: always
              type: str
              sample: 192.0.2.1
            status:
              description: How the DNSKEY query was answered (V(answer), V(nodata), V(timeout), ...).
              returned: always
              type: str
              sample: answer
            answered:
              description: Whether the DNSKEY, CDS and CDNSKEY queries all got a usable answer.
              returned: always
              type: bool
              sample: true
            error:
              description: What went wrong, or V(null).
              returned: always
              type: str
              sample: null
            dnskeys:
              description: The DNSKEY RRset, each key like RV(domains[].actions[].dnskey).
              returned: always
              type: list
              elements: dict
              sample: []
            ksks:
              description: Key tags of the KSKs in the DNSKEY RRset.
              returned: always
              type: list
              elements: int
              sample: [60812, 4242]
            signing_ksks:
              description: Key tags of the KSKs whose signature over the DNSKEY RRset validates at this address.
              returned: always
              type: list
              elements: int
              sample: [60812, 4242]
            cds:
              description: The signed CDS records.
              returned: always
              type: list
              elements: str
              sample: ["4242 13 2 E2D3C9..."]
            cdnskey:
              description: The signed CDNSKEY records.
              returned: always
              type: list
              elements: str
              sample: []
            cds_unsigned:
              description: Whether a CDS RRset was ignored because its signature did not validate.
              returned: always
              type: bool
              sample: false
            cdnskey_unsigned:
              description: Whether a CDNSKEY RRset was ignored because its signature did not validate.
              returned: always
              type: bool
              sample: false
    parent:
      description: The parent's view.
      returned: always
      type: dict
      sample: {zone: com., served_everywhere: ["60812 13 2 42AE..."], served_anywhere: ["60812 13 2 42AE..."]}
      contains:
        zone:
          description: The parent zone, or V(null) when it could not be found.
          returned: always
          type: str
          sample: com.
        error:
          description: Why the parent servers could not be found, or V(null).
          returned: always
          type: str
          sample: null
        served_everywhere:
          description: The DS records every parent server address serves; empty when one did not answer.
          returned: when the parent servers were found
          type: list
          elements: str
          sample: ["60812 13 2 42AE..."]
        served_anywhere:
          description: The DS records at least one parent server address serves.
          returned: when the parent servers were found
          type: list
          elements: str
          sample: ["60812 13 2 42AE...", "4242 13 2 E2D3..."]
        servers:
          description: One entry per parent server address.
          returned: always
          type: list
          elements: dict
          sample: []
          contains:
            server:
              description: The server's host name.
              returned: always
              type: str
              sample: a.gtld-servers.net.
            address:
              description: The address asked.
              returned: always
              type: str
              sample: 192.5.6.30
            status:
              description: How the DS query was answered (V(answer), V(nodata), V(timeout), V(servfail), ...).
              returned: always
              type: str
              sample: answer
            rcode:
              description: The response code, or V(null) on a timeout.
              returned: always
              type: str
              sample: NOERROR
            flags:
              description: The header flags of the response.
              returned: always
              type: list
              elements: str
              sample: [QR, AA]
            records:
              description: The DS records served, in presentation format.
              returned: always
              type: list
              elements: str
              sample: ["60812 13 2 42AE..."]
            ttl:
              description: The TTL of the DS RRset.
              returned: always
              type: int
              sample: 86400
            error:
              description: What went wrong, or V(null).
              returned: always
              type: str
              sample: null
    dnsimple:
      description: DNSimple's view; V(null) without O(dnsimple_token).
      returned: always
      type: dict
      sample: {found: true, name: example.com, id: 1, state: hosted, hosted: true, registered: false,
               dnssec_enabled: true, dnssec_active: true, error: null}
      contains:
        found:
          description: Whether the domain is in the DNSimple account; V(null) when DNSimple could not be asked.
          returned: always
          type: bool
          sample: true
        error:
          description: DNSimple's error, or V(null).
          returned: always
          type: str
          sample: null
        name:
          description: The domain as DNSimple spells it.
          returned: when found
          type: str
          sample: example.com
        id:
          description: DNSimple's id of the domain.
          returned: when found
          type: int
          sample: 1
        state:
          description: V(hosted) (registered elsewhere), V(registered) (at DNSimple) or V(expired).
          returned: when found
          type: str
          sample: hosted
        hosted:
          description: Whether DNSimple hosts the zone and another registrar holds the domain.
          returned: when found
          type: bool
          sample: true
        registered:
          description: Whether DNSimple is also the registrar.
          returned: when found
          type: bool
          sample: false
        dnssec_enabled:
          description: Whether DNSSEC is enabled at DNSimple.
          returned: when found
          type: bool
          sample: true
        dnssec_active:
          description: DNSimple's C(active) flag of the DNSSEC status.
          returned: when found
          type: bool
          sample: true
    registrar:
      description: The registrar's view; V(null) without O(registrar), or when the phase needed no registrar call.
      returned: always
      type: dict
      sample: {name: gandi, records: [], error: null}
      contains:
        name:
          description: The registrar.
          returned: always
          type: str
          sample: gandi
        records:
          description: The records the registrar lists, each with C(ds), C(dnskey) and C(record_id); V(null) on error.
          returned: always
          type: list
          elements: dict
          sample: []
        error:
          description: The registrar's error, or V(null).
          returned: always
          type: str
          sample: null
    event:
      description: What the module made of O(event); V(null) when no event applies to the domain.
      returned: always
      type: dict
      sample: {name: dnssec.rotation_start, domain: example.com, applies: true, matches_child: false, key_tag: null,
               agrees: false, note: "the event's DS matches no KSK that signs ...", ds: null}
      contains:
        name:
          description: The event name.
          returned: always
          type: str
          sample: dnssec.rotation_start
        domain:
          description: The zone the event names.
          returned: always
          type: str
          sample: example.com
        ds:
          description: The event's DS record, like RV(domains[].actions[].ds), or V(null).
          returned: always
          type: dict
          sample: null
        applies:
          description: Whether the event is about this domain.
          returned: always
          type: bool
          sample: true
        matches_child:
          description:
            - Whether the event's DS matches a KSK that signs the DNSKEY RRset on every child server address;
              V(null) for an event without a DS.
          returned: always
          type: bool
          sample: true
        key_tag:
          description: The key tag of the KSK the event's DS matches, or V(null).
          returned: always
          type: int
          sample: 4242
        agrees:
          description: Whether the event fits the phase DNS shows and, when it carries a DS, matches the child.
          returned: always
          type: bool
          sample: true
        note:
          description: One line that says what the module made of the event.
          returned: always
          type: str
          sample: the event agrees with what DNS shows
    rotation:
      description:
        - For a rotation in progress (phases V(rotation_started) to V(complete)), how long it has run and how much
          of DNSimple's 7-day window is left; V(null) otherwise. Times count from when the module first saw each step
          (see O(state_file)); fields that cannot be known are V(null).
      returned: always
      type: dict
      sample: {started_at: "2026-03-01T10:00:00Z", elapsed_seconds: 3600, window: add,
               window_deadline: "2026-03-08T10:00:00Z", window_left_seconds: 601200}
      contains:
        started_at:
          description: When the rotation was first seen (UTC, ISO 8601).
          returned: always
          type: str
          sample: "2026-03-01T10:00:00Z"
        elapsed_seconds:
          description: Seconds since then.
          returned: always
          type: int
          sample: 3600
        window:
          description: V(add) (phases V(rotation_started), V(submitted)) or V(remove) (V(published), V(retiring)); V(null) when complete.
          returned: always
          type: str
          sample: add
        window_deadline:
          description: When DNSimple's 7-day window for that step ends (UTC, ISO 8601).
          returned: always
          type: str
          sample: "2026-03-08T10:00:00Z"
        window_left_seconds:
          description: Seconds left in that window, never below V(0).
          returned: always
          type: int
          sample: 601200
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.dnsops.dnssec.plugins.module_utils._dns import (
    DNSPYTHON_IMPORT_ERROR,
    HAS_DNSPYTHON,
    RESOLVER_ARGUMENT_SPEC,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._http import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar import (
    REGISTRAR_ARGUMENT_SPEC,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._rotation import (
    ROTATION_INFO_ARGUMENT_SPEC,
    run_rotation_info,
)


def main() -> None:
    argument_spec = dict(REGISTRAR_ARGUMENT_SPEC)
    argument_spec.update(RESOLVER_ARGUMENT_SPEC)
    argument_spec.update(ROTATION_INFO_ARGUMENT_SPEC)
    module = AnsibleModule(
        argument_spec=argument_spec,
        required_one_of=[("domain", "domains", "event")],
        supports_check_mode=True,
    )
    if not HAS_DNSPYTHON:
        module.fail_json(
            msg=missing_required_lib("dnspython"), error=str(DNSPYTHON_IMPORT_ERROR)
        )
    needs_http = module.params["registrar"] or module.params["dnsimple_token"]
    if needs_http and not HAS_REQUESTS:
        module.fail_json(
            msg=missing_required_lib("requests"), error=str(REQUESTS_IMPORT_ERROR)
        )
    failed, result = run_rotation_info(module.params, check_mode=module.check_mode)
    for warning in result.pop("warnings", []):
        module.warn(warning)
    if failed:
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
