"""store.services: the cart, checkout and catalog editing rules (real database)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import RequestFactory

from core.errors import ServiceError
from store import services
from store.models import Cart, CartItem, Order, OrderItem, Sku, SkuPrice, TradePolicy

pytestmark = pytest.mark.django_db


@pytest.fixture
def rf_request():
    request = RequestFactory().post("/s/lojademo/cart/add/")
    return request


def test_cart_add_creates_a_line_and_adds_to_it(store, make_sku, rf_request):
    sku = make_sku(store, stock=5, price=Decimal("49.90"))
    item = services.cart_add(store, "sess-1", sku.pk, 2, request=rf_request)
    assert item.quantity == 2
    services.cart_add(store, "sess-1", str(sku.pk), "3", request=rf_request)
    assert CartItem.objects.get(cart__session_key="sess-1", sku=sku).quantity == 5
    assert Cart.objects.filter(store=store).count() == 1


@pytest.mark.parametrize(
    ("qty", "message"),
    [
        (0, "The quantity must be at least 1."),
        (-3, "The quantity must be at least 1."),
        ("abc", "Enter a whole number as the quantity."),
        ("", "Enter a whole number as the quantity."),
        (1000, "The quantity can be at most 999."),
    ],
)
def test_cart_add_rejects_bad_quantities_and_changes_nothing(store, make_sku, qty, message):
    sku = make_sku(store, stock=5)
    with pytest.raises(services.StoreServiceError) as err:
        services.cart_add(store, "sess-1", sku.pk, qty)
    assert err.value.message == message
    assert (err.value.http_status, err.value.code, err.value.field) == (400, "invalid", "quantity")
    assert not Cart.objects.exists()
    assert not CartItem.objects.exists()


def test_cart_add_foreign_sku_is_not_found(store, make_store, make_sku):
    other = make_store(account="outraloja")
    foreign = make_sku(other, stock=5)
    with pytest.raises(services.NotFoundError) as err:
        services.cart_add(store, "sess-1", foreign.pk, 1)
    assert (err.value.http_status, err.value.code) == (404, "not_found")
    assert err.value.message == "This product is not available in this store."
    assert not CartItem.objects.exists()


@pytest.mark.parametrize("bad_id", ["999999", "-1", "x", None, "1 OR 1=1"])
def test_cart_add_unknown_sku_ids_are_not_found(store, bad_id):
    with pytest.raises(services.NotFoundError):
        services.cart_add(store, "sess-1", bad_id, 1)
    assert not CartItem.objects.exists()


@pytest.mark.parametrize(
    ("error", "code", "http_status"),
    [
        (services.StoreServiceError("No."), "invalid", 400),
        (services.NotFoundError("Not here."), "not_found", 404),
        (services.OutOfStockError("Sold out."), "out_of_stock", 409),
        (services.CheckoutError({"email": "Bad e-mail.", "phone": "Bad phone."}), "checkout_invalid", 400),
        (services.AffiliateTakenError("Taken."), "affiliate_taken", 409),
    ],
)
def test_store_errors_are_core_service_errors_with_a_code_and_an_http_status(error, code, http_status):
    assert isinstance(error, ServiceError)
    assert (error.code, error.http_status, error.field) == (code, http_status, None)
    assert str(error) == error.message
    # `http_status` is the one status attribute: the old `status` is gone, not kept beside it.
    assert not hasattr(error, "status")


def test_store_error_keeps_the_field_and_takes_a_code_and_status():
    error = services.StoreServiceError("Too many.", field="quantity", code="too_many", http_status=422)
    assert (error.message, error.field, error.code, error.http_status) == (
        "Too many.",
        "quantity",
        "too_many",
        422,
    )
    assert (
        services.CheckoutError({"email": "Bad e-mail.", "phone": "Bad phone."}).message
        == "Bad e-mail. Bad phone."
    )


def test_cart_add_inactive_or_unpriced_sku_is_not_found(store, make_sku):
    inactive = make_sku(store, is_active=True)
    Sku.objects.filter(pk=inactive.pk).update(is_active=False)
    unpriced = make_sku(store)
    SkuPrice.objects.filter(sku=unpriced).delete()
    for sku in (inactive, unpriced):
        with pytest.raises(services.NotFoundError):
            services.cart_add(store, "sess-1", sku.pk, 1)
    assert not CartItem.objects.exists()


def test_cart_add_above_stock_is_refused_and_keeps_the_line(store, make_sku):
    sku = make_sku(store, stock=3)
    services.cart_add(store, "sess-1", sku.pk, 2)
    with pytest.raises(services.OutOfStockError) as err:
        services.cart_add(store, "sess-1", sku.pk, 2)
    assert err.value.message == f"Only 3 unit(s) of “{sku}” in stock."
    assert CartItem.objects.get(sku=sku).quantity == 2


def test_cart_add_calls_the_pixel_hook_inside_the_transaction(store, make_sku, rf_request, monkeypatch):
    sku = make_sku(store, stock=5, price=Decimal("10.00"))
    calls = []

    def failing_hook(request, hook_store, hook_sku, quantity, unit_price):
        calls.append((hook_store.pk, hook_sku.pk, quantity, unit_price))
        raise RuntimeError("outbox write failed")

    monkeypatch.setattr("pixel.hooks.on_add_to_cart", failing_hook)
    with pytest.raises(RuntimeError):
        services.cart_add(store, "sess-1", sku.pk, 2, request=rf_request)
    assert calls == [(store.pk, sku.pk, 2, Decimal("10.00"))]
    # The hook failed inside the cart transaction, so the line was rolled back with it.
    assert not CartItem.objects.exists()


def test_cart_set_quantity_and_remove(store, make_sku):
    sku = make_sku(store, stock=4)
    services.cart_add(store, "sess-1", sku.pk, 1)
    services.cart_set_quantity(store, "sess-1", sku.pk, 4)
    assert CartItem.objects.get(sku=sku).quantity == 4
    with pytest.raises(services.OutOfStockError):
        services.cart_set_quantity(store, "sess-1", sku.pk, 5)
    with pytest.raises(services.StoreServiceError):
        services.cart_set_quantity(store, "sess-1", sku.pk, 0)
    assert CartItem.objects.get(sku=sku).quantity == 4
    with pytest.raises(services.NotFoundError):
        services.cart_remove(store, "another-session", sku.pk)
    assert CartItem.objects.filter(sku=sku).exists()
    services.cart_remove(store, "sess-1", sku.pk)
    assert not CartItem.objects.exists()


def _cart_with(store, make_sku, *lines):
    skus = []
    for stock, price, qty in lines:
        sku = make_sku(store, stock=stock, price=Decimal(price))
        services.cart_add(store, "sess-1", sku.pk, qty)
        skus.append(sku)
    return Cart.objects.get(store=store, session_key="sess-1"), skus


def test_checkout_creates_the_order_with_items_and_totals_in_brl(store, make_sku, rf_request, monkeypatch):
    placed = []
    monkeypatch.setattr("pixel.hooks.on_order_placed", lambda request, s, order: placed.append(order.pk))
    cart, (a, b) = _cart_with(store, make_sku, (10, "1234.56", 2), (3, "19.90", 3))
    order = services.checkout_place_order(
        store, cart, "Ana@Example.com ", "+55 (11) 91234-5678", " Ana Souza ", request=rf_request
    )
    assert order.currency == "BRL"
    assert order.total == Decimal("2528.82")
    assert order.number == f"{order.pk + 1000000}-01"
    assert (order.email, order.phone, order.customer_name) == (
        "ana@example.com",
        "+5511912345678",
        "Ana Souza",
    )
    assert order.trade_policy == TradePolicy.objects.get(store=store, code="1")
    items = list(
        order.items.order_by("id").values_list("sku_id", "sku_code", "quantity", "unit_price", "total")
    )
    assert items == [
        (a.pk, str(a.pk), 2, Decimal("1234.56"), Decimal("2469.12")),
        (b.pk, str(b.pk), 3, Decimal("19.90"), Decimal("59.70")),
    ]
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.stock, b.stock) == (8, 0)
    assert not CartItem.objects.exists()
    assert placed == [order.pk]


@pytest.mark.parametrize(
    ("email", "phone", "name", "field", "message"),
    [
        ("not-an-email", "+55 11 91234-5678", "Ana", "email", "Enter a valid e-mail address."),
        (
            "ana@example.com",
            "+55 11 1234-567",
            "Ana",
            "phone",
            "Enter the phone number with the country code, e.g. +55 11 91234-5678.",
        ),
        ("ana@example.com", "+55 11 91234-5678", "   ", "name", "Enter your name."),
    ],
)
def test_checkout_bad_input_changes_nothing(store, make_sku, email, phone, name, field, message):
    cart, (sku,) = _cart_with(store, make_sku, (5, "10.00", 2))
    with pytest.raises(services.CheckoutError) as err:
        services.checkout_place_order(store, cart, email, phone, name)
    assert err.value.errors == {field: message}
    assert not Order.objects.exists()
    sku.refresh_from_db()
    assert sku.stock == 5
    assert CartItem.objects.get(cart=cart).quantity == 2


def test_checkout_empty_cart_is_refused(store):
    cart = services.cart_get_or_create(store, "sess-1")
    with pytest.raises(services.StoreServiceError) as err:
        services.checkout_place_order(store, cart, "ana@example.com", "+55 11 91234-5678", "Ana")
    assert err.value.message == "Your cart is empty."
    with pytest.raises(services.StoreServiceError):
        services.checkout_place_order(store, None, "ana@example.com", "+55 11 91234-5678", "Ana")
    assert not Order.objects.exists()


def test_checkout_with_another_stores_cart_is_refused(store, make_store, make_sku):
    other = make_store(account="outraloja")
    sku = make_sku(other, stock=5)
    services.cart_add(other, "sess-1", sku.pk, 1)
    cart = Cart.objects.get(store=other)
    with pytest.raises(services.StoreServiceError):
        services.checkout_place_order(store, cart, "ana@example.com", "+55 11 91234-5678", "Ana")
    assert not Order.objects.exists()


def test_checkout_stock_taken_meanwhile_rolls_everything_back(store, make_sku):
    cart, (first, second) = _cart_with(store, make_sku, (5, "10.00", 2), (4, "20.00", 4))
    # Someone else bought the second SKU after it was put in this cart.
    Sku.objects.filter(pk=second.pk).update(stock=1)
    with pytest.raises(services.OutOfStockError) as err:
        services.checkout_place_order(store, cart, "ana@example.com", "+55 11 91234-5678", "Ana")
    assert err.value.message == f"Only 1 unit(s) of “{second}” in stock."
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.stock, second.stock) == (5, 1)
    assert not Order.objects.exists()
    assert not OrderItem.objects.exists()
    assert CartItem.objects.filter(cart=cart).count() == 2


def test_checkout_uses_the_storefront_policy_price_not_another_policy(store, make_sku):
    cart, (sku,) = _cart_with(store, make_sku, (5, "100.00", 1))
    wholesale = TradePolicy.objects.create(store=store, code="2", name="Atacado", currency="BRL")
    SkuPrice.objects.create(trade_policy=wholesale, sku=sku, price=Decimal("1.00"))
    order = services.checkout_place_order(store, cart, "ana@example.com", "+55 11 91234-5678", "Ana")
    assert order.total == Decimal("100.00")


@pytest.fixture
def dirty_calls(monkeypatch):
    calls = {"skus": [], "products": []}
    import catalog_sync.dirty

    monkeypatch.setattr(
        catalog_sync.dirty, "skus_mark_dirty", lambda s, ids: calls["skus"].append((s, list(ids)))
    )
    monkeypatch.setattr(
        catalog_sync.dirty, "products_mark_dirty", lambda s, ids: calls["products"].append((s, list(ids)))
    )
    return calls


def test_catalog_edits_mark_dirty(store, make_sku, dirty_calls):
    sku = make_sku(store, stock=5)
    policy = store.trade_policies.get(code="1")
    services.sku_set_stock(sku, 0)
    services.sku_set_price(sku, policy, "79.90", "99.90")
    services.sku_update(sku, name="GG")
    services.product_update(sku.product, name="Camiseta nova")
    services.skus_set_active([sku.pk], False)
    services.products_set_active([sku.product_id], False)
    assert dirty_calls["skus"] == [(store.pk, [sku.pk])] * 4
    assert dirty_calls["products"] == [(store.pk, [sku.product_id])] * 2
    sku.refresh_from_db()
    row = SkuPrice.objects.get(sku=sku, trade_policy=policy)
    assert (sku.stock, sku.name, sku.is_active) == (0, "GG", False)
    assert (row.price, row.list_price) == (Decimal("79.90"), Decimal("99.90"))


def test_checkout_marks_the_sold_skus_dirty(store, make_sku, dirty_calls):
    cart, (sku,) = _cart_with(store, make_sku, (5, "10.00", 5))
    services.checkout_place_order(store, cart, "ana@example.com", "+55 11 91234-5678", "Ana")
    assert dirty_calls["skus"] == [(store.pk, [sku.pk])]


def test_catalog_edit_bad_input_changes_nothing(store, make_store, make_sku, dirty_calls):
    sku = make_sku(store, stock=5)
    other_policy = make_store(account="outraloja").trade_policies.get()
    with pytest.raises(services.StoreServiceError, match="The stock cannot be negative."):
        services.sku_set_stock(sku, -1)
    with pytest.raises(services.StoreServiceError, match="another store"):
        services.sku_set_price(sku, other_policy, "10.00")
    with pytest.raises(services.StoreServiceError, match="The amount cannot be negative."):
        services.sku_set_price(sku, store.trade_policies.get(), "-1")
    with pytest.raises(services.StoreServiceError, match="cannot be changed: store"):
        services.sku_update(sku, store=other_policy.store)
    sku.refresh_from_db()
    assert sku.stock == 5
    assert SkuPrice.objects.get(sku=sku).price == Decimal("99.90")
    assert dirty_calls == {"skus": [], "products": []}
    # Bulk stock updates skip unchanged rows and mark only the ones that changed.
    assert services.skus_set_stock([sku.pk], 5) == 0
    assert dirty_calls["skus"] == []
