"""store.changes: every change the store makes is published, typed, to the subscribers declared in
settings, in their order and inside the transaction of the change; the store itself imports no channel
(the import contract `store-no-channel` proves that part)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import RequestFactory

from catalog_sync import subscribers as catalog_sync_subscribers
from integration import subscribers as integration_subscribers
from pixel import subscribers as pixel_subscribers
from store import changes, services
from store.models import InstalledApp, Order, OrderSource, Product, Sku, SkuPrice
from tests.store import recorder

pytestmark = pytest.mark.django_db

RECORD = "tests.store.recorder.record"


@pytest.fixture
def published(settings):
    """Only the recorder hears the store (the channels are tested through their own subscribers)."""
    settings.STORE_CHANGE_SUBSCRIBERS = [RECORD]
    recorder.PUBLISHED.clear()
    recorder.IN_TRANSACTION.clear()
    yield recorder.PUBLISHED
    recorder.PUBLISHED.clear()
    recorder.IN_TRANSACTION.clear()


def test_the_channels_subscribe_in_settings_in_order():
    assert changes.subscribers() == (
        integration_subscribers.on_store_change,
        catalog_sync_subscribers.on_store_change,
        pixel_subscribers.on_store_change,
    )


def test_subscribers_follow_the_setting_and_are_imported_once(settings):
    settings.STORE_CHANGE_SUBSCRIBERS = [RECORD, "tests.store.recorder.refuse_uninstall"]
    first = changes.subscribers()
    assert first == (recorder.record, recorder.refuse_uninstall)
    assert changes.subscribers() is first
    settings.STORE_CHANGE_SUBSCRIBERS = []
    assert changes.subscribers() == ()
    changes.publish(changes.SkusChanged(1, (2,)))  # nobody listening: nothing happens


def test_catalog_services_publish_what_changed_inside_their_transaction(store, make_sku, published):
    sku = make_sku(store, stock=5)
    policy = store.trade_policies.get(code="1")
    services.sku_set_stock(sku, 0)
    services.sku_set_price(sku, policy, "79.90")
    services.sku_update(sku, name="GG")
    services.product_update(sku.product, name="Camiseta nova")
    services.skus_set_active([sku.pk], False)
    services.products_set_active([sku.product_id], False)
    services.sku_mark_changed(sku)
    assert published == [
        changes.SkusChanged(store.pk, (sku.pk,)),
        changes.SkusChanged(store.pk, (sku.pk,)),
        changes.SkusChanged(store.pk, (sku.pk,)),
        changes.ProductsChanged(store.pk, (sku.product_id,)),
        changes.SkusChanged(store.pk, (sku.pk,)),
        changes.ProductsChanged(store.pk, (sku.product_id,)),
        changes.SkusChanged(store.pk, (sku.pk,)),
    ]
    # Every one but sku_mark_changed (called by the Django admin inside its own transaction) ran inside
    # the change's transaction.
    assert recorder.IN_TRANSACTION[:-1] == [True] * 6


def test_unchanged_rows_publish_nothing(store, make_sku, published):
    sku = make_sku(store, stock=5)
    assert services.skus_set_stock([sku.pk], 5) == 0
    assert services.products_set_active([sku.product_id], True) == 0
    assert published == []


def test_bulk_changes_publish_one_event_per_store(store, make_store, make_sku, published):
    other = make_store()
    mine, theirs = make_sku(store, stock=5), make_sku(other, stock=5)
    services.skus_set_stock([mine.pk, theirs.pk], 0)
    assert sorted(published, key=lambda e: e.store_id) == [
        changes.SkusChanged(store.pk, (mine.pk,)),
        changes.SkusChanged(other.pk, (theirs.pk,)),
    ]


def test_queryset_updates_and_deletes_publish_in_the_deleting_transaction(store, make_sku, published):
    a, b, c = (make_sku(store) for _ in range(3))
    Sku.objects.filter(pk=a.pk).update_synced(stock=0)
    SkuPrice.objects.filter(sku=b).update_synced(price="1.00")
    Product.objects.filter(pk=a.product_id).update_synced(name="x")
    SkuPrice.objects.filter(sku=b).delete_synced()
    Sku.objects.filter(pk=b.pk).delete_synced()
    Product.objects.filter(pk=c.product_id).delete_synced()
    assert published == [
        changes.SkusChanged(store.pk, (a.pk,)),
        changes.SkusChanged(store.pk, (b.pk,)),
        changes.ProductsChanged(store.pk, (a.product_id,)),
        changes.SkusChanged(store.pk, (b.pk,)),
        changes.SkusDeleted(store.pk, (b.pk,)),
        changes.ProductsDeleted(store.pk, (c.product_id,)),
    ]
    assert all(recorder.IN_TRANSACTION)


def test_a_failing_subscriber_rolls_the_change_back(store, make_sku, settings):
    sku = make_sku(store, stock=5)
    settings.STORE_CHANGE_SUBSCRIBERS = ["tests.store.recorder.fail"]
    with pytest.raises(RuntimeError, match="subscriber failed"):
        services.sku_set_stock(sku, 0)
    sku.refresh_from_db()
    assert sku.stock == 5


def test_cart_and_checkout_publish_the_shoppers_moments(store, make_sku, published):
    sku = make_sku(store, stock=5, price=Decimal("10.00"))
    request = RequestFactory().post("/s/lojademo/checkout/")
    item = services.cart_add(store, "sess-1", sku.pk, 2, request=request)
    order = services.checkout_place_order(
        store, item.cart, "ana@example.com", "+55 11 91234-5678", "Ana", request=request
    )
    assert published == [
        changes.CartItemAdded(store, sku, 2, Decimal("10.00"), request=request),
        changes.SkusChanged(store.pk, (sku.pk,)),
        changes.OrderPlaced(order, request=request),
    ]
    assert all(recorder.IN_TRANSACTION)


def test_a_channel_order_reserves_stock_and_publishes_it(store, make_sku, published):
    sku = make_sku(store, stock=1)
    line = services.ChannelOrderLine(
        sku_code=str(sku.pk), name="Camiseta", quantity=3, unit_price=Decimal("5")
    )
    unknown = services.ChannelOrderLine(
        sku_code="SELLER-1", name="Outra", quantity=1, unit_price=Decimal("2")
    )
    data = services.ChannelOrder(
        source=OrderSource.TIKTOK_SHOP,
        external_id="576",
        number="TTS-576",
        external_status="AWAITING_SHIPMENT",
        status="ready-for-handling",
        customer_name="Ana",
        email="",
        phone="",
        currency="BRL",
        total=Decimal("17.00"),
        lines=[line, unknown],
    )
    order = services.channel_order_create(store.pk, data, reserve_stock=True)
    sku.refresh_from_db()
    assert sku.stock == 0  # never below zero
    assert [(i.sku_id, i.sku_code, i.total) for i in order.items.order_by("id")] == [
        (sku.pk, str(sku.pk), Decimal("15.00")),
        (None, "SELLER-1", Decimal("2.00")),
    ]
    assert published == [changes.SkusChanged(store.pk, (sku.pk,)), changes.OrderPlaced(order)]
    services.channel_order_set_status(order, external_status="CANCELLED", status="canceled")
    assert Order.objects.values_list("external_status", "status").get(pk=order.pk) == (
        "CANCELLED",
        "canceled",
    )


def test_app_install_and_uninstall_publish_with_the_actor(store, admin_user_of_store, published):
    services.app_install(store, "tiktok", actor=admin_user_of_store)
    services.app_uninstall(store, "tiktok", actor=admin_user_of_store)
    assert published == [
        changes.AppInstalled(store.pk, "tiktok", actor=admin_user_of_store),
        changes.AppUninstallRequested(store.pk, "tiktok"),
        changes.AppUninstalled(store.pk, "tiktok", actor=admin_user_of_store),
    ]


def test_a_subscriber_can_refuse_an_uninstall(store, published, settings):
    settings.STORE_CHANGE_SUBSCRIBERS = ["tests.store.recorder.refuse_uninstall", RECORD]
    InstalledApp.objects.create(store=store, app="tiktok")
    with pytest.raises(services.StoreServiceError, match="Not now.") as refused:
        services.app_uninstall(store, "tiktok")
    assert (refused.value.code, refused.value.http_status) == ("refused", 400)
    assert InstalledApp.objects.filter(store=store, app="tiktok").exists()
    assert published == []  # refused before anyone else heard of it, and nothing uninstalled


def test_the_product_page_publishes_its_view_with_the_prices_shown(client, store, make_sku, published):
    sku = make_sku(store, stock=5, price=Decimal("49.90"))
    assert client.get(f"/s/{store.account}/p/{sku.product.slug}/").status_code == 200
    [event] = published
    assert isinstance(event, changes.ProductViewed)
    assert (event.store, event.product, event.skus) == (store, sku.product, [sku])
    assert event.skus[0].storefront_price == Decimal("49.90")


def test_a_misconfigured_subscriber_fails_the_system_check(settings):
    assert changes.check_subscribers() == []
    settings.STORE_CHANGE_SUBSCRIBERS = ["nowhere.on_store_change", "tests.store.recorder.PUBLISHED"]
    assert [e.id for e in changes.check_subscribers()] == ["store.E001", "store.E002"]
