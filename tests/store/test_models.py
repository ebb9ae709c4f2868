"""Store models: the database refuses what the rules forbid, whatever code path writes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from store.models import (
    Brand,
    Cart,
    CartItem,
    Category,
    InstalledApp,
    Membership,
    Order,
    OrderSource,
    Product,
    Role,
    Sku,
    SkuPrice,
    Store,
)
from store.money import format_money

pytestmark = pytest.mark.django_db


def refused(fn) -> bool:
    try:
        with transaction.atomic():
            fn()
    except IntegrityError:
        return True
    return False


def test_stock_and_prices_cannot_go_negative(store, make_sku):
    sku = make_sku(store, stock=1)
    assert refused(lambda: Sku.objects.filter(pk=sku.pk).update(stock=-1))
    assert refused(lambda: SkuPrice.objects.filter(sku=sku).update(price=Decimal("-0.01")))
    sku.refresh_from_db()
    assert sku.stock == 1
    assert SkuPrice.objects.get(sku=sku).price == Decimal("99.90")


def test_uniqueness_per_store(store, make_store, make_sku, make_user):
    other = make_store(account="outraloja")
    sku = make_sku(store)
    assert refused(lambda: Store.objects.create(account="lojademo", name="X", country="BR", currency="BRL"))
    assert refused(lambda: Product.objects.create(store=store, name="Dup", slug=sku.product.slug))
    Product.objects.create(store=other, name="Same slug elsewhere", slug=sku.product.slug)
    assert refused(lambda: Category.objects.create(store=store, name="Roupas 2", slug="roupas"))
    assert refused(lambda: Brand.objects.create(store=store, name="Marca Demo"))
    assert refused(lambda: SkuPrice.objects.create(trade_policy=store.trade_policies.get(), sku=sku, price=1))
    user = make_user(store, Role.ADMIN)
    assert refused(lambda: Membership.objects.create(user=user, store=store, role=Role.VIEWER))
    InstalledApp.objects.create(store=store, app="tiktok")
    assert refused(lambda: InstalledApp.objects.create(store=store, app="tiktok"))
    InstalledApp.objects.create(store=other, app="tiktok")


def test_cart_and_order_constraints(store, make_sku):
    sku = make_sku(store)
    cart = Cart.objects.create(store=store, session_key="s1")
    assert refused(lambda: Cart.objects.create(store=store, session_key="s1"))
    assert refused(lambda: CartItem.objects.create(cart=cart, sku=sku, quantity=0))
    CartItem.objects.create(cart=cart, sku=sku, quantity=1)
    assert refused(lambda: CartItem.objects.create(cart=cart, sku=sku, quantity=2))
    Order.objects.create(store=store, number="1000001-01", currency="BRL")
    assert refused(lambda: Order.objects.create(store=store, number="1000001-01", currency="BRL"))
    # An external order (TikTok Shop) is imported at most once per store; storefront orders have none.
    Order.objects.create(
        store=store, number="T-1", source=OrderSource.TIKTOK_SHOP, external_id="577", currency="BRL"
    )
    assert refused(
        lambda: Order.objects.create(
            store=store, number="T-2", source=OrderSource.TIKTOK_SHOP, external_id="577", currency="BRL"
        )
    )
    Order.objects.create(store=store, number="1000002-01", currency="BRL")
    Order.objects.create(store=store, number="1000003-01", currency="BRL")


def test_model_helpers(store, make_sku):
    sku = make_sku(store, stock=0, price=Decimal("10.00"), list_price=Decimal("12.00"))
    assert not sku.in_stock
    assert SkuPrice.objects.get(sku=sku).has_discount
    assert store.is_io
    assert str(sku) == f"{sku.product.name} – M"


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (Decimal("1234.56"), "BRL", "R$ 1.234,56"),
        (Decimal("0.5"), "BRL", "R$ 0,50"),
        (Decimal("1234567.891"), "BRL", "R$ 1.234.567,89"),
        (Decimal("-19.9"), "BRL", "-R$ 19,90"),
        (Decimal("15999"), "ARS", "$ 15.999,00"),
        (Decimal("1234.5"), "USD", "US$ 1,234.50"),
        (Decimal("7"), "XYZ", "XYZ 7.00"),
        (None, "BRL", ""),
        ("not a number", "BRL", ""),
    ],
)
def test_money_format(amount, currency, text):
    assert format_money(amount, currency) == text
