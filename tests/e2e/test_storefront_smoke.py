"""A shopper in a real Chromium: product page → add to cart → checkout → confirmation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from store.models import Order, Sku

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_shopper_adds_to_cart_and_checks_out(live_server, page, screenshot, store, make_sku):
    sku = make_sku(
        store,
        stock=4,
        price=Decimal("1234.56"),
        list_price=Decimal("1499.90"),
        product_name="Air Fryer 4L",
        name="220V",
        specifications={"voltagem": "220V"},
    )
    page.goto(f"{live_server.url}/s/{store.account}/")
    page.click("text=Air Fryer 4L")
    assert page.inner_text("[data-testid=price]").split() == ["R$", "1.499,90", "R$", "1.234,56"]
    page.fill("[data-testid=quantity]", "2")
    page.click("[data-testid=add-to-cart]")
    page.wait_for_url(f"{live_server.url}/s/{store.account}/cart/")
    assert page.inner_text("[data-testid=cart-total]") == "R$ 2.469,12"
    assert page.inner_text("[data-testid=cart-count]") == "2"
    screenshot("cart")

    page.click("[data-testid=go-checkout]")
    page.fill("[data-testid=checkout-name]", "Ana Souza")
    page.fill("[data-testid=checkout-email]", "ana@")
    page.fill("[data-testid=checkout-phone]", "+55 11 91234-5678")
    page.click("[data-testid=place-order]")
    assert page.inner_text("[data-testid=error-email]") == "Informe um endereço de e-mail válido."
    assert not Order.objects.exists()

    page.fill("[data-testid=checkout-email]", "ana@example.com")
    page.click("[data-testid=place-order]")
    page.wait_for_selector("[data-testid=order-confirmation]")
    order = Order.objects.get(store=store)
    assert page.inner_text("[data-testid=order-number]") == order.number
    assert page.inner_text("[data-testid=order-total]") == "R$ 2.469,12"
    assert (order.total, order.currency, order.email) == (Decimal("2469.12"), "BRL", "ana@example.com")
    assert Sku.objects.get(pk=sku.pk).stock == 2
    screenshot("order-confirmation")
