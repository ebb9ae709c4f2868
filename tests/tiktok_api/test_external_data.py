"""external_data: the exact signing recipe of reference §2.1, round trips, and tamper rejection."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tiktok_api import (
    ExternalDataError,
    external_data_build,
    external_data_decode,
    external_data_signature,
    external_data_verify,
)

from .conftest import fixture

KEY = "sandbox-external-data-key"
NOW_MS = 1_722_470_400_000


def test_signature_is_hex_hmac_sha256_over_the_five_fields_in_order():
    example = fixture("external_data_decoded.json")["decoded"]
    message = (
        "version=1.5&timestamp=1722470400000&locale=en&business_platform=WOO_COMMERCE"
        "&external_business_id=tt4b_woocommerce_66a1b2c3d4e5f"
    )
    expected = hmac.new(KEY.encode(), message.encode(), hashlib.sha256).hexdigest()
    assert external_data_signature(example, KEY) == expected
    assert len(expected) == 64


def test_build_adds_hmac_and_base64s_compact_utf8_json():
    fields = {k: v for k, v in fixture("external_data_decoded.json")["decoded"].items() if k != "hmac"}
    encoded = external_data_build(fields, KEY)
    decoded = json.loads(base64.b64decode(encoded, validate=True).decode("utf-8"))
    assert decoded == {**fields, "hmac": external_data_signature(fields, KEY)}
    raw = base64.b64decode(encoded).decode("utf-8")
    assert "\\/" not in raw, "slashes unescaped, as the plugins' JSON_UNESCAPED_SLASHES"
    assert ", " not in raw and '": ' not in raw


def test_build_fills_timestamp_as_a_millisecond_string_and_verify_accepts_it():
    encoded = external_data_build(
        {"version": "1.0", "locale": "pt-BR", "business_platform": "VTEX", "external_business_id": "loja1"},
        KEY,
        now_ms=NOW_MS,
    )
    payload = external_data_decode(encoded)
    assert payload["timestamp"] == str(NOW_MS)
    assert external_data_verify(encoded, KEY, now_ms=NOW_MS + 60_000)["external_business_id"] == "loja1"


def test_int_timestamp_is_sent_as_a_string():
    encoded = external_data_build(
        {
            "version": "1.0",
            "timestamp": NOW_MS,
            "locale": "en",
            "business_platform": "VTEX",
            "external_business_id": "x",
        },
        KEY,
    )
    assert external_data_decode(encoded)["timestamp"] == str(NOW_MS)


def test_non_ascii_fields_are_utf8():
    encoded = external_data_build(
        {
            "version": "1.0",
            "locale": "pt-BR",
            "business_platform": "VTEX",
            "external_business_id": "x",
            "store_name": "Loja São João 🛍",
        },
        KEY,
        now_ms=NOW_MS,
    )
    assert "São João 🛍" in base64.b64decode(encoded).decode("utf-8")
    assert external_data_verify(encoded, KEY, now_ms=NOW_MS)["store_name"] == "Loja São João 🛍"


def test_build_rejects_results_longer_than_1950_characters():
    fields = {"version": "1.0", "locale": "en", "business_platform": "VTEX", "external_business_id": "x"}
    with pytest.raises(ExternalDataError) as info:
        external_data_build({**fields, "store_name": "a" * 1500}, KEY, now_ms=NOW_MS)
    assert info.value.reason == "too_long"
    external_data_build({**fields, "store_name": "a" * 1000}, KEY, now_ms=NOW_MS)


@pytest.mark.parametrize("missing", ["version", "locale", "business_platform", "external_business_id"])
def test_build_refuses_a_missing_signed_field(missing):
    fields = {"version": "1.0", "locale": "en", "business_platform": "VTEX", "external_business_id": "x"}
    del fields[missing]
    with pytest.raises(ExternalDataError) as info:
        external_data_build(fields, KEY)
    assert info.value.reason == "missing_field"


def _encode(payload: dict) -> str:
    return base64.b64encode(json.dumps(payload).encode()).decode()


def test_verify_rejects_a_missing_field_even_with_a_matching_hmac():
    payload = {"version": "1.0", "timestamp": str(NOW_MS), "locale": "en", "business_platform": "VTEX"}
    payload["hmac"] = "0" * 64
    with pytest.raises(ExternalDataError) as info:
        external_data_verify(_encode(payload), KEY, now_ms=NOW_MS)
    assert info.value.reason == "missing_field"


def test_verify_rejects_stale_and_future_timestamps():
    fields = {"version": "1.0", "locale": "en", "business_platform": "VTEX", "external_business_id": "x"}
    encoded = external_data_build(fields, KEY, now_ms=NOW_MS)
    external_data_verify(encoded, KEY, now_ms=NOW_MS + 30 * 60 * 1000)
    with pytest.raises(ExternalDataError) as info:
        external_data_verify(encoded, KEY, now_ms=NOW_MS + 30 * 60 * 1000 + 1)
    assert info.value.reason == "stale"
    with pytest.raises(ExternalDataError) as info:
        external_data_verify(encoded, KEY, now_ms=NOW_MS - 10 * 60 * 1000)
    assert info.value.reason == "future"
    assert external_data_verify(encoded, KEY, now_ms=NOW_MS + 3600_000, max_age_seconds=7200)


@pytest.mark.parametrize("garbage", ["not base64!!", base64.b64encode(b"[1,2]").decode(), "", "e30"])
def test_verify_rejects_malformed_values(garbage):
    with pytest.raises(ExternalDataError) as info:
        external_data_verify(garbage, KEY, now_ms=NOW_MS)
    assert info.value.reason in {"malformed", "missing_field"}


def test_verify_rejects_the_wrong_key():
    fields = {"version": "1.0", "locale": "en", "business_platform": "VTEX", "external_business_id": "x"}
    with pytest.raises(ExternalDataError) as info:
        external_data_verify(external_data_build(fields, KEY, now_ms=NOW_MS), "other", now_ms=NOW_MS)
    assert info.value.reason == "bad_hmac"


field_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


@settings(deadline=None)
@given(
    version=st.sampled_from(["1.0", "1.5"]),
    locale=st.sampled_from(["en", "pt-BR", "es"]),
    platform=field_text,
    business_id=field_text,
    extra=st.dictionaries(
        st.sampled_from(["store_name", "email", "state", "timezone"]), field_text, max_size=4
    ),
    key=field_text,
    age_ms=st.integers(0, 30 * 60 * 1000),
)
def test_round_trip(version, locale, platform, business_id, extra, key, age_ms):
    fields = {
        "version": version,
        "locale": locale,
        "business_platform": platform,
        "external_business_id": business_id,
        **extra,
    }
    encoded = external_data_build(fields, key, now_ms=NOW_MS)
    assert len(encoded) <= 1950
    verified = external_data_verify(encoded, key, now_ms=NOW_MS + age_ms)
    assert verified == {**fields, "timestamp": str(NOW_MS)}


@settings(deadline=None)
@given(
    field=st.sampled_from(["version", "timestamp", "locale", "business_platform", "external_business_id"]),
    replacement=field_text,
)
def test_tampering_with_any_signed_field_is_rejected(field, replacement):
    fields = {"version": "1.0", "locale": "en", "business_platform": "VTEX", "external_business_id": "loja1"}
    payload = external_data_decode(external_data_build(fields, KEY, now_ms=NOW_MS))
    assume(payload[field] != replacement)
    payload[field] = replacement
    with pytest.raises(ExternalDataError) as info:
        external_data_verify(_encode(payload), KEY, now_ms=NOW_MS)
    assert info.value.reason == "bad_hmac"


@settings(deadline=None)
@given(hmac_value=st.text(max_size=70))
def test_any_other_hmac_is_rejected(hmac_value):
    fields = {"version": "1.0", "locale": "en", "business_platform": "VTEX", "external_business_id": "loja1"}
    payload = external_data_decode(external_data_build(fields, KEY, now_ms=NOW_MS))
    assume(hmac_value != payload["hmac"])
    payload["hmac"] = hmac_value
    with pytest.raises(ExternalDataError) as info:
        external_data_verify(_encode(payload), KEY, now_ms=NOW_MS)
    assert info.value.reason == "bad_hmac"
