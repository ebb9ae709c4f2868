"""`pixel.subscribers` calls these when the store publishes the three moments the seed lists (page view,
add to cart, order placed). They run inside the store's transaction so the server-side outbox row commits
with the cart or order change, and they never make an HTTP call in the shopper's request."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from django.db import transaction
from django.http import HttpRequest

from store.models import Order, Product, Sku, Store

from . import events
from .cache import pixel_config_for_account
from .hashing import identity_hashes
from .services import (
    browser_event_queue,
    consent_allows_browser,
    consent_allows_server,
    consent_state,
    identity_current,
    identity_remember,
    outbox_event_create,
)

logger = logging.getLogger(__name__)

_Hook = TypeVar("_Hook", bound=Callable[..., None])


def _never_breaks_the_shopper(hook: _Hook) -> _Hook:
    """A pixel failure must not fail a page view, a cart change or an order: the error is logged.
    Hooks that write run in a savepoint so their failed writes are rolled back alone (the product
    view writes nothing and must not open a transaction: SQLite's BEGIN IMMEDIATE would take the
    write lock on every product page)."""
    writes = hook.__name__ != "on_product_view"

    @functools.wraps(hook)
    def wrapped(*args: Any, **kwargs: Any) -> None:
        try:
            if writes:
                with transaction.atomic():
                    hook(*args, **kwargs)
            else:
                hook(*args, **kwargs)
        except Exception:
            logger.exception(
                "pixel: %s failed; the shopper's request goes on without its event", hook.__name__
            )

    return wrapped  # type: ignore[return-value]


def _sku_price(sku: Sku) -> Decimal | None:
    # The storefront hands over SKUs with the price it shows (annotated or attached); the hook must not
    # query the database on a page view.
    for attr in ("price", "storefront_price", "unit_price"):
        value = getattr(sku, attr, None)
        if value is not None and not callable(value):
            if hasattr(value, "price"):
                value = value.price
            return events.unit_price_decimal(value)
    return None


@_never_breaks_the_shopper
def on_product_view(request: HttpRequest, store: Store, product: Product, skus: list[Sku]) -> None:
    """Product page: ViewContent carries the product's contents."""
    config = pixel_config_for_account(store.account)
    if config is None:
        return
    prices = {sku.pk: p for sku in skus if (p := _sku_price(sku)) is not None}
    request._tt_pixel_view = events.product_view_properties(  # type: ignore[attr-defined]
        product, skus, prices, config.currency
    )


@_never_breaks_the_shopper
def on_add_to_cart(request: HttpRequest, store: Store, sku: Sku, quantity: int, unit_price: Decimal) -> None:
    """Called inside the transaction that added `quantity` of `sku` to the cart."""
    config = pixel_config_for_account(store.account)
    if config is None or quantity <= 0:
        return
    consent = consent_state(request, config)
    if not consent_allows_browser(consent):
        return
    event_id = events.new_event_id()
    name = events.sku_display_name(sku.product.name, sku.name)
    properties = events.add_to_cart_properties(
        sku.pk, name, quantity, events.unit_price_decimal(unit_price), config.currency
    )
    browser_event_queue(
        request, store.pk, {"event": events.ADD_TO_CART, "properties": properties, "event_id": event_id}
    )
    identity = identity_current(request, store.pk) if config.advanced_matching else {}
    outbox_event_create(
        request,
        config,
        event=events.ADD_TO_CART,
        event_id=event_id,
        properties=properties,
        identity=identity,
        held=not consent_allows_server(consent),
    )


@_never_breaks_the_shopper
def on_order_placed(request: HttpRequest, store: Store, order: Order) -> None:
    """Called inside the transaction that created `order`."""
    config = pixel_config_for_account(store.account)
    if config is None:
        return
    consent = consent_state(request, config)
    if not consent_allows_browser(consent):
        return
    identity: dict[str, str] = {}
    if config.advanced_matching:
        identity = identity_hashes(order.email, order.phone)
        if identity:
            identity_remember(request, store.pk, identity)
    event_id = events.order_event_id(store.pk, order.number)
    properties = events.order_properties(order)
    # One name for the order moment, the one the store picked: never both (double-counted conversions).
    browser_event_queue(
        request, store.pk, {"event": config.purchase_event, "properties": properties, "event_id": event_id}
    )
    outbox_event_create(
        request,
        config,
        event=config.purchase_event,
        event_id=event_id,
        properties=properties,
        identity=identity,
        held=not consent_allows_server(consent),
    )
