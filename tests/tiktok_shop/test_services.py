"""Services against exact TikTok payloads (`responses`): connect rules, disconnect, order import."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.utils import translation

from core.errors import ServiceError
from core.leases import lease_acquire
from core.models import AuditAction, AuditEvent
from integration import tiktok_client as tiktok
from integration.models import ConnectionStatus, TikTokConnection
from store import changes
from store.models import Order, OrderSource
from tests.store import recorder
from tiktok_api.external_data import external_data_verify
from tiktok_shop import services
from tiktok_shop.models import RunStatus, ShopConnectAttempt, ShopConnection, ShopStatus, StoreChannelSettings

API = settings.TIKTOK_API_BASE_URL
CREATE_URL = f"{API}/tbp/v2.0/shop/connection/create"
DISCONNECT_URL = f"{API}/tbp/v2.0/shop/connection/disconnect"
ORDERS_URL = f"{API}/tbp/v2.0/shop/order/list"

SHOP_OK = {
    "shop": {
        "shop_id": "7500000000000000001",
        "shop_name": "Loja Demo TikTok Shop",
        "region": "BR",
        "seller_id": "7400000000000000009",
        "seller_name": "Demo Merchant",
        "is_owner": True,
    },
    "connected_at": 1795000000,
}


def envelope(data: Any = None, code: int = 0, message: str = "OK") -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "request_id": "20261127120000ABCDEF0123456789ABCDEF",
        "data": data or {},
    }


def start(store: Any, user: Any) -> tuple[SessionStore, str]:
    session = SessionStore()
    url = services.shop_connect_start(store, user=user, session=session, language_code="en")
    return session, url


def state_of(url: str) -> str:
    raw = parse_qs(urlsplit(url).query)["external_data"][0]
    data = external_data_verify(raw, settings.TIKTOK_EXTERNAL_DATA_KEY)
    return str(data["state"])


def test_connect_start_signs_external_data_with_the_shop_feature_and_store_country(
    store, admin_user_of_store
):
    session, url = start(store, admin_user_of_store)
    assert url.startswith(settings.TIKTOK_WEB_BASE_URL + "/seller/authorize?external_data=")
    data = external_data_verify(
        parse_qs(urlsplit(url).query)["external_data"][0], settings.TIKTOK_EXTERNAL_DATA_KEY
    )
    assert data["whitelisted_features"] == ["tt_shop"]
    assert data["country_region"] == "BR"
    assert (
        data["redirect_uri"] == f"{settings.PUBLIC_BASE_URL}/admin/lojademo/marketplace/tiktok/shop/callback/"
    )
    # Only the hash of the state is kept, never the state itself.
    attempt = ShopConnectAttempt.objects.get()
    assert attempt.state_hash != data["state"] and data["state"] not in json.dumps(dict(session))
    assert StoreChannelSettings.objects.get(store=store).shop_setup_started_at is not None


@responses.activate
def test_connect_complete_stores_the_connection_snapshot_and_audit(store, admin_user_of_store):
    session, url = start(store, admin_user_of_store)
    responses.post(CREATE_URL, json=envelope(SHOP_OK))
    connection = services.shop_connect_complete(
        store, user=admin_user_of_store, session=session, state=state_of(url), auth_code="code-1"
    )
    assert (connection.shop_id, connection.shop_name, connection.region, connection.seller_name) == (
        "7500000000000000001",
        "Loja Demo TikTok Shop",
        "BR",
        "Demo Merchant",
    )
    assert connection.status == ShopStatus.CONNECTED
    assert connection.settings_snapshot == {"shop_order_import": False, "shop_stock_reservation": False}
    current = StoreChannelSettings.objects.get(store=store)
    assert (current.shop_order_import, current.shop_stock_reservation) == (True, True)
    event = AuditEvent.objects.get(action=AuditAction.SHOP_CONNECTED)
    assert event.actor == admin_user_of_store and event.detail["shop_id"] == "7500000000000000001"
    assert json.loads(responses.calls[0].request.body) == {"auth_code": "code-1", "country_region": "BR"}


@pytest.mark.parametrize(
    ("shop_changes", "reason"),
    [({"is_owner": False}, "not_shop_owner"), ({"region": "US"}, "region_mismatch")],
)
@responses.activate
def test_connect_refuses_what_breaks_tiktoks_rules_and_stores_nothing(
    store, admin_user_of_store, shop_changes, reason
):
    session, url = start(store, admin_user_of_store)
    responses.post(CREATE_URL, json=envelope({**SHOP_OK, "shop": {**SHOP_OK["shop"], **shop_changes}}))
    # TikTok had bound the shop: we unbind it so both sides agree nothing is connected.
    responses.post(DISCONNECT_URL, json=envelope())
    with pytest.raises(services.ShopConnectError) as info:
        services.shop_connect_complete(
            store, user=admin_user_of_store, session=session, state=state_of(url), auth_code="c"
        )
    assert info.value.reason == reason
    assert not ShopConnection.objects.exists()
    current = StoreChannelSettings.objects.get(store=store)
    assert (current.shop_order_import, current.shop_stock_reservation) == (False, False)
    assert not AuditEvent.objects.filter(action=AuditAction.SHOP_CONNECTED).exists()
    assert [c.request.url.split("?")[0] for c in responses.calls] == [CREATE_URL, DISCONNECT_URL]


def test_refusals_are_service_errors_carrying_the_pages_message():
    """Views answer them through `core.http`: `message` is the translated text, `code` the reason."""
    error = services.ShopConnectError("region_mismatch", detail={"region": "US", "country": "BR"})
    assert isinstance(error, ServiceError)
    assert (error.reason, error.code, error.http_status) == ("region_mismatch", "region_mismatch", 400)
    assert error.detail == {"region": "US", "country": "BR"}
    assert error.message.startswith("The TikTok Shop's region does not match the store's country.")
    assert error.message.endswith(" (Shop region: US; store country: BR.)")
    assert str(error) == error.message
    unknown = services.ShopConnectError("tiktok_refused", detail={"message": "no"})
    assert unknown.message == "TikTok Shop refused the connection. Nothing was connected."
    with translation.override("pt-br"):
        assert services.ShopConnectError("tiktok_refused").message == (
            "O TikTok Shop recusou a conexão. Nada foi conectado."
        )
    stored = services.OrderImportError("order 1 could not be stored: IntegrityError")
    assert isinstance(stored, ServiceError) and stored.code == "order_not_stored"
    assert str(stored) == "order 1 could not be stored: IntegrityError"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (41001, "not_shop_owner"),
        (41002, "shop_already_connected"),
        (41003, "region_mismatch"),
        (41006, "bad_auth_code"),
    ],
)
@responses.activate
def test_connect_maps_tiktok_refusals(store, admin_user_of_store, code, reason):
    session, url = start(store, admin_user_of_store)
    responses.post(CREATE_URL, json=envelope(code=code, message="refused"))
    with pytest.raises(services.ShopConnectError) as info:
        services.shop_connect_complete(
            store, user=admin_user_of_store, session=session, state=state_of(url), auth_code="c"
        )
    assert info.value.reason == reason
    assert not ShopConnection.objects.exists()


@responses.activate
def test_connect_when_tiktok_is_down_stores_nothing(store, admin_user_of_store):
    session, url = start(store, admin_user_of_store)
    responses.post(CREATE_URL, status=503, body="upstream down")
    with pytest.raises(services.ShopConnectError) as info:
        services.shop_connect_complete(
            store, user=admin_user_of_store, session=session, state=state_of(url), auth_code="c"
        )
    assert info.value.reason == "tiktok_unavailable"
    assert not ShopConnection.objects.exists()


@pytest.mark.parametrize(
    "error", ["access_denied", "not_shop_owner", "region_mismatch", "shop_already_connected"]
)
@responses.activate
def test_redirect_errors_are_shown_and_nothing_is_called_or_stored(store, admin_user_of_store, error):
    session, url = start(store, admin_user_of_store)
    with pytest.raises(services.ShopConnectError) as info:
        services.shop_connect_complete(
            store, user=admin_user_of_store, session=session, state=state_of(url), error=error
        )
    assert info.value.reason == error
    assert len(responses.calls) == 0
    assert not ShopConnection.objects.exists()


def test_forged_and_replayed_state_are_refused(store, admin_user_of_store, make_user):
    session, url = start(store, admin_user_of_store)
    with pytest.raises(services.ShopConnectError) as forged:
        services.shop_connect_complete(
            store, user=admin_user_of_store, session=session, state="forged", auth_code="c"
        )
    assert forged.value.reason == "bad_state"
    other = make_user(store)
    with pytest.raises(services.ShopConnectError) as wrong_user:
        services.shop_connect_complete(store, user=other, session=session, state=state_of(url), auth_code="c")
    assert wrong_user.value.reason == "bad_state"
    with pytest.raises(services.ShopConnectError) as replay:
        services.shop_connect_complete(
            store, user=admin_user_of_store, session=session, state=state_of(url), auth_code="c"
        )
    assert replay.value.reason == "bad_state"
    assert not ShopConnection.objects.exists()


def test_one_store_one_shop_connect_start_refused_while_connected(
    store, admin_user_of_store, make_shop_connection
):
    make_shop_connection(store)
    with pytest.raises(services.ShopConnectError) as info:
        start(store, admin_user_of_store)
    assert info.value.reason == "store_already_connected"


@responses.activate
def test_a_shop_live_on_another_store_is_refused(
    store, make_store, admin_user_of_store, make_shop_connection
):
    other = make_store()
    make_shop_connection(other)
    session, url = start(store, admin_user_of_store)
    responses.post(CREATE_URL, json=envelope(SHOP_OK))
    responses.post(DISCONNECT_URL, json=envelope())
    with pytest.raises(services.ShopConnectError) as info:
        services.shop_connect_complete(
            store, user=admin_user_of_store, session=session, state=state_of(url), auth_code="c"
        )
    assert info.value.reason == "shop_already_connected"
    assert ShopConnection.objects.live().filter(store=store).count() == 0


# --- disconnect -------------------------------------------------------------------------------------


@responses.activate
def test_disconnect_restores_the_snapshot_calls_tiktok_and_leaves_tt4b_alone(
    store, admin_user_of_store, make_shop_connection, tt4b_connection
):
    connection = make_shop_connection(store)
    responses.post(DISCONNECT_URL, json=envelope())
    result = services.shop_disconnect(connection.pk, actor=admin_user_of_store)
    assert result.disconnected and result.remote_error == ""
    connection.refresh_from_db()
    assert connection.status == ShopStatus.DISCONNECTED and connection.disconnected_by == admin_user_of_store
    current = StoreChannelSettings.objects.get(store=store)
    assert (
        current.snapshot()
        == connection.settings_snapshot
        == {
            "shop_order_import": False,
            "shop_stock_reservation": False,
        }
    )
    call = responses.calls[0].request
    assert call.method == "POST" and call.body in (None, b"")
    ext = external_data_verify(
        parse_qs(urlsplit(call.url).query)["external_data"][0], settings.TIKTOK_EXTERNAL_DATA_KEY
    )
    assert ext["external_business_id"] == "vtex_lojademo_test"
    tt4b_connection.refresh_from_db()
    assert tt4b_connection.status == ConnectionStatus.CONNECTED
    assert TikTokConnection.objects.active().count() == 1
    event = AuditEvent.objects.get(action=AuditAction.SHOP_DISCONNECTED)
    assert event.detail["settings_restored"] == {"shop_order_import": False, "shop_stock_reservation": False}


@responses.activate
def test_disconnect_clears_local_state_even_when_tiktok_fails(
    store, admin_user_of_store, make_shop_connection
):
    connection = make_shop_connection(store)
    responses.post(DISCONNECT_URL, json=envelope(code=40000, message="Service is busy."))
    result = services.shop_disconnect(connection.pk, actor=admin_user_of_store)
    assert result.disconnected and result.remote_error == "Service is busy."
    connection.refresh_from_db()
    assert connection.status == ShopStatus.DISCONNECTED
    assert connection.remote_disconnect_error == "Service is busy."
    assert not StoreChannelSettings.objects.get(store=store).shop_order_import
    assert AuditEvent.objects.get(action=AuditAction.SHOP_DISCONNECTED).detail["remote_code"] == 40000


@responses.activate
def test_disconnecting_twice_is_harmless(store, admin_user_of_store, make_shop_connection):
    connection = make_shop_connection(store)
    responses.post(DISCONNECT_URL, json=envelope())
    assert services.shop_disconnect(connection.pk, actor=admin_user_of_store).disconnected
    second = services.shop_disconnect(connection.pk, actor=admin_user_of_store)
    assert not second.disconnected
    assert len(responses.calls) == 1
    assert AuditEvent.objects.filter(action=AuditAction.SHOP_DISCONNECTED).count() == 1


@responses.activate
def test_snapshot_keeps_values_the_merchant_had_before(store, admin_user_of_store, make_shop_connection):
    StoreChannelSettings.objects.create(store=store, shop_order_import=False, shop_stock_reservation=True)
    connection = make_shop_connection(store)
    assert connection.settings_snapshot == {"shop_order_import": False, "shop_stock_reservation": True}
    responses.post(DISCONNECT_URL, json=envelope())
    services.shop_disconnect(connection.pk, actor=admin_user_of_store)
    current = StoreChannelSettings.objects.get(store=store)
    assert (current.shop_order_import, current.shop_stock_reservation) == (False, True)


# --- order import -------------------------------------------------------------------------------


def order_payload(
    order_id: str, sku_id: int, *, status: str = "AWAITING_SHIPMENT", update_time: int = 1795000100
):
    return {
        "id": order_id,
        "status": status,
        "create_time": 1795000100,
        "update_time": update_time,
        "buyer_email": "ana@example.com",
        "recipient_address": {"name": "Ana Souza", "phone_number": "+55 11 99999-0000"},
        "payment": {"currency": "BRL", "total_amount": "199.80"},
        "line_items": [
            {"id": "1", "seller_sku": str(sku_id), "product_name": "Camiseta", "sku_name": "M", "quantity": 2,
             "sale_price": "99.90"}
        ],
    }  # fmt: skip


@responses.activate
def test_import_creates_tiktok_shop_orders_with_items_and_reserves_stock_once(
    store, make_sku, make_shop_connection
):
    sku = make_sku(store, stock=10)
    connection = make_shop_connection(store)
    page = envelope(
        {"orders": [order_payload("576000000000000001", sku.pk)], "next_cursor": "x", "has_more": False}
    )
    responses.get(ORDERS_URL, json=page)
    run = services.orders_import(connection.pk)
    assert run is not None and (run.status, run.fetched, run.created) == (RunStatus.SUCCEEDED, 1, 1)
    order = Order.objects.get()
    assert (order.source, order.external_id, order.external_status, order.status) == (
        OrderSource.TIKTOK_SHOP,
        "576000000000000001",
        "AWAITING_SHIPMENT",
        "ready-for-handling",
    )
    assert (order.number, order.total, order.currency, order.customer_name) == (
        "TTS-576000000000000001",
        Decimal("199.80"),
        "BRL",
        "Ana Souza",
    )
    item = order.items.get()
    assert (item.sku_id, item.quantity, item.unit_price, item.total) == (
        sku.pk,
        2,
        Decimal("99.90"),
        Decimal("199.80"),
    )
    sku.refresh_from_db()
    assert sku.stock == 8
    # A second poll re-reads the same order: nothing new, stock untouched.
    run2 = services.orders_import(connection.pk)
    assert (run2.fetched, run2.created, run2.updated) == (1, 0, 0)
    assert Order.objects.count() == 1 and OrderItem_count(order) == 1
    sku.refresh_from_db()
    assert sku.stock == 8
    connection.refresh_from_db()
    assert connection.orders_imported == 1 and connection.orders_cursor == 1795000100
    assert parse_qs(urlsplit(responses.calls[1].request.url).query)["update_time_ge"] == ["1795000100"]


@pytest.fixture
def published(settings):  # pytest-django's fixture, not django.conf.settings
    """What the store publishes while TikTok Shop writes orders (the channels still subscribed)."""
    settings.STORE_CHANGE_SUBSCRIBERS = [*settings.STORE_CHANGE_SUBSCRIBERS, "tests.store.recorder.record"]
    recorder.PUBLISHED.clear()
    yield recorder.PUBLISHED
    recorder.PUBLISHED.clear()


@responses.activate
def test_import_writes_through_the_store_which_publishes_the_stock_taken_and_the_order(
    store, make_sku, make_shop_connection, published
):
    sku = make_sku(store, stock=10)
    connection = make_shop_connection(store)
    cancelled = order_payload("576000000000000002", sku.pk, status="CANCELLED")
    responses.get(
        ORDERS_URL,
        json=envelope(
            {"orders": [order_payload("576000000000000001", sku.pk), cancelled], "has_more": False}
        ),
    )
    responses.get(
        ORDERS_URL,
        json=envelope(
            {"orders": [order_payload("576000000000000001", sku.pk, status="IN_TRANSIT")], "has_more": False}
        ),
    )
    services.orders_import(connection.pk)
    placed = Order.objects.get(external_id="576000000000000001")
    # The catalog sync hears of the reserved stock from the store (store.changes), not from TikTok Shop;
    # a cancelled order reserves nothing.
    assert published == [
        changes.SkusChanged(store.pk, (sku.pk,)),
        changes.OrderPlaced(placed),
        changes.OrderPlaced(Order.objects.get(external_id="576000000000000002")),
    ]
    assert all(e.request is None for e in published if isinstance(e, changes.OrderPlaced))
    sku.refresh_from_db()
    assert sku.stock == 8
    published.clear()
    services.orders_import(connection.pk)  # a status update: no stock moves, nothing to publish
    assert published == []
    placed.refresh_from_db()
    assert (placed.external_status, placed.status) == ("IN_TRANSIT", "invoiced")


def OrderItem_count(order: Order) -> int:  # noqa: N802
    return order.items.count()


@responses.activate
def test_import_follows_pages_and_updates_status(store, make_sku, make_shop_connection):
    sku = make_sku(store)
    connection = make_shop_connection(store)
    responses.get(
        ORDERS_URL,
        json=envelope({"orders": [order_payload("1", sku.pk)], "next_cursor": "c1", "has_more": True}),
    )
    responses.get(
        ORDERS_URL,
        json=envelope({"orders": [order_payload("2", sku.pk)], "next_cursor": "c2", "has_more": False}),
    )
    responses.get(
        ORDERS_URL,
        json=envelope(
            {
                "orders": [order_payload("1", sku.pk, status="IN_TRANSIT", update_time=1795000200)],
                "has_more": False,
            }
        ),
    )
    services.orders_import(connection.pk)
    assert parse_qs(urlsplit(responses.calls[1].request.url).query)["cursor"] == ["c1"]
    run = services.orders_import(connection.pk)
    assert (run.created, run.updated) == (0, 1)
    assert Order.objects.get(external_id="1").external_status == "IN_TRANSIT"
    assert Order.objects.get(external_id="1").status == "invoiced"
    assert Order.objects.filter(source=OrderSource.TIKTOK_SHOP).count() == 2


@responses.activate
def test_import_does_nothing_after_disconnect(store, admin_user_of_store, make_sku, make_shop_connection):
    connection = make_shop_connection(store)
    responses.post(DISCONNECT_URL, json=envelope())
    services.shop_disconnect(connection.pk, actor=admin_user_of_store)
    assert services.orders_import(connection.pk) is None
    assert services.connections_to_import() == []
    assert [c.request.url.split("?")[0] for c in responses.calls] == [DISCONNECT_URL]
    assert not Order.objects.exists()


@responses.activate
def test_import_error_from_tiktok_puts_the_connection_in_error_and_a_good_poll_clears_it(
    store, make_sku, make_shop_connection
):
    connection = make_shop_connection(store)
    responses.get(ORDERS_URL, json=envelope(code=41004, message="No TikTok Shop is connected to this store."))
    run = services.orders_import(connection.pk)
    assert (run.status, run.error_code) == (RunStatus.FAILED, 41004)
    connection.refresh_from_db()
    assert connection.status == ShopStatus.ERROR
    assert connection.last_error_message == "No TikTok Shop is connected to this store."
    responses.replace(responses.GET, ORDERS_URL, json=envelope({"orders": [], "has_more": False}))
    services.orders_import(connection.pk)
    connection.refresh_from_db()
    assert connection.status == ShopStatus.CONNECTED


@responses.activate
def test_throttling_fails_the_run_but_keeps_the_connection_active(store, make_shop_connection):
    connection = make_shop_connection(store)
    responses.get(ORDERS_URL, json=envelope(code=40100, message="App reaches the QPS limit."))
    run = services.orders_import(connection.pk)
    assert (run.status, run.error_code) == (RunStatus.FAILED, 40100)
    connection.refresh_from_db()
    assert connection.status == ShopStatus.CONNECTED


def test_import_skipped_while_another_worker_holds_the_lease(store, make_shop_connection):
    connection = make_shop_connection(store)
    assert lease_acquire(f"tiktok-shop-import:{connection.pk}", 60)
    assert services.orders_import(connection.pk) is None


@responses.activate
def test_disconnect_retries_a_transient_tiktok_failure_through_the_shared_client(
    store, admin_user_of_store, make_shop_connection, monkeypatch
):
    monkeypatch.setattr(tiktok.client().clock, "sleep", lambda seconds: None)
    connection = make_shop_connection(store)
    responses.post(DISCONNECT_URL, json=envelope(code=50002, message="Service is busy."))
    responses.post(DISCONNECT_URL, json=envelope())
    result = services.shop_disconnect(connection.pk, actor=admin_user_of_store)
    assert result.disconnected and result.remote_error == ""
    assert len(responses.calls) == 2


def test_long_tiktok_ids_get_distinct_numbers():
    a, b = "9" * 60 + "1", "9" * 60 + "2"
    assert services.order_number("576000000000000001") == "TTS-576000000000000001"
    assert services.order_number(a) != services.order_number(b)
    assert len(services.order_number(a)) == 40


@responses.activate
def test_an_order_the_store_refuses_fails_the_run_and_is_retried_not_skipped(
    store, make_sku, make_shop_connection
):
    sku = make_sku(store)
    connection = make_shop_connection(store)
    # A storefront order already holds the number TikTok's order would get.
    Order.objects.create(store=store, number="TTS-1", currency="BRL")
    responses.get(
        ORDERS_URL,
        json=envelope({"orders": [order_payload("1", sku.pk, update_time=1795000999)], "has_more": False}),
    )
    run = services.orders_import(connection.pk)
    assert run.status == RunStatus.FAILED and "order 1 could not be stored" in run.error_message
    connection.refresh_from_db()
    assert connection.orders_cursor == 0  # the page will be read again
    assert not Order.objects.filter(source=OrderSource.TIKTOK_SHOP).exists()
