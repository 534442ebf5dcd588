# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""Unit tests of the DS and DNSKEY model against published test vectors."""

from __future__ import annotations

import dns.dnssec
import dns.name
import dns.rrset
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from ansible_collections.dnsops.dnssec.plugins.module_utils import _dnssec
from ansible_collections.dnsops.dnssec.plugins.module_utils._dnssec import (
    DSRecord,
    RecordError,
    parse_dnskey,
    parse_ds,
)

# RFC 4034 section 5.4 (SHA-1) and RFC 4509 section 2.3 (SHA-256).
RFC_ZONE = "dskey.example.com."
RFC_KEY = (
    "256 3 5 AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxe"
    "YCmZDRD99WYwYqUSdjMmmAphXdvxegXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9Xzc"
    "nOf+EPbtG9DMBmADjFDc2w/rljwvFw=="
)
RFC_DS_SHA1 = "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118"
RFC_DS_SHA256 = (
    "60485 5 2 D4B7D520E7BB5F0F67674A0CCEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A"
)

# The root zone's KSK-2017 and its DS as IANA publishes them.
ROOT_KSK = (
    "257 3 8 AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/4RgWOq7HrxRix"
    "HlFlExOLAJr5emLvN7SWXgnLh4+B5xQlNVz8Og8kvArMtNROxVQuCaSnIDdD5LKyWbRd2n9WGe2R8"
    "PzgCmr3EgVLrjyBxWezF0jLHwVN8efS3rCj/EWgvIWgb9tarpVUDK/b58Da+sqqls3eNbuv7pr+eo"
    "ZG+SrDK6nWeL3c6H5Apxz7LjVc1uTIdsIXxuOLYA4/ilBmSVIzuDWfdRUfhHdY6+cn8HFRm+2hM8A"
    "nXGXws9555KrUB5qihylGa8subX2Nn6UwNR1AkUTV74bU="
)
ROOT_DS = "20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"


# Test vectors.


def test_key_tags_of_published_keys() -> None:
    assert parse_dnskey(RFC_KEY).key_tag == 60485
    assert parse_dnskey(ROOT_KSK).key_tag == 20326


def test_rfc4034_sha1_ds_is_recomputed_for_comparison() -> None:
    key = parse_dnskey(RFC_KEY)
    assert _dnssec.compute_ds(RFC_ZONE, key, 1) == parse_ds(RFC_DS_SHA1)


def test_rfc4509_sha256_ds() -> None:
    key = parse_dnskey(RFC_KEY)
    assert _dnssec.make_ds(RFC_ZONE, key) == parse_ds(RFC_DS_SHA256)


def test_root_ksk_2017_ds() -> None:
    assert _dnssec.make_ds(".", parse_dnskey(ROOT_KSK), 2).to_text() == ROOT_DS


def test_sha384_is_generated_with_the_right_length() -> None:
    ds = _dnssec.make_ds(RFC_ZONE, parse_dnskey(RFC_KEY), 4)
    assert ds.digest_type == 4
    assert len(ds.digest) == 96


@pytest.mark.parametrize("digest_type", [1, 3, 5])
def test_sha1_and_gost_are_never_generated(digest_type: int) -> None:
    with pytest.raises(RecordError, match="never generated"):
        _dnssec.make_ds(RFC_ZONE, parse_dnskey(RFC_KEY), digest_type)


# Reading DS records in every shape.


