"""Advanced Matching's phone is the hash of exactly what the checkout stored: both come from
core.phones.phone_e164, so a number typed without `+` (read in the store's country) matches, and one
typed with other than the digits 0-9 is refused at checkout and never hashed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from pixel.hashing import sha256_hex
from pixel.models import OutboxEvent
from store.models import Order

from .test_middleware import pixel_data

pytestmark = pytest.mark.django_db

E164 = "+5521998765432"


def _buy(client: Client, store: Any, make_sku: Any, phone: str) -> Any:
    sku = make_sku(store, product_name="Camiseta Azul", name="M", price=Decimal("99.90"), stock=10)
    client.post(f"/s/{store.account}/cart/add/", {"sku_id": sku.pk, "quantity": 1})
    return client.post(
        f"/s/{store.account}/checkout/",
        {"name": "Cliente", "email": "cliente@example.com", "phone": phone},
        follow=True,
    )


def test_the_hashed_phone_is_the_sha256_of_the_stored_e164(
    client: Client, store: Any, make_sku: Any, connect: Any
) -> None:
    connect(store, advanced_matching=True)
    response = _buy(client, store, make_sku, "(21) 99876-5432")
    order = Order.objects.get(store=store)
    assert order.phone == E164
    # TikTok's rule (reference §4.3): SHA-256 of E.164 with its "+".
    assert pixel_data(response.content.decode())["identify"]["phone_number"] == sha256_hex(E164)
    row = OutboxEvent.objects.get(event="PlaceAnOrder")
    assert row.payload["user"]["phone"] == sha256_hex(order.phone)


def test_unicode_digits_are_refused_before_anything_is_hashed(
    client: Client, store: Any, make_sku: Any, connect: Any
) -> None:
    connect(store, advanced_matching=True)
    response = _buy(client, store, make_sku, "+٥٥ ٢١ ٩٩٨٧٦-٥٤٣٢")
    assert response.status_code == 400
    assert not Order.objects.exists()
    assert not OutboxEvent.objects.filter(event="PlaceAnOrder").exists()
    assert "phone" not in "".join(str(r.payload.get("user")) for r in OutboxEvent.objects.all())
