"""What the store tells the channels: catalog changes, orders, storefront moments, app installs.

Like VTEX's catalog, which notifies each affiliate of SKU changes, the store publishes a typed event and
the channels (catalog sync, pixel, the TikTok connection) act on it. The store imports none of them: the
subscribers are dotted paths in `settings.STORE_CHANGE_SUBSCRIBERS`, each a callable taking one event,
called in that order, synchronously, inside the caller's transaction (so a channel's bookkeeping commits
or rolls back with the change; anything a channel does later it schedules with `transaction.on_commit`).
Not Django signals: every publisher calls `publish` explicitly, so a reader sees where channels hook in.

A subscriber's exception propagates to the publisher (and rolls its transaction back). Events named
`...Requested` ask before the store acts: a subscriber refuses by raising `Refused(message)`, which the
store turns into its own error, having changed nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import checks
from django.http import HttpRequest
from django.utils.module_loading import import_string

from core.registry import dotted_path_problem

# Type-only: StoreConfig imports this module while the app registry loads, before any model class may be
# defined (AbstractBaseUser is one), and store.models imports it too (through querysets).
if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

    from .models import Order, Product, Sku, Store


# --- catalog -------------------------------------------------------------------------------------
# Published in the transaction of the change, per store, never with an empty id list.


@dataclass(frozen=True)
class SkusChanged:
    """These SKUs changed (fields, stock, price, images) or were created."""

    store_id: int
    sku_ids: tuple[int, ...]


@dataclass(frozen=True)
class SkusDeleted:
    """These SKUs are deleted in this transaction (published before or after the delete)."""

    store_id: int
    sku_ids: tuple[int, ...]


@dataclass(frozen=True)
class ProductsChanged:
    """These products changed: every SKU of theirs may look different to a channel."""

    store_id: int
    product_ids: tuple[int, ...]


@dataclass(frozen=True)
class ProductsDeleted:
    """These products are deleted in this transaction (published before the delete, so their SKUs
    are still there to read)."""

    store_id: int
    product_ids: tuple[int, ...]


@dataclass(frozen=True)
class CategoriesChanged:
    """These categories changed, or are deleted in this transaction (published before the delete, while
    their products still point at them). Their subcategories' products are affected too."""

    store_id: int
    category_ids: tuple[int, ...]


@dataclass(frozen=True)
class BrandsChanged:
    """These brands changed, or are deleted in this transaction (published before the delete)."""

    store_id: int
    brand_ids: tuple[int, ...]


@dataclass(frozen=True)
class TradePolicyChanged:
    """A trade policy's currency, activity or name changed: any price a channel sells at may differ."""

    store_id: int
    trade_policy_id: int


# --- storefront and orders -------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductViewed:
    """The storefront renders a product page; each SKU carries the price shown (`storefront_price`).
    Not a change: subscribers must not query or write (a page view adds no query)."""

    request: HttpRequest
    store: Store
    product: Product
    skus: list[Sku]


@dataclass(frozen=True)
class CartItemAdded:
    """`quantity` of the SKU went into a cart at `unit_price`, inside the cart transaction. `request` is
    the shopper's, or None when no shopper's request is behind it."""

    store: Store
    sku: Sku
    quantity: int
    unit_price: Decimal
    request: HttpRequest | None = None


@dataclass(frozen=True)
class OrderPlaced:
    """An order was created, inside its transaction: at the storefront (`request` is the shopper's) or
    taken by a channel (`order.source`, no request). Stock it took is published as SkusChanged."""

    order: Order
    request: HttpRequest | None = None


# --- apps --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppInstalled:
    store_id: int
    app: str
    actor: AbstractBaseUser | None = None


@dataclass(frozen=True)
class AppUninstallRequested:
    """Published, with the app's row locked, before it is removed: a subscriber may refuse."""

    store_id: int
    app: str


@dataclass(frozen=True)
class AppUninstalled:
    store_id: int
    app: str
    actor: AbstractBaseUser | None = None


StoreChange = (
    SkusChanged
    | SkusDeleted
    | ProductsChanged
    | ProductsDeleted
    | CategoriesChanged
    | BrandsChanged
    | TradePolicyChanged
    | ProductViewed
    | CartItemAdded
    | OrderPlaced
    | AppInstalled
    | AppUninstallRequested
    | AppUninstalled
)
Subscriber = Callable[[StoreChange], None]


class Refused(Exception):
    """Raised by a subscriber to refuse a `...Requested` event; `message` is shown to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@functools.cache
def _load(paths: tuple[str, ...]) -> tuple[Subscriber, ...]:
    return tuple(import_string(path) for path in paths)


def subscribers() -> tuple[Subscriber, ...]:
    """The callables of `settings.STORE_CHANGE_SUBSCRIBERS`, imported once per distinct setting."""
    return _load(tuple(getattr(settings, "STORE_CHANGE_SUBSCRIBERS", ())))


def check_subscribers(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    """System check (registered by StoreConfig): every subscriber in the setting imports and is callable,
    so a typo fails `manage.py check` (also run by migrate and runserver) instead of the first change."""
    errors: list[checks.CheckMessage] = []
    for path in getattr(settings, "STORE_CHANGE_SUBSCRIBERS", ()):
        problem = dotted_path_problem(path)
        if problem is not None:
            kind, message = problem
            error_id = "store.E001" if kind == "import" else "store.E002"
            errors.append(checks.Error(f"STORE_CHANGE_SUBSCRIBERS: {message}", id=error_id))
    return errors


def publish(event: StoreChange) -> None:
    """Tell every subscriber, in the order of the setting."""
    for subscriber in subscribers():
        subscriber(event)


def by_store(pairs: Iterable[tuple[int, int]]) -> dict[int, tuple[int, ...]]:
    """(id, store_id) pairs -> {store_id: ids}, for publishing one event per store."""
    grouped: dict[int, list[int]] = {}
    for pk, store_id in pairs:
        grouped.setdefault(store_id, []).append(pk)
    return {store_id: tuple(pks) for store_id, pks in grouped.items()}
