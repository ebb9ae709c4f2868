"""The store's sales from TikTok in the Ads section, end to end through the storefront: a visit with
`?ttclid=`, an add to cart and an order are counted in the section next to TikTok's spend and conversions;
with consent required and refused nothing is kept and nothing is counted."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from pixel.services import pixel_settings_update
from store.money import format_money
from tiktok_ads import services
from tiktok_ads.models import CampaignDay

pytestmark = [pytest.mark.services, pytest.mark.django_db]


def _window(html: str, key: str, testid: str) -> str:
    row = html.split(f'data-testid="ads-window-{key}"', 1)[1].split("</tr>", 1)[0]
    return re.search(rf'data-testid="{testid}">([^<]*)<', row).group(1).strip()


def _shop_and_order(store: Any, make_sku: Any, consent: str | None) -> None:
    sku = make_sku(store, product_name="Camiseta Azul", name="M", price=Decimal("99.90"), stock=10)
    shopper = Client()
    if consent:
        shopper.post(f"/s/{store.account}/pixel/consent/", {"choice": consent})
    shopper.get(f"/s/{store.account}/?ttclid=E.C.P.ad-click")
    shopper.post(f"/s/{store.account}/cart/add/", {"sku_id": sku.pk, "quantity": 2}, follow=True)
    response = shopper.post(
        f"/s/{store.account}/checkout/",
        {"name": "Cliente", "email": "cliente@example.com", "phone": "+55 11 98765-4321"},
        follow=True,
    )
    assert response.status_code == 200


def _section(client: Client, store: Any, user: Any) -> str:
    client.force_login(user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.get(reverse("tiktok-page", kwargs={"account": store.account})).content.decode()


@pytest.mark.parametrize(("require_consent", "consent", "orders"), [(False, None, 1), (True, "denied", 0)])
def test_an_order_from_a_tiktok_click_is_counted_next_to_the_spend(
    client,
    store,
    make_sku,
    admin_user_of_store,
    ads_connection,
    pixel_isolation,
    require_consent,
    consent,
    orders,
):
    pixel_settings_update(store, purchase_event="PlaceAnOrder", require_consent=require_consent)
    _shop_and_order(store, make_sku, consent)
    services.ads_refresh(ads_connection.pk)
    html = _section(client, store, admin_user_of_store)
    revenue = Decimal("199.80") * orders
    spend = sum(
        (
            d.spend
            for d in CampaignDay.objects.all()
            if d.day >= services.account_today("America/Sao_Paulo") - timedelta(days=6)
        ),
        Decimal(0),
    )
    assert _window(html, "7", "ads-orders") == str(orders)
    assert _window(html, "7", "ads-revenue") == format_money(revenue, "BRL")
    assert _window(html, "7", "ads-total-spend") == format_money(spend, "BRL")
    assert _window(html, "7", "ads-roas") == f"{(revenue / spend):.2f}"
    assert _window(html, "30", "ads-orders") == str(orders)
