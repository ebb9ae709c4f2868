"""The Django admin for ops: every store model is there, and changes go through the services."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from store.models import Product, Sku, SkuPrice

pytestmark = pytest.mark.django_db

MODELS = [
    "store",
    "membership",
    "tradepolicy",
    "category",
    "brand",
    "product",
    "sku",
    "skuprice",
    "skuimage",
    "order",
    "cart",
    "installedapp",
    "affiliate",
]


@pytest.fixture
def ops_client(client):
    ops = get_user_model().objects.create_superuser("ops", "ops@example.com", "ops-pass-1234")
    client.force_login(ops)
    return client


@pytest.fixture
def dirty(monkeypatch):
    calls = []
    import catalog_sync.dirty

    monkeypatch.setattr(
        catalog_sync.dirty, "skus_mark_dirty", lambda s, ids: calls.append(("skus", s, sorted(ids)))
    )
    monkeypatch.setattr(
        catalog_sync.dirty, "products_mark_dirty", lambda s, ids: calls.append(("products", s, sorted(ids)))
    )
    return calls


def test_every_store_model_has_a_searchable_changelist(ops_client, store, make_sku):
    make_sku(store)
    for model in MODELS:
        assert ops_client.get(f"/django-admin/store/{model}/?q=x").status_code == 200, model


def test_merchants_cannot_open_the_django_admin(client, admin_user_of_store):
    client.force_login(admin_user_of_store)
    response = client.get("/django-admin/store/sku/")
    assert response.status_code == 302
    assert response["Location"].startswith("/django-admin/login/")


def test_bulk_actions_change_rows_and_mark_them_dirty(ops_client, store, make_sku, dirty):
    a, b = make_sku(store, stock=5), make_sku(store, stock=0)
    ops_client.post(
        "/django-admin/store/sku/", {"action": "set_stock_zero", "_selected_action": [a.pk, b.pk]}
    )
    assert list(Sku.objects.order_by("pk").values_list("stock", flat=True)) == [0, 0]
    ops_client.post("/django-admin/store/sku/", {"action": "deactivate_skus", "_selected_action": [a.pk]})
    ops_client.post(
        "/django-admin/store/product/", {"action": "deactivate_products", "_selected_action": [b.product_id]}
    )
    assert not Sku.objects.get(pk=a.pk).is_active
    assert not Product.objects.get(pk=b.product_id).is_active
    # Only rows that really changed are marked (b already had zero stock).
    assert dirty == [
        ("skus", store.pk, [a.pk]),
        ("skus", store.pk, [a.pk]),
        ("products", store.pk, [b.product_id]),
    ]


def test_in_stock_filter(ops_client, store, make_sku):
    make_sku(store, stock=5, name="TEM")
    make_sku(store, stock=0, name="ZERADO")
    body = ops_client.get("/django-admin/store/sku/?in_stock=no").content.decode()
    assert "ZERADO" in body and "TEM" not in body


def test_editing_a_price_inline_goes_through_the_service(ops_client, store, make_sku, dirty):
    sku = make_sku(store, price=Decimal("10.00"))
    price = SkuPrice.objects.get(sku=sku)
    data = {
        "product": sku.product_id,
        "store": store.pk,
        "name": sku.name,
        "ref_id": "",
        "ean": "",
        "specifications": '{"size": "M"}',
        "stock": "7",
        "is_active": "on",
        "prices-TOTAL_FORMS": "1",
        "prices-INITIAL_FORMS": "1",
        "prices-MIN_NUM_FORMS": "0",
        "prices-MAX_NUM_FORMS": "1000",
        "prices-0-id": price.pk,
        "prices-0-sku": sku.pk,
        "prices-0-trade_policy": price.trade_policy_id,
        "prices-0-price": "12.50",
        "prices-0-list_price": "15.00",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
    }
    response = ops_client.post(f"/django-admin/store/sku/{sku.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    price.refresh_from_db()
    sku.refresh_from_db()
    assert (price.price, price.list_price, sku.stock) == (Decimal("12.50"), Decimal("15.00"), 7)
    assert ("skus", store.pk, [sku.pk]) in dirty
    assert dirty.count(("skus", store.pk, [sku.pk])) == 2


def test_negative_stock_is_refused_by_the_admin_form(ops_client, store, make_sku):
    sku = make_sku(store, stock=3)
    data = {
        "product": sku.product_id,
        "store": store.pk,
        "name": sku.name,
        "specifications": "{}",
        "stock": "-1",
        "prices-TOTAL_FORMS": "0",
        "prices-INITIAL_FORMS": "0",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
    }
    response = ops_client.post(f"/django-admin/store/sku/{sku.pk}/change/", data)
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 0." in response.content.decode()
    sku.refresh_from_db()
    assert sku.stock == 3
