"""Events through the real storefront: ViewContent, AddToCart after the POST+redirect, the order
event, Advanced Matching, the purchase-name setting, hostile product names, the outbox rows."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from pixel.hashing import sha256_hex
from pixel.models import OutboxEvent, PixelSettings, PurchaseEvent
from pixel.services import MARKER_COOKIE

from .conftest import PIXEL_CODE, Broker, disconnect
from .test_middleware import pixel_data

pytestmark = pytest.mark.django_db

EMAIL = "  Cliente.Teste@Example.COM "
PHONE = "+55 (11) 98765-4321"
EMAIL_HASH = sha256_hex("cliente.teste@example.com")
PHONE_HASH = sha256_hex("+5511987654321")


@pytest.fixture
def shop(store: Any, make_sku: Any) -> dict[str, Any]:
    sku = make_sku(store, product_name="Camiseta Azul", name="M", price=Decimal("99.90"), stock=10)
    return {"store": store, "sku": sku, "product": sku.product}


def _events(response: Any) -> list[dict[str, Any]]:
    return pixel_data(response.content.decode())["events"]


def _add(client: Client, store: Any, sku: Any, qty: int = 2) -> Any:
    return client.post(f"/s/{store.account}/cart/add/", {"sku_id": sku.pk, "quantity": qty}, follow=True)


def _checkout(client: Client, store: Any) -> Any:
    return client.post(
        f"/s/{store.account}/checkout/",
        {"name": "Cliente Teste", "email": EMAIL, "phone": PHONE},
        follow=True,
    )


def test_product_page_view_content_carries_the_skus(client: Client, shop: dict, connect: Any) -> None:
    connect(shop["store"])
    response = client.get(f"/s/{shop['store'].account}/p/{shop['product'].slug}/")
    assert response.status_code == 200
    (event,) = _events(response)
    assert event["event"] == "ViewContent"
    props = event["properties"]
    assert props["content_type"] == "product"
    assert props["currency"] == "BRL"
    assert [(c["content_id"], c["content_type"], c["content_name"]) for c in props["contents"]] == [
        (str(shop["sku"].pk), "product", "Camiseta Azul – M")
    ]
    assert props["contents"][0]["price"] == 99.9
    assert props["value"] == 99.9


def test_home_page_view_content_without_contents(client: Client, shop: dict, connect: Any) -> None:
    connect(shop["store"])
    (event,) = _events(client.get(f"/s/{shop['store'].account}/"))
    assert event["event"] == "ViewContent"
    assert event["properties"] == {}


def test_add_to_cart_fires_on_the_page_after_the_redirect_and_only_once(
    client: Client, shop: dict, connect: Any
) -> None:
    store, sku = shop["store"], shop["sku"]
    connect(store)
    response = _add(client, store, sku, 2)
    assert response.redirect_chain[-1][0] == f"/s/{store.account}/cart/"
    events = _events(response)
    assert [e["event"] for e in events] == ["ViewContent", "AddToCart"]
    add = events[1]
    assert add["properties"] == {
        "content_type": "product",
        "contents": [
            {
                "content_id": str(sku.pk),
                "content_type": "product",
                "content_name": "Camiseta Azul – M",
                "quantity": 2,
                "price": 99.9,
            }
        ],
        "currency": "BRL",
        "value": 199.8,
    }
    row = OutboxEvent.objects.get()
    assert (row.event, row.event_id, row.pixel_code, row.status) == (
        "AddToCart",
        add["event_id"],
        PIXEL_CODE,
        "pending",
    )
    assert row.payload["properties"] == add["properties"]
    assert row.payload["event_id"] == add["event_id"]
    assert row.payload["page"]["url"].startswith("http://testserver/s/")
    # the next page does not repeat it, and the marker cookie is gone
    assert [e["event"] for e in _events(client.get(f"/s/{store.account}/"))] == ["ViewContent"]
    assert client.cookies[MARKER_COOKIE].value == ""


def test_order_event_with_properties_and_no_identity_when_matching_is_off(
    client: Client, shop: dict, connect: Any
) -> None:
    store, sku = shop["store"], shop["sku"]
    connect(store, advanced_matching=False)
    _add(client, store, sku, 3)
    response = _checkout(client, store)
    data = pixel_data(response.content.decode())
    assert data["identify"] is None
    events = data["events"]
    assert [e["event"] for e in events] == ["ViewContent", "PlaceAnOrder"]
    order = store.orders.get()
    assert events[1]["event_id"] == f"order-{store.pk}-{order.number}"
    assert events[1]["properties"] == {
        "content_type": "product",
        "contents": [
            {
                "content_id": str(sku.pk),
                "content_type": "product",
                "content_name": "Camiseta Azul – M",
                "quantity": 3,
                "price": 99.9,
            }
        ],
        "value": 299.7,
        "currency": "BRL",
        "order_id": order.number,
    }
    row = OutboxEvent.objects.get(event="PlaceAnOrder")
    assert row.event_id == events[1]["event_id"]
    assert "email" not in row.payload["user"] and "phone" not in row.payload["user"]
    raw = json.dumps([r.payload for r in OutboxEvent.objects.all()])
    assert "example.com" not in raw.lower() and "98765" not in raw


def test_advanced_matching_identifies_with_hashes_now_and_on_later_pages(
    client: Client, shop: dict, connect: Any
) -> None:
    store, sku = shop["store"], shop["sku"]
    connect(store, advanced_matching=True)
    _add(client, store, sku, 1)
    response = _checkout(client, store)
    data = pixel_data(response.content.decode())
    assert data["identify"] == {"email": EMAIL_HASH, "phone_number": PHONE_HASH}
    later = pixel_data(client.get(f"/s/{store.account}/p/{shop['product'].slug}/").content.decode())
    assert later["identify"] == {"email": EMAIL_HASH, "phone_number": PHONE_HASH}
    # the raw values never reach the page or the outbox
    assert "cliente.teste" not in response.content.decode().lower().split("<script id=")[-1]
    row = OutboxEvent.objects.get(event="PlaceAnOrder")
    assert row.payload["user"]["email"] == EMAIL_HASH
    assert row.payload["user"]["phone"] == PHONE_HASH
    raw = json.dumps([r.payload for r in OutboxEvent.objects.all()])
    assert "example.com" not in raw.lower() and "98765" not in raw
    # a later add to cart carries the identity server-side too
    _add(client, store, sku, 1)
    last_add = OutboxEvent.objects.filter(event="AddToCart").order_by("-id").first()
    assert last_add.payload["user"]["email"] == EMAIL_HASH


def test_turning_matching_off_stops_identify(client: Client, shop: dict, connect: Any) -> None:
    store, sku = shop["store"], shop["sku"]
    conn = connect(store, advanced_matching=True)
    _add(client, store, sku, 1)
    _checkout(client, store)
    type(conn).objects.filter(pk=conn.pk).update(advanced_matching=False)
    from pixel.cache import pixel_config_invalidate

    pixel_config_invalidate(store.pk)
    assert pixel_data(client.get(f"/s/{store.account}/").content.decode())["identify"] is None


def test_purchase_name_setting_sends_one_name_only(client: Client, shop: dict, connect: Any) -> None:
    store, sku = shop["store"], shop["sku"]
    from pixel.services import pixel_settings_update

    connect(store)
    pixel_settings_update(store, purchase_event=PurchaseEvent.PURCHASE, require_consent=False)
    _add(client, store, sku, 1)
    names = [e["event"] for e in _events(_checkout(client, store))]
    assert names == ["ViewContent", "Purchase"]
    assert set(OutboxEvent.objects.values_list("event", flat=True)) == {"AddToCart", "Purchase"}
    assert PixelSettings.objects.get(store=store).purchase_event == "Purchase"


def test_hostile_product_name_stays_data(client: Client, store: Any, make_sku: Any, connect: Any) -> None:
    hostile = "</script><script>alert(1)</script>"
    sku = make_sku(store, product_name=hostile, name="<b>M</b>")
    connect(store)
    body = client.get(f"/s/{store.account}/p/{sku.product.slug}/").content.decode()
    block = re.search(
        r'<script id="tiktok-pixel-data" type="application/json">(.*?)</script>', body, re.S
    ).group(1)
    assert "<" not in block and ">" not in block
    assert "\\u003C/script\\u003E" in block
    assert (
        pixel_data(body)["events"][0]["properties"]["contents"][0]["content_name"] == f"{hostile} – <b>M</b>"
    )
    assert "<script>alert(1)</script>" not in body


def test_disconnected_store_gets_no_events_and_no_outbox(client: Client, shop: dict, connect: Any) -> None:
    store, sku = shop["store"], shop["sku"]
    conn = connect(store)
    disconnect(conn)
    response = _add(client, store, sku, 1)
    assert b"tiktok-pixel-data" not in response.content
    _checkout(client, store)
    assert OutboxEvent.objects.count() == 0
    assert MARKER_COOKIE not in client.cookies


def test_ad_click_id_and_ttp_reach_the_server_side_event(client: Client, shop: dict, connect: Any) -> None:
    store, sku = shop["store"], shop["sku"]
    connect(store)
    response = client.get(f"/s/{store.account}/p/{shop['product'].slug}/?ttclid=E.C.P.abc123-XYZ_9")
    cookie = response.cookies["tt_ttclid"]
    assert (cookie.value, cookie["path"], cookie["httponly"]) == (
        "E.C.P.abc123-XYZ_9",
        f"/s/{store.account}/",
        True,
    )
    client.cookies["_ttp"] = "2YttpCookieValue"
    _add(client, store, sku, 1)
    user = OutboxEvent.objects.get().payload["user"]
    assert user["ttclid"] == "E.C.P.abc123-XYZ_9"
    assert user["ttp"] == "2YttpCookieValue"
    assert "ip" not in user


def test_malformed_ad_click_id_is_ignored(client: Client, shop: dict, connect: Any) -> None:
    connect(shop["store"])
    response = client.get(f"/s/{shop['store'].account}/?ttclid=%3Cscript%3E")
    assert "tt_ttclid" not in response.cookies


def test_a_pixel_failure_never_fails_the_order(
    client: Client, shop: dict, connect: Any, monkeypatch: Any
) -> None:
    from pixel import hooks

    store, sku = shop["store"], shop["sku"]
    connect(store)
    _add(client, store, sku, 1)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("outbox table is on fire")

    monkeypatch.setattr(hooks, "outbox_event_create", broken)
    response = _checkout(client, store)
    assert response.status_code == 200
    order = store.orders.get()
    assert response.redirect_chain[-1][0] == f"/s/{store.account}/order/{order.number}/"
    assert order.items.count() == 1
    assert not OutboxEvent.objects.filter(event="PlaceAnOrder").exists()


def test_product_view_opens_no_transaction(client: Client, shop: dict, connect: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connect(shop["store"])
    path = f"/s/{shop['store'].account}/p/{shop['product'].slug}/"
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    assert not [q for q in queries.captured_queries if q["sql"].upper().startswith(("BEGIN", "SAVEPOINT"))]


def test_reloading_the_order_page_does_not_repeat_the_order_event(
    client: Client, shop: dict, connect: Any
) -> None:
    store, sku = shop["store"], shop["sku"]
    connect(store)
    _add(client, store, sku, 1)
    response = _checkout(client, store)
    order_url = response.redirect_chain[-1][0]
    again = client.get(order_url)
    assert [e["event"] for e in _events(again)] == ["ViewContent"]


def test_add_to_cart_queues_the_send_only_when_the_cart_change_commits(
    client: Client, shop: dict, connect: Any, broker: Broker, django_capture_on_commit_callbacks: Any
) -> None:
    store, sku = shop["store"], shop["sku"]
    connect(store)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _add(client, store, sku, 1)
    assert OutboxEvent.objects.filter(event="AddToCart").count() == 1
    assert broker.sent == [], "nothing is queued before the transaction commits"
    for callback in callbacks:
        callback()
    assert broker.sent == [("pixel.tasks.send_outbox_for_store", (store.pk,), {"ignore_result": True})]
