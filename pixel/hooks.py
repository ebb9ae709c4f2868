"""The storefront calls these at the three moments the seed lists (page view, add to cart, order
placed). They run inside the caller's transaction so the server-side outbox row commits with the cart
or order change, and they never make an HTTP call in the shopper's request."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from store.models import Order, Product, Sku, Store


def on_product_view(request: HttpRequest, store: Store, product: Product, skus: list[Sku]) -> None:
    """Product page: ViewContent carries the product's contents."""


def on_add_to_cart(request: HttpRequest, store: Store, sku: Sku, quantity: int, unit_price: Decimal) -> None:
    """Called inside the transaction that added `quantity` of `sku` to the cart."""


def on_order_placed(request: HttpRequest, store: Store, order: Order) -> None:
    """Called inside the transaction that created `order`."""
