"""Server-side events end to end against the sandbox process: the storefront writes the outbox, the
send task posts it to event/track, the sandbox stores the same event_ids, deduplicates a resend, and
never sees a raw e-mail or phone."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from pixel.hashing import sha256_hex
from pixel.models import OutboxEvent, OutboxStatus
from pixel.tasks import send_outbox_for_store

from .test_middleware import pixel_data

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EMAIL = "Comprador@Exemplo.com.br"
PHONE = "+55 21 99876-5432"


@pytest.fixture
def connected_shop(store: Any, make_sku: Any, connect: Any, sandbox_settings: Any) -> dict[str, Any]:
    grant = sandbox_settings.admin.connect(store.account)
    conn = connect(
        store, pixel_code=grant["pixel_code"], access_token=grant["access_token"], advanced_matching=True
    )
    sku = make_sku(store, product_name="Boné", name="Único", price=Decimal("59.90"))
    return {"store": store, "sku": sku, "conn": conn, "grant": grant, "sandbox": sandbox_settings}


def test_sandbox_receives_the_browser_event_ids_hashed_and_deduplicated(
    client: Client, connected_shop: dict, settings: Any
) -> None:
    store, sku, sandbox = connected_shop["store"], connected_shop["sku"], connected_shop["sandbox"]
    pixel_code = connected_shop["grant"]["pixel_code"]
    add_page = client.post(f"/s/{store.account}/cart/add/", {"sku_id": sku.pk, "quantity": 2}, follow=True)
    browser_add = pixel_data(add_page.content.decode())["events"][1]
    order_page = client.post(
        f"/s/{store.account}/checkout/", {"name": "Comprador", "email": EMAIL, "phone": PHONE}, follow=True
    )
    browser_order = pixel_data(order_page.content.decode())["events"][1]
    assert OutboxEvent.objects.filter(status=OutboxStatus.PENDING).count() == 2

    send_outbox_for_store(store.pk)  # what the worker runs

    assert set(OutboxEvent.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
    received = sandbox.admin.events(pixel_code=pixel_code)
    assert [(e["event"], e["event_id"], e["deduplicated"]) for e in received] == [
        ("AddToCart", browser_add["event_id"], False),
        ("PlaceAnOrder", browser_order["event_id"], False),
    ]
    order_payload = received[1]["payload"]
    assert order_payload["user"]["email"] == sha256_hex(EMAIL.lower())
    assert order_payload["user"]["phone"] == sha256_hex("+5521998765432")
    assert order_payload["properties"]["order_id"] == store.orders.get().number
    assert order_payload["properties"]["contents"][0]["content_id"] == str(sku.pk)
    everything = json.dumps(received).lower()
    assert "exemplo.com" not in everything and "99876" not in everything and "comprador@" not in everything

    # a resend (e.g. a worker killed after TikTok answered) is deduplicated by TikTok
    OutboxEvent.objects.update(status=OutboxStatus.PENDING)
    send_outbox_for_store(store.pk)
    again = sandbox.admin.events(pixel_code=pixel_code)
    assert [e["deduplicated"] for e in again] == [False, False, True, True]
    calls = sandbox.admin.journal(endpoint="event/track")
    assert len(calls) == 2 and all(c.get("code") == 0 for c in calls)


def test_revoked_token_disconnects_through_the_automatic_disconnect(
    client: Client, connected_shop: dict
) -> None:
    store, sku, sandbox, conn = (connected_shop[k] for k in ("store", "sku", "sandbox", "conn"))
    client.post(f"/s/{store.account}/cart/add/", {"sku_id": sku.pk, "quantity": 1})
    sandbox.admin.revoke(token=connected_shop["grant"]["access_token"])
    send_outbox_for_store(store.pk)
    conn.refresh_from_db()
    assert conn.status == "disconnected"
    assert conn.disconnect_reason == "token_revoked"
    assert set(OutboxEvent.objects.values_list("status", flat=True)) == {OutboxStatus.DROPPED}
    assert sandbox.admin.events(pixel_code=connected_shop["grant"]["pixel_code"]) == []
    # and the storefront stops getting the pixel
    assert b"tiktok-pixel-data" not in client.get(f"/s/{store.account}/").content
