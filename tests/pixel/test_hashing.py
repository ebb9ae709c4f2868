"""Advanced Matching normalisation with TikTok's documented examples (reference §4.3) and the ways
Brazilian shoppers type phone numbers."""

from __future__ import annotations

import pytest

from pixel.hashing import (
    hash_email,
    hash_external_id,
    hash_phone,
    identity_hashes,
    normalize_email,
    normalize_phone,
    sha256_hex,
)


def test_tiktok_documented_email_example() -> None:
    assert normalize_email(" ALICE_abc@gmail.com ") == "alice_abc@gmail.com"
    assert hash_email(" ALICE_abc@gmail.com ") == (
        "848a771458438fc2ec420560d769fb9b9b86851ee338ec56517baabd79d3bb4f"
    )


def test_tiktok_documented_phone_example() -> None:
    assert normalize_phone("(+1)2133734253") == "+12133734253"
    assert hash_phone("(+1)2133734253") == "9f7ec22d72092cd3c0b58726ed9c2d91b92e51a3f29837508fb2948bb22dd2fd"


def test_tiktok_documented_external_id_example() -> None:
    assert hash_external_id("user_123") == "80fba0ae1c48e3978e43e4efc365e14e12ea0c830ba8ba5b9a2dafc7e3f2ab8b"


def test_hash_is_lowercase_hex_sha256() -> None:
    digest = sha256_hex("abc")
    assert digest == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert digest == digest.lower() and len(digest) == 64


@pytest.mark.parametrize(
    "typed",
    [
        "+55 11 98765-4321",
        "+55 (11) 98765-4321",
        "(11) 98765-4321",
        "11987654321",
        "011 98765 4321",
        "0 21 11 98765-4321",  # carrier selection code
        "5511987654321",
    ],
)
def test_brazilian_mobile_forms_normalise_to_one_e164(typed: str) -> None:
    assert normalize_phone(typed) == "+5511987654321"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("(11) 3456-7890", "+551134567890"),  # landline keeps 8 digits
        ("+55 21 2345-6789", "+552123456789"),
        ("55 99999-8888", "+5555999998888"),  # area code 55 (RS), not the country code
        ("+351 912 345 678", "+351912345678"),  # international stays as typed
        ("+1 (213) 373-4253", "+12133734253"),
    ],
)
def test_other_numbers(typed: str, expected: str) -> None:
    assert normalize_phone(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "abc",
        "12345",
        "(00) 98765-4321",
        "+55 11 1234-567",
        None,
        # The checkout refuses these (core.phones), so no order holds them: nothing guesses what they meant.
        "005511987654321",  # 00 without a carrier code is not how Brazil dials abroad
        "+55 11 8765-4321",  # a mobile saved before the ninth digit
        "(11) 8765-4321",
        "+55¹¹⁹⁸⁷⁶⁵⁴³²¹",  # superscript digits
        "+٥٥١١٩٨٧٦٥٤٣٢١",  # Arabic-Indic digits, which phonenumbers alone would read as 0-9
    ],
)
def test_not_a_phone_gives_none(typed: str | None) -> None:
    assert normalize_phone(typed) is None
    assert hash_phone(typed) is None


@pytest.mark.parametrize("typed", ["", "no-at-sign", "a@b", "two@@signs.com", None])
def test_not_an_email_gives_none(typed: str | None) -> None:
    assert normalize_email(typed) is None
    assert hash_email(typed) is None


def test_identity_contains_only_hashes() -> None:
    identity = identity_hashes("Cliente@Loja.com.br ", "+55 11 98765-4321")
    assert identity == {
        "email": sha256_hex("cliente@loja.com.br"),
        "phone_number": sha256_hex("+5511987654321"),
    }
    assert identity_hashes("", "") == {}
