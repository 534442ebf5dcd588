# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

from __future__ import annotations

import pytest

from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import make_ds
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar import (
    RegistrarError,
    RegistrarRecord,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar_manual import (
    ManualRegistrar,
)
from ansible_collections.dnsops.dnssec.tests.unit.plugins.module_utils.registrar_transport import (
    KEY,
)

DS = make_ds("example.com.", KEY)


def test_instructions_give_the_web_form_fields():
    registrar = ManualRegistrar({})
    add, remove = registrar.instructions(
        [RegistrarRecord(ds=DS, dnskey=KEY)], [RegistrarRecord(ds=DS)]
    )
    assert add["action"] == "add"
    assert add["ds"] == {
        "key_tag": DS.key_tag,
        "algorithm": 13,
        "algorithm_name": "ECDSAP256SHA256",
        "digest_type": 2,
        "digest_type_name": "SHA-256",
        "digest": DS.digest,
        "text": DS.to_text(),
    }
    assert add["dnskey"]["public_key"] == KEY.public_key
    assert add["dnskey"]["flags"] == 257
    assert add["dnskey"]["protocol"] == 3
    assert remove["action"] == "remove" and remove["dnskey"] is None
    assert registrar.operations == []


def test_manual_has_no_api_to_read():
    with pytest.raises(RegistrarError):
        ManualRegistrar({}).list_records("example.com")