@pytest.mark.parametrize(
    "value",
    [
        RFC_DS_SHA256,
        RFC_DS_SHA256.lower(),
        f"{RFC_ZONE} 86400 IN DS {RFC_DS_SHA256}",
        f"{RFC_ZONE} DS {RFC_DS_SHA256}",
        "60485 5 2 D4B7D520E7BB5F0F67674A0C CEB1E3E0614B93C4F9E99B83 83F6A1E4469DA50A",
        "60485 RSASHA1 2 D4B7D520E7BB5F0F67674A0CCEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A",
        {
            "key_tag": 60485,
            "algorithm": 5,
            "digest_type": 2,
            "digest": "d4b7d520e7bb5f0f67674a0cceb1e3e0614b93c4f9e99b8383f6a1e4469da50a",
        },
        # DNSimple's webhook payload: every field a string, extra fields around.
        {
            "id": None,
            "keytag": "60485",
            "algorithm": "5",
            "digest_type": "2",
            "digest": "D4B7D520E7BB5F0F67674A0CCEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A",
            "public_key": RFC_KEY.split()[3],
            "created_at": None,
            "updated_at": None,
        },
    ],
)
def test_parse_ds_shapes(value) -> None:
    assert parse_ds(value) == parse_ds(RFC_DS_SHA256)
    assert parse_ds(value).digest == RFC_DS_SHA256.split()[3]


@pytest.mark.parametrize(
    "value, message",
    [
        ("60485 5 2", "cannot read a DS"),
        ("60485 5 2 XYZ", "hexadecimal"),
        ("60485 5 2 ABCD", "has 64 hex digits, this one has 4"),
        ("70000 5 2 " + "AB" * 32, "key_tag must be between 0 and 65535"),
        ("60485 NOPE 2 " + "AB" * 32, "not a known DNSSEC algorithm"),
        ({"algorithm": 5, "digest_type": 2, "digest": "AB" * 32}, "key_tag is missing"),
        (
            {"key_tag": True, "algorithm": 5, "digest_type": 2, "digest": "AB"},
            "integer",
        ),
        (42, "cannot read a DS record from a int"),
    ],
)
def test_parse_ds_errors_name_the_field(value, message) -> None:
    with pytest.raises(RecordError, match=message):
        parse_ds(value)


def test_ds_dict_and_text() -> None:
    ds = parse_ds(RFC_DS_SHA256)
    assert ds.to_dict() == {
        "key_tag": 60485,
        "algorithm": 5,
        "digest_type": 2,
        "digest": RFC_DS_SHA256.split()[3],
        "text": RFC_DS_SHA256,
    }
    assert str(ds) == RFC_DS_SHA256
    assert _dnssec.describe_ds(ds) == "DS 60485 (RSASHA1, SHA-256)"


def test_parse_dnskey_from_dnsimple_payload_defaults_to_ksk() -> None:
    key = parse_dnskey({"algorithm": "8", "public_key": ROOT_KSK.split()[3]})
    assert key.flags == 257
    assert key.is_ksk
    assert key.key_tag == 20326


def test_parse_dnskey_rejects_wrong_protocol() -> None:
    with pytest.raises(RecordError, match="protocol must be 3"):
        parse_dnskey("257 2 8 AwEAAQ==")


# Matching a DS to a key.


def test_match_uses_the_ds_own_digest_type() -> None:
    key = parse_dnskey(RFC_KEY)
    assert _dnssec.ds_matches_key(RFC_ZONE, parse_ds(RFC_DS_SHA1), key)
    assert _dnssec.ds_matches_key(RFC_ZONE, parse_ds(RFC_DS_SHA256), key)
    assert _dnssec.ds_matches_key(RFC_ZONE, parse_ds(RFC_DS_SHA256.lower()), key)


def test_match_fails_for_another_owner_or_digest() -> None:
    key = parse_dnskey(RFC_KEY)
    assert not _dnssec.ds_matches_key(
        "other.example.com.", parse_ds(RFC_DS_SHA256), key
    )
    wrong = parse_ds("60485 5 2 " + "00" * 32)
    assert not _dnssec.ds_matches_key(RFC_ZONE, wrong, key)
    gost = parse_ds("60485 5 3 " + "00" * 32)
    assert not _dnssec.ds_matches_key(RFC_ZONE, gost, key)


