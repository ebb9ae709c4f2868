"""Every way of changing what TikTok receives marks the SKUs dirty and dispatches one sweep after
commit: store services, the Django admin (forms, inlines, deletes, bulk actions), queryset updates, orders
TikTok Shop writes into the store. The store publishes each change (`store.changes`) and the sync hears it
through its subscriber in settings (`catalog_sync.subscribers`): the store imports nothing of the sync."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction

from catalog_sync import dirty, subscribers
from catalog_sync.models import SkuState, SkuTombstone
from store import changes
from store import services as store_services
from store.models import OrderSource, Product, Sku, SkuPrice
from tests.catalog_sync.conftest import connect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def synced(catalog):
    skus = [catalog.sku() for _ in range(3)]
    conn = connect(catalog.store)
    dirty.connection_mark_all_dirty(conn.pk, catalog.store.pk)
    SkuState.objects.filter(connection=conn).update(dirty=False)
    return catalog, conn, skus


def dirty_ids(conn):
    return set(SkuState.objects.filter(connection=conn, dirty=True).values_list("sku_id", flat=True))


def sweeps(dispatched):
    return [d for d in dispatched if d[0] == "catalog_sync.tasks.sweep_catalog"]


def test_one_sweep_per_transaction_and_none_on_rollback(synced, dispatched):
    catalog, conn, skus = synced
    with transaction.atomic():
        dirty.skus_mark_dirty(catalog.store.pk, [skus[0].pk])
        dirty.skus_mark_dirty(catalog.store.pk, [skus[1].pk])
        dirty.products_mark_dirty(catalog.store.pk, [skus[2].product_id])
        assert sweeps(dispatched) == []  # nothing before commit
    assert sweeps(dispatched) == [("catalog_sync.tasks.sweep_catalog", (conn.pk, "change"), None)]
    dispatched.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        dirty.skus_mark_dirty(catalog.store.pk, [skus[0].pk])
        raise RuntimeError
    assert sweeps(dispatched) == []


def test_not_connected_marks_nothing(catalog, dispatched):
    sku = catalog.sku()
    assert dirty.skus_mark_dirty(catalog.store.pk, [sku.pk]) == 0
    assert sweeps(dispatched) == [] and not SkuState.objects.exists()


def test_store_services_mark_dirty(synced):
    catalog, conn, skus = synced
    store_services.sku_set_stock(skus[0], 0)
    assert dirty_ids(conn) == {skus[0].pk}
    store_services.sku_set_price(skus[1], catalog.store.trade_policies.get(code="1"), "10.00")
    store_services.product_update(skus[2].product, name="Outro nome")
    assert dirty_ids(conn) == {s.pk for s in skus}


def test_a_product_edit_reaches_the_sync_through_the_store_registry(synced, settings, dispatched):
    catalog, conn, skus = synced
    subscriber = "catalog_sync.subscribers.on_store_change"
    assert subscriber in settings.STORE_CHANGE_SUBSCRIBERS
    assert subscribers.on_store_change in changes.subscribers()
    # Without the subscriber the store's edit reaches nothing: the registry is the only way in.
    settings.STORE_CHANGE_SUBSCRIBERS = [s for s in settings.STORE_CHANGE_SUBSCRIBERS if s != subscriber]
    store_services.product_update(skus[0].product, name="Sem assinante")
    assert dirty_ids(conn) == set() and sweeps(dispatched) == []
    settings.STORE_CHANGE_SUBSCRIBERS = [*settings.STORE_CHANGE_SUBSCRIBERS, subscriber]
    with transaction.atomic():
        store_services.product_update(skus[0].product, name="Outro nome")
        # Marked inside the edit's transaction; the sweep waits for the commit.
        assert dirty_ids(conn) == {skus[0].pk} and sweeps(dispatched) == []
    assert sweeps(dispatched) == [("catalog_sync.tasks.sweep_catalog", (conn.pk, "change"), None)]


def test_an_edit_rolled_back_marks_nothing(synced, dispatched):
    catalog, conn, skus = synced
    with pytest.raises(RuntimeError), transaction.atomic():
        store_services.sku_set_stock(skus[0], 0)
        raise RuntimeError
    assert dirty_ids(conn) == set() and sweeps(dispatched) == []


def test_stock_a_channel_order_takes_is_marked(synced):
    catalog, conn, skus = synced
    line = store_services.ChannelOrderLine(str(skus[0].pk), "Camiseta", 1, skus[0].prices.get().price)
    data = store_services.ChannelOrder(
        source=OrderSource.TIKTOK_SHOP,
        external_id="576",
        number="TTS-576",
        external_status="AWAITING_SHIPMENT",
        status="ready-for-handling",
        customer_name="Ana",
        email="",
        phone="",
        currency="BRL",
        total=line.unit_price,
        lines=[line],
    )
    store_services.channel_order_create(catalog.store.pk, data, reserve_stock=True)
    assert dirty_ids(conn) == {skus[0].pk}


def test_new_sku_gets_a_state_row(synced):
    catalog, conn, _skus = synced
    new = catalog.sku()
    store_services.sku_save(new)
    state = SkuState.objects.get(connection=conn, sku_id=new.pk)
    assert state.dirty and state.status == "new" and state.product_id == new.product_id


def test_queryset_updates_and_deletes_are_tracked(synced):
    catalog, conn, skus = synced
    Sku.objects.filter(pk=skus[0].pk).update_synced(stock=0)
    SkuPrice.objects.filter(sku=skus[1]).update_synced(price="1.00")
    assert dirty_ids(conn) == {skus[0].pk, skus[1].pk}
    Product.objects.filter(pk=skus[2].product_id).delete_synced()
    assert dirty_ids(conn) == {s.pk for s in skus}
    assert list(SkuTombstone.objects.values_list("sku_id", flat=True)) == [skus[2].pk]


def test_django_admin_edits_deletes_and_actions(synced, client):
    catalog, conn, skus = synced
    admin = get_user_model().objects.create_superuser("ops", "ops@example.com", "pass-1234-word")
    client.force_login(admin)
    resp = client.post(
        "/django-admin/store/sku/",
        {"action": "set_stock_zero", "_selected_action": [skus[0].pk]},
    )
    assert resp.status_code == 302
    assert dirty_ids(conn) == {skus[0].pk}
    resp = client.post(f"/django-admin/store/sku/{skus[1].pk}/delete/", {"post": "yes"})
    assert resp.status_code == 302 and not Sku.objects.filter(pk=skus[1].pk).exists()
    assert dirty_ids(conn) == {skus[0].pk, skus[1].pk}
    assert SkuTombstone.objects.filter(sku_id=skus[1].pk).exists()
    category = catalog.category
    resp = client.post(
        f"/django-admin/store/category/{category.pk}/change/",
        {"store": catalog.store.pk, "name": "Roupas", "slug": "roupas", "google_product_category": "Apparel"},
    )
    assert resp.status_code == 302, resp.content[:500]
    assert dirty_ids(conn) == {skus[0].pk, skus[1].pk, skus[2].pk}


def test_django_admin_trade_policy_edits_mark_everything(synced, client):
    catalog, conn, skus = synced
    admin = get_user_model().objects.create_superuser("ops", "ops@example.com", "pass-1234-word")
    client.force_login(admin)
    policy = catalog.store.trade_policies.get(code="1")
    resp = client.post(
        f"/django-admin/store/tradepolicy/{policy.pk}/change/",
        {"store": catalog.store.pk, "code": "1", "name": "Renamed", "currency": "BRL", "is_active": "on"},
    )
    assert resp.status_code == 302, resp.content[:500]
    assert dirty_ids(conn) == {s.pk for s in skus}


def test_django_admin_trade_policy_inline_edits_mark_everything(synced, client):
    catalog, conn, skus = synced
    store = catalog.store
    admin = get_user_model().objects.create_superuser("ops", "ops@example.com", "pass-1234-word")
    client.force_login(admin)
    policies = list(store.trade_policies.order_by("pk"))
    form = {
        "account": store.account,
        "name": store.name,
        "domain": store.domain,
        "country": store.country,
        "currency": store.currency,
        "cms_kind": store.cms_kind,
        "locale": store.locale,
        "time_zone": store.time_zone,
        "trade_policies-TOTAL_FORMS": str(len(policies)),
        "trade_policies-INITIAL_FORMS": str(len(policies)),
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    for i, policy in enumerate(policies):
        form |= {
            f"trade_policies-{i}-id": str(policy.pk),
            f"trade_policies-{i}-store": str(store.pk),
            f"trade_policies-{i}-code": policy.code,
            f"trade_policies-{i}-name": policy.name,
            f"trade_policies-{i}-currency": policy.currency,
            f"trade_policies-{i}-is_active": "on",
        }
    resp = client.post(f"/django-admin/store/store/{store.pk}/change/", form)
    assert resp.status_code == 302, resp.content[:2000]
    assert dirty_ids(conn) == set()  # nothing changed, nothing marked
    form["trade_policies-0-currency"] = "USD"
    resp = client.post(f"/django-admin/store/store/{store.pk}/change/", form)
    assert resp.status_code == 302, resp.content[:2000]
    assert dirty_ids(conn) == {s.pk for s in skus}
