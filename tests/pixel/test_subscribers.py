"""The pixel hears the storefront through the store's change registry (`pixel.subscribers`, declared in
settings): the store imports nothing of the pixel. Orders other channels took are not the pixel's."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client, RequestFactory

from pixel import subscribers
from pixel.models import OutboxEvent
from store import changes
from store import services as store_services
from store.models import OrderSource

from .test_middleware import pixel_data

pytestmark = pytest.mark.django_db

PIXEL = "pixel.subscribers.on_store_change"


@pytest.fixture
def shop(store: Any, make_sku: Any, connect: Any) -> dict[str, Any]:
    connect(store)
    sku = make_sku(store, product_name="Camiseta Azul", name="M", price=Decimal("99.90"), stock=10)
    return {"store": store, "sku": sku}


def _view_properties(client: Client, shop: dict[str, Any]) -> dict[str, Any]:
    response = client.get(f"/s/{shop['store'].account}/p/{shop['sku'].product.slug}/")
    (event,) = pixel_data(response.content.decode())["events"]
    assert event["event"] == "ViewContent"
    return event["properties"]


def test_the_product_view_reaches_the_pixel_only_through_the_registry(
    client: Client, shop: dict[str, Any], settings: Any
) -> None:
    assert PIXEL in settings.STORE_CHANGE_SUBSCRIBERS
    assert [c["content_id"] for c in _view_properties(client, shop)["contents"]] == [str(shop["sku"].pk)]
    settings.STORE_CHANGE_SUBSCRIBERS = [p for p in settings.STORE_CHANGE_SUBSCRIBERS if p != PIXEL]
    assert _view_properties(client, shop) == {}  # the page's own ViewContent, without the product


def test_the_cart_and_the_order_reach_the_pixel_through_the_registry(
    shop: dict[str, Any], settings: Any
) -> None:
    store, sku = shop["store"], shop["sku"]
    request = RequestFactory().post(f"/s/{store.account}/checkout/")
    request.session = Client().session
    item = store_services.cart_add(store, "sess-1", sku.pk, 1, request=request)
    store_services.checkout_place_order(
        store, item.cart, "ana@example.com", "+55 11 91234-5678", "Ana", request=request
    )
    assert OutboxEvent.objects.count() == 2
    settings.STORE_CHANGE_SUBSCRIBERS = [p for p in settings.STORE_CHANGE_SUBSCRIBERS if p != PIXEL]
    store_services.cart_add(store, "sess-2", sku.pk, 1, request=request)
    assert OutboxEvent.objects.count() == 2


def test_orders_and_cart_lines_without_a_shoppers_request_are_not_the_pixels(shop: dict[str, Any]) -> None:
    store, sku = shop["store"], shop["sku"]
    order = store_services.channel_order_create(
        store.pk,
        store_services.ChannelOrder(
            source=OrderSource.TIKTOK_SHOP,
            external_id="576",
            number="TTS-576",
            external_status="AWAITING_SHIPMENT",
            status="ready-for-handling",
            customer_name="Ana",
            email="ana@example.com",
            phone="",
            currency="BRL",
            total=Decimal("99.90"),
            lines=[store_services.ChannelOrderLine(str(sku.pk), "Camiseta", 1, Decimal("99.90"))],
        ),
        reserve_stock=True,
    )
    subscribers.on_store_change(changes.OrderPlaced(order))
    subscribers.on_store_change(changes.CartItemAdded(store, sku, 1, Decimal("99.90")))
    assert not OutboxEvent.objects.exists()