def test_validating_ds_ignores_sha1_and_tolerates_extras() -> None:
    key = parse_dnskey(RFC_KEY)
    sha1, sha256 = parse_ds(RFC_DS_SHA1), parse_ds(RFC_DS_SHA256)
    stranger = parse_ds("11111 13 2 " + "AB" * 32)
    assert _dnssec.validating_ds(RFC_ZONE, [sha1, sha256, stranger], [key]) == [sha256]
    assert _dnssec.validating_ds(RFC_ZONE, [sha1], [key]) == []
    assert not _dnssec.ds_set_validates(RFC_ZONE, [sha1, stranger], [key])


def test_removal_keeps_chain() -> None:
    key = parse_dnskey(RFC_KEY)
    sha1, sha256 = parse_ds(RFC_DS_SHA1), parse_ds(RFC_DS_SHA256)
    assert _dnssec.removal_keeps_chain(RFC_ZONE, [sha1, sha256], [sha1], [key])
    assert not _dnssec.removal_keeps_chain(RFC_ZONE, [sha1, sha256], [sha256], [key])


def test_algorithms_stay_signed() -> None:
    ds_set = [parse_ds(RFC_DS_SHA256), parse_ds(ROOT_DS)]
    assert _dnssec.algorithms_stay_signed(ds_set, [5, 8])
    assert not _dnssec.algorithms_stay_signed(ds_set, [8])


# Signatures over a DNSKEY RRset.


def signed_rrset(zone: str, signers: int, others: int = 0, expired: bool = False):
    name = dns.name.from_text(zone)
    private = [
        ec.generate_private_key(ec.SECP256R1()) for index in range(signers + others)
    ]
    keys = [dns.dnssec.make_dnskey(p.public_key(), 13, flags=257) for p in private]
    rrset = dns.rrset.from_rdata_list(name, 300, keys)
    inception = 1_000_000_000 if expired else None
    sigs = [
        dns.dnssec.sign(
            rrset,
            p,
            name,
            k,
            inception=inception,
            expiration=inception + 3600 if expired else None,
            lifetime=None if expired else 3600,
        )
        for p, k in zip(private[:signers], keys[:signers])
    ]
    return rrset, dns.rrset.from_rdata_list(name, 300, sigs), keys


def test_signing_keys_are_those_whose_signature_validates() -> None:
    rrset, rrsigs, keys = signed_rrset("example.test.", signers=1, others=1)
    signers = _dnssec.signing_keys("example.test.", rrset, rrsigs)
    assert signers == [_dnssec.dnskey_from_rdata(keys[0])]


def test_expired_signature_does_not_count() -> None:
    rrset, rrsigs = signed_rrset("example.test.", signers=1, expired=True)[:2]
    assert _dnssec.signing_keys("example.test.", rrset, rrsigs) == []


def test_dnskey_rrset_validates_against_a_ds_set() -> None:
    zone = "example.test."
    rrset, rrsigs, keys = signed_rrset(zone, signers=1, others=1)
    signer = _dnssec.dnskey_from_rdata(keys[0])
    standby = _dnssec.dnskey_from_rdata(keys[1])
    good = _dnssec.make_ds(zone, signer)
    good384 = _dnssec.make_ds(zone, signer, 4)
    sha1 = _dnssec.compute_ds(zone, signer, 1)

    assert _dnssec.validating_ds_for_rrset(zone, rrset, rrsigs, [good, good384]) == [
        good,
        good384,
    ]
    assert _dnssec.dnskey_rrset_validates(zone, rrset, rrsigs, [good])
    # A DS of a published key that does not sign, or a SHA-1 DS, does not validate.
    assert not _dnssec.dnskey_rrset_validates(
        zone, rrset, rrsigs, [_dnssec.make_ds(zone, standby)]
    )
    assert not _dnssec.dnskey_rrset_validates(zone, rrset, rrsigs, [sha1])
    # Signatures missing altogether.
    assert not _dnssec.dnskey_rrset_validates(zone, rrset, None, [good])


def test_dsrecord_is_hashable_and_canonical() -> None:
    assert len({parse_ds(RFC_DS_SHA256), parse_ds(RFC_DS_SHA256.lower())}) == 1
    assert isinstance(parse_ds(RFC_DS_SHA256), DSRecord)
