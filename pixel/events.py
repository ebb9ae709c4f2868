"""The pixel events the seed lists, with TikTok's property names (reference §4.2). The same dicts feed
the browser (`ttq.track(event, properties, {event_id})`) and the server-side Events API.

`content_id` is the catalog `sku_id`: the SKU's primary key as a string, exactly what catalog_sync
uploads (store.models.Sku docstring; catalog_sync/mapping.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from store.models import Order, Product, Sku

VIEW_CONTENT = "ViewContent"
ADD_TO_CART = "AddToCart"
CONTENT_TYPE = "product"


def new_event_id() -> str:
    return uuid.uuid4().hex


def order_event_id(store_id: int, order_number: str) -> str:
    # Deterministic, so a repeated hook or a retried send can never count one order twice.
    return f"order-{store_id}-{order_number}"[:64]


def money(value: Decimal | float | int) -> float:
    """TikTok wants a plain number; two decimals avoids float noise like 99.90000000000001."""
    return float(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def unit_price_decimal(value: Any) -> Decimal | None:
    """A unit price as the store hands it over (Decimal, str, float or None); None if it is no number."""
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def sku_content_id(sku_id: int | str) -> str:
    return str(sku_id)


def _content(sku_id: int | str, name: str, quantity: int | None, price: Decimal | None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "content_id": sku_content_id(sku_id),
        "content_type": CONTENT_TYPE,
        "content_name": name,
    }
    if quantity is not None:
        item["quantity"] = int(quantity)
    if price is not None:
        item["price"] = money(price)
    return item


def sku_display_name(product_name: str, sku_name: str) -> str:
    # The same text as str(Sku) and OrderItem.name, so one SKU has one name in every event.
    return f"{product_name} \u2013 {sku_name}" if sku_name else product_name


def product_view_properties(
    product: Product, skus: Iterable[Sku], prices: dict[int, Decimal], currency: str
) -> dict[str, Any]:
    """ViewContent on a product page: one content per SKU shown, value = the first SKU's price."""
    contents = [
        _content(sku.pk, sku_display_name(product.name, sku.name), None, prices.get(sku.pk)) for sku in skus
    ]
    props: dict[str, Any] = {"content_type": CONTENT_TYPE, "contents": contents, "currency": currency}
    first_price = next((c["price"] for c in contents if "price" in c), None)
    if first_price is not None:
        props["value"] = first_price
    return props


def add_to_cart_properties(
    sku_id: int, name: str, quantity: int, unit_price: Decimal | None, currency: str
) -> dict[str, Any]:
    props: dict[str, Any] = {
        "content_type": CONTENT_TYPE,
        "contents": [_content(sku_id, name, quantity, unit_price)],
        "currency": currency,
    }
    if unit_price is not None:
        props["value"] = money(Decimal(str(unit_price)) * quantity)
    return props


def order_properties(order: Order) -> dict[str, Any]:
    contents = [
        _content(item.sku_id if item.sku_id else item.sku_code, item.name, item.quantity, item.unit_price)
        for item in order.items.all().order_by("id")
    ]
    return {
        "content_type": CONTENT_TYPE,
        "contents": contents,
        "value": money(order.total),
        "currency": order.currency or "BRL",
        "order_id": str(order.number),
    }
