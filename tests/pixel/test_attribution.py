"""Sales from TikTok ad clicks, through the real storefront: a visit with `?ttclid=`, an add to cart and an
order end with the order attributed (keyed by the order) and counted where the Ads section reads it; with
consent required and refused (or not given) nothing is kept; `_ttp` never attributes; a click older than
the window does not count; the last click wins."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from pixel.models import AdClickSeen, OrderAttribution
from pixel.selectors import attribution_totals
from pixel.services import pixel_settings_update
from store.models import Order
from tiktok_ads.attribution import attribution_totals as ads_attribution_totals

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(store: Any, make_sku: Any, connect: Any) -> dict[str, Any]:
    connect(store)
    sku = make_sku(store, product_name="Camiseta Azul", name="M", price=Decimal("99.90"), stock=10)
    return {"store": store, "sku": sku}


def _visit_add_order(client: Client, shop: dict[str, Any], ttclid: str = "E.C.P.click-1") -> Order:
    store = shop["store"]
    client.get(f"/s/{store.account}/?ttclid={ttclid}")
    client.post(f"/s/{store.account}/cart/add/", {"sku_id": shop["sku"].pk, "quantity": 2}, follow=True)
    client.post(
        f"/s/{store.account}/checkout/",
        {"name": "Cliente Teste", "email": "cliente@example.com", "phone": "+55 11 98765-4321"},
        follow=True,
    )
    return Order.objects.filter(store=store).latest("pk")


def test_an_order_after_a_tiktok_click_is_attributed_and_counted(client: Client, shop: dict) -> None:
    pixel_settings_update(shop["store"], purchase_event="PlaceAnOrder", require_consent=False)
    order = _visit_add_order(client, shop)
    attribution = OrderAttribution.objects.get(order=order)
    assert (attribution.ttclid, attribution.total, attribution.currency, attribution.window_days) == (
        "E.C.P.click-1",
        Decimal("199.80"),
        "BRL",
        7,
    )
    since = {"7": timezone.now() - timedelta(days=7), "30": timezone.now() - timedelta(days=30)}
    expected = {"orders": 1, "revenue": Decimal("199.80"), "currency": "BRL"}
    assert attribution_totals(shop["store"].pk, since) == {"7": expected, "30": expected}
    # The Ads section reads it through the settings-declared source, without importing the pixel app.
    assert ads_attribution_totals(shop["store"].pk, since) == {"7": expected, "30": expected}


def test_the_last_click_wins(client: Client, shop: dict) -> None:
    pixel_settings_update(shop["store"], purchase_event="PlaceAnOrder", require_consent=False)
    _visit_add_order(client, shop, "E.C.P.first")
    order = _visit_add_order(client, shop, "E.C.P.second")
    assert OrderAttribution.objects.get(order=order).ttclid == "E.C.P.second"


def test_a_click_older_than_the_window_does_not_attribute(client: Client, shop: dict) -> None:
    pixel_settings_update(shop["store"], purchase_event="PlaceAnOrder", require_consent=False)
    store = shop["store"]
    client.get(f"/s/{store.account}/?ttclid=E.C.P.old")
    # The landing page recorded the click; eight days pass before the shopper comes back.
    assert (
        AdClickSeen.objects.filter(store=store, ttclid="E.C.P.old").update(
            seen_at=timezone.now() - timedelta(days=8)
        )
        == 1
    )
    client.post(f"/s/{store.account}/cart/add/", {"sku_id": shop["sku"].pk, "quantity": 1}, follow=True)
    client.post(
        f"/s/{store.account}/checkout/",
        {"name": "Cliente Teste", "email": "cliente@example.com", "phone": "+55 11 98765-4321"},
        follow=True,
    )
    order = Order.objects.filter(store=store).latest("pk")
    assert not OrderAttribution.objects.filter(order=order).exists()
    assert AdClickSeen.objects.get(store=store, ttclid="E.C.P.old").seen_at < timezone.now() - timedelta(
        days=7
    )


def test_the_landing_page_records_the_click_time(client: Client, shop: dict) -> None:
    pixel_settings_update(shop["store"], purchase_event="PlaceAnOrder", require_consent=False)
    store = shop["store"]
    before = timezone.now()
    client.get(f"/s/{store.account}/?ttclid=E.C.P.landing")
    client.get(f"/s/{store.account}/?ttclid=E.C.P.landing")
    seen = AdClickSeen.objects.get(store=store)
    assert (seen.ttclid, seen.seen_at >= before) == ("E.C.P.landing", True)
    client.get(f"/s/{store.account}/?ttclid=not%20a%20click%20id")
    assert AdClickSeen.objects.filter(store=store).count() == 1


@pytest.mark.parametrize("choice", ["denied", None])
def test_consent_required_and_refused_or_not_given_keeps_nothing(
    client: Client, shop: dict, choice: str | None
) -> None:
    store = shop["store"]
    pixel_settings_update(store, purchase_event="PlaceAnOrder", require_consent=True)
    if choice:
        client.post(f"/s/{store.account}/pixel/consent/", {"choice": choice})
    order = _visit_add_order(client, shop)
    assert order.total == Decimal("199.80")  # the order itself is placed
    assert AdClickSeen.objects.count() == 0
    assert OrderAttribution.objects.count() == 0


def test_consent_granted_attributes(client: Client, shop: dict) -> None:
    store = shop["store"]
    pixel_settings_update(store, purchase_event="PlaceAnOrder", require_consent=True)
    client.post(f"/s/{store.account}/pixel/consent/", {"choice": "granted"})
    order = _visit_add_order(client, shop)
    assert OrderAttribution.objects.filter(order=order).exists()


def test_ttp_alone_never_attributes(client: Client, shop: dict) -> None:
    store = shop["store"]
    pixel_settings_update(store, purchase_event="PlaceAnOrder", require_consent=False)
    client.cookies["_ttp"] = "2abcDEFghiJKLmno"
    client.post(f"/s/{store.account}/cart/add/", {"sku_id": shop["sku"].pk, "quantity": 1}, follow=True)
    client.post(
        f"/s/{store.account}/checkout/",
        {"name": "Cliente", "email": "c@example.com", "phone": "+55 11 98765-4321"},
        follow=True,
    )
    assert Order.objects.filter(store=store).count() == 1
    assert OrderAttribution.objects.count() == 0 and AdClickSeen.objects.count() == 0
