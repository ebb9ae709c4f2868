"""The payload hash is the one stored before it moved to orjson: a changed hash would make the next sweep
re-send every SKU of every catalog once."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog_sync.mapping import _money, payload_for, payload_hash
from catalog_sync.validation import validate
from tests.catalog_sync.test_properties import facts


def stored_hash(payload: dict) -> str:
    """How the hashes already in the database were made."""
    raw = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.blake2b(raw.encode("utf-8"), digest_size=16).hexdigest()


def test_a_known_payload_keeps_its_stored_hash() -> None:
    payload = {
        "sku_id": "12",
        "title": 'Camiseta Ação \u2028 ótima \x1f "aspas" \\ / 😀',
        "price_info": {"currency": "BRL", "price": 1299.9, "sale_price": 0.01},
        "product_detail": {"condition": "NEW"},
        "additional_image_urls": ["https://cdn.example.com/b,c.jpg"],
    }
    assert payload_hash(payload) == stored_hash(payload)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(f=facts(), https=st.booleans())
def test_every_mapped_payload_hashes_as_before(f, https: bool) -> None:
    if validate(f, require_https=https):
        return
    payload = payload_for(f)
    assert payload_hash(payload) == stored_hash(payload)


# Every price a SkuPrice can hold (12 digits, 2 decimals), as the mapping turns it into a float.
prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("9999999999.99"), places=2, allow_nan=False)
texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), prices.map(_money), texts),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(texts, inner, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=600, deadline=None)
@given(value=st.dictionaries(texts, json_values, max_size=6))
def test_any_payload_shaped_value_hashes_as_before(value: dict) -> None:
    assert payload_hash(value) == stored_hash(value)
