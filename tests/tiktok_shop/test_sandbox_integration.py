"""TikTok Shop against the real sandbox process over HTTP: connection rules, order import, disconnect."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from integration.models import DisconnectReason, TikTokConnection, TikTokSetup
from integration.services import connection_disconnect
from store.models import Order, OrderSource, Sku
from tiktok_shop import services
from tiktok_shop.models import ShopConnection, ShopStatus, StoreChannelSettings
from tiktok_shop.tasks import import_orders, import_orders_all

from .shop_sandbox import MEMBER, ORDER_LIST, SHOP_BR, SHOP_BR_2, SHOP_US, ShopAdmin, connect_via_sandbox

pytestmark = pytest.mark.slow


@pytest.fixture
def shop_admin(sandbox_settings) -> ShopAdmin:
    return ShopAdmin(sandbox_settings.url)


def test_connect_import_is_idempotent_and_nothing_is_imported_after_disconnect(
    store, admin_user_of_store, make_sku, shop_admin, sandbox_settings
):
    sku_a, sku_b = make_sku(store, stock=20), make_sku(store, stock=20)
    connection = connect_via_sandbox(store, admin_user_of_store, shop_admin)
    assert (connection.shop_id, connection.region, connection.seller_name, connection.is_owner) == (
        SHOP_BR,
        "BR",
        "Demo Merchant",
        True,
    )
    assert [c["status"] for c in shop_admin.connections()] == ["CONNECTED"]

    placed = shop_admin.place_orders(SHOP_BR, [sku_a.pk, sku_b.pk], count=7, quantity=2)
    for _ in range(3):  # repeated polls
        services.orders_import(connection.pk)
    orders = Order.objects.filter(store=store, source=OrderSource.TIKTOK_SHOP)
    assert sorted(orders.values_list("external_id", flat=True)) == sorted(o["id"] for o in placed)
    assert set(orders.values_list("external_status", flat=True)) == {"AWAITING_SHIPMENT"}
    assert Order.objects.get(external_id=placed[0]["id"]).items.count() == 2
    # Stock reserved once per order: 7 orders x 2 units.
    assert Sku.objects.get(pk=sku_a.pk).stock == 20 - 14
    assert Sku.objects.get(pk=sku_b.pk).stock == 20 - 14

    shop_admin.set_status(placed[0]["id"], "IN_TRANSIT")
    run = services.orders_import(connection.pk)
    assert (run.created, run.updated) == (0, 1)
    assert Order.objects.get(external_id=placed[0]["id"]).external_status == "IN_TRANSIT"

    result = services.shop_disconnect(connection.pk, actor=admin_user_of_store)
    assert result.disconnected and result.remote_error == ""
    assert [c["status"] for c in shop_admin.connections()] == ["DISCONNECTED"]
    after = time.time()
    shop_admin.place_orders(SHOP_BR, [sku_a.pk], count=3)
    assert import_orders_all.apply().get() == 0
    import_orders.apply(args=[connection.pk])
    assert services.orders_import(connection.pk) is None
    assert sandbox_settings.admin.journal(endpoint=ORDER_LIST, since=after) == []
    assert orders.count() == 7
    assert StoreChannelSettings.objects.get(store=store).snapshot() == connection.settings_snapshot


@pytest.mark.parametrize(
    ("email", "shop_id", "reason"),
    [(MEMBER, SHOP_BR, "not_shop_owner"), ("demo@tiktok.test", SHOP_US, "region_mismatch")],
)
def test_tiktoks_rules_refuse_and_nothing_is_stored(
    store, admin_user_of_store, shop_admin, email, shop_id, reason
):
    with pytest.raises(services.ShopConnectError) as info:
        connect_via_sandbox(store, admin_user_of_store, shop_admin, email=email, shop_id=shop_id)
    assert info.value.reason == reason
    assert not ShopConnection.objects.exists()
    assert shop_admin.connections() == []
    current = StoreChannelSettings.objects.get(store=store)
    assert (current.shop_order_import, current.shop_stock_reservation) == (False, False)


def test_one_shop_one_store(store, make_store, admin_user_of_store, make_user, shop_admin):
    connect_via_sandbox(store, admin_user_of_store, shop_admin)
    other = make_store()
    other_admin = make_user(other)
    with pytest.raises(services.ShopConnectError) as info:
        connect_via_sandbox(other, other_admin, shop_admin)
    assert info.value.reason == "shop_already_connected"
    assert ShopConnection.objects.filter(store=other).count() == 0


def test_reconnect_another_shop_after_connecting_the_wrong_one(
    store, admin_user_of_store, make_sku, shop_admin, tt4b_connection
):
    sku = make_sku(store)
    wrong = connect_via_sandbox(store, admin_user_of_store, shop_admin, shop_id=SHOP_BR_2)
    services.shop_disconnect(wrong.pk, actor=admin_user_of_store)
    right = connect_via_sandbox(store, admin_user_of_store, shop_admin, shop_id=SHOP_BR)
    assert right.status == ShopStatus.CONNECTED and right.shop_id == SHOP_BR
    assert (
        right.settings_snapshot
        == wrong.settings_snapshot
        == {
            "shop_order_import": False,
            "shop_stock_reservation": False,
        }
    )
    shop_admin.place_orders(SHOP_BR_2, [sku.pk])
    kept = shop_admin.place_orders(SHOP_BR, [sku.pk])
    services.orders_import(right.pk)
    assert list(
        Order.objects.filter(source=OrderSource.TIKTOK_SHOP).values_list("external_id", flat=True)
    ) == [kept[0]["id"]]
    # The ads connection never moved.
    assert TikTokConnection.objects.active().get().pk == tt4b_connection.pk


def test_remote_disconnect_failure_still_clears_local_state(
    store, admin_user_of_store, shop_admin, sandbox_settings
):
    connection = connect_via_sandbox(store, admin_user_of_store, shop_admin)
    sandbox_settings.admin.fault(
        "error", endpoint="shop/connection/disconnect", code=40000, message="Busy", count=5
    )
    result = services.shop_disconnect(connection.pk, actor=admin_user_of_store)
    assert result.disconnected and result.remote_error == "Busy"
    assert ShopConnection.objects.live().count() == 0
    assert services.orders_import(connection.pk) is None


def test_disconnecting_tiktok_for_business_leaves_the_shop_connected_and_importing(
    store, admin_user_of_store, make_sku, shop_admin, sandbox_settings
):
    sku = make_sku(store)
    setup = TikTokSetup.objects.create(
        store=store, affiliate_id="TKT", trade_policy=store.trade_policies.get(code="1"), store_name=store.name,
        website="https://lojademo.example.com.br", segment="fashion", country="BR", time_zone="America/Sao_Paulo",
        contact_email="loja@example.com", phone_country_code="+55", phone="11999999999",
        external_business_id="ebid-lojademo", confirmed_at=timezone.now(),
    )  # fmt: skip
    grant = sandbox_settings.admin.connect(setup.external_business_id)
    ads = TikTokConnection.objects.create(
        store=store, external_business_id=setup.external_business_id, bc_id=grant["bc_id"], adv_id=grant["adv_id"],
        pixel_code=grant["pixel_code"], catalog_id=grant["catalog_id"], access_token=grant["access_token"],
        connected_at=timezone.now(),
    )  # fmt: skip
    shop = connect_via_sandbox(store, admin_user_of_store, shop_admin)
    # The shop is known to TikTok under the same store id as the ads account.
    assert shop_admin.connections()[0]["external_business_id"] == "ebid-lojademo"

    result = connection_disconnect(ads.pk, reason=DisconnectReason.MANUAL, actor=admin_user_of_store)
    assert result.disconnected and result.remote_ok
    # TikTok's side of the ads connection is gone ...
    profile = next(
        p for p in sandbox_settings.admin.profiles() if p["external_business_id"] == "ebid-lojademo"
    )
    assert profile["status"] != 2

    shop.refresh_from_db()
    assert shop.status == ShopStatus.CONNECTED
    assert [c["status"] for c in shop_admin.connections()] == ["CONNECTED"]
    placed = shop_admin.place_orders(SHOP_BR, [sku.pk])
    run = services.orders_import(shop.pk)
    assert run.created == 1
    assert Order.objects.get(source=OrderSource.TIKTOK_SHOP).external_id == placed[0]["id"]
