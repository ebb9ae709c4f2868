"""Each row of the channel's *needs additional details* and *rejected* lists links store admins to the
catalog form, on the field to fix; viewers get no link."""

from __future__ import annotations

import html as htmllib
import re
from typing import Any

import pytest
from django.urls import reverse

from catalog_sync.models import SkuState
from catalog_sync.state import states_update
from integration.models import TikTokSetup
from store.catalog_links import catalog_fix_url
from store.models import InstalledApp, Role
from tests.catalog_sync.conftest import connect

from .conftest import CatalogFixture

pytestmark = pytest.mark.django_db


def test_catalog_fix_url_opens_the_form_of_the_field():
    product = catalog_fix_url("loja", product_id=7, sku_id=9, field="brand", next_url="/back/?a=1")
    assert product == "/admin/loja/catalog/products/7/?focus=brand&next=%2Fback%2F%3Fa%3D1#id_brand"
    assert catalog_fix_url("loja", product_id=7, sku_id=9, field="image") == (
        "/admin/loja/catalog/products/skus/9/?focus=image#id_image"
    )
    assert catalog_fix_url("loja", product_id=7, sku_id=9, field="price_3") == (
        "/admin/loja/catalog/products/skus/9/?focus=price_3#id_price_3"
    )
    assert catalog_fix_url("loja", product_id=7, sku_id=9, field="") == "/admin/loja/catalog/products/skus/9/"
    # A deleted SKU: its product; nothing at all: no link.
    assert (
        catalog_fix_url("loja", product_id=7, sku_id=None, field="image") == "/admin/loja/catalog/products/7/"
    )
    assert catalog_fix_url("loja", product_id=None, sku_id=None, field="brand") == ""


@pytest.fixture
def lists(shop: CatalogFixture) -> Any:
    store = shop.store
    TikTokSetup.objects.create(
        store=store,
        affiliate_id="TKT",
        trade_policy=shop.policy,
        store_name=store.name,
        website="https://loja.example.com.br",
        segment="moda",
        country="BR",
        time_zone="America/Sao_Paulo",
        contact_email="a@b.com",
        phone_country_code="+55",
        phone="11999999999",
        external_business_id="ebid-links",
    )
    InstalledApp.objects.get_or_create(store=store, app="tiktok")
    conn = connect(store)
    rows = {}
    for sku, status, problems, reason in (
        (shop.sku, "needs_details", [{"field": "brand", "code": "brand_missing", "params": {}}], ""),
        (shop.other, "needs_details", [{"field": "price", "code": "price_invalid", "params": {}}], ""),
        (None, "rejected", [], "The image is blurry."),
    ):
        target = sku or shop.sku
        state = SkuState.objects.create(
            connection=conn, sku_id=target.pk if sku else 999_999, product_id=shop.product.pk, dirty=False
        )
        states_update(conn.pk, [state.pk], status=status, problems=problems, reject_reason=reason)
        rows[status if sku is None else sku.pk] = state
    return conn, rows


def links(client: Any, shop: CatalogFixture, bucket: str) -> dict[str, str]:
    url = reverse("catalog-list", kwargs={"account": shop.store.account, "bucket": bucket})
    page = client.get(url).content.decode()
    found = {}
    for sku_id, body in re.findall(r'data-testid="sku-row" data-sku="(\d+)">(.*?)</tr>', page, re.S):
        link = re.search(r'href="([^"]+)" data-testid="fix-link"', body)
        found[sku_id] = htmllib.unescape(link.group(1)) if link else ""
    return found


def test_store_admins_get_a_link_to_the_field_to_fix(shop, shop_admin, lists):
    account = shop.store.account
    back = f"%2Fadmin%2F{account}%2Fmarketplace%2Ftiktok%2Fcatalog%2Fneeds_details%2F"
    assert links(shop_admin, shop, "needs_details") == {
        str(
            shop.sku.pk
        ): f"/admin/{account}/catalog/products/{shop.product.pk}/?focus=brand&next={back}#id_brand",
        str(shop.other.pk): (
            f"/admin/{account}/catalog/products/skus/{shop.other.pk}/?focus=price_{shop.policy.pk}"
            f"&next={back}#id_price_{shop.policy.pk}"
        ),
    }
    rejected = links(shop_admin, shop, "rejected")
    # TikTok's reason names no field, and the SKU is gone from the store: its product's page.
    assert rejected == {
        "999999": f"/admin/{account}/catalog/products/{shop.product.pk}/?next=%2Fadmin%2F{account}%2Fmarketplace%2Ftiktok%2Fcatalog%2Frejected%2F"
    }


def test_viewers_get_no_edit_link(shop, shop_viewer, lists):
    assert links(shop_viewer, shop, "needs_details") == {str(shop.sku.pk): "", str(shop.other.pk): ""}
    assert links(shop_viewer, shop, "rejected") == {"999999": ""}


def test_the_linked_field_opens_focused(shop, shop_admin, lists):
    url = links(shop_admin, shop, "needs_details")[str(shop.other.pk)]
    page = shop_admin.get(url).content.decode()
    assert re.search(rf'name="price_{shop.policy.pk}"[^>]*autofocus[^>]*id="id_price_{shop.policy.pk}"', page)
    assert re.search(r'<input type="hidden" name="next" value="/admin/[^"]+/needs_details/">', page)


def test_role_check_is_the_membership(shop, make_user, client, lists):
    client.force_login(make_user(shop.store, Role.VIEWER, is_staff=True, is_superuser=True))
    # Operations staff who are viewers of the store read, like any viewer.
    assert set(links(client, shop, "needs_details").values()) == {""}
