"""The pixel hears of the storefront moments the store publishes (`store.changes`, registered in
`settings.STORE_CHANGE_SUBSCRIBERS`): a product page view, an add to cart and a placed order, each with
the shopper's request. Orders taken by other channels (no shopper's request) are not the pixel's."""

from __future__ import annotations

from store import changes

from . import hooks


def on_store_change(event: changes.StoreChange) -> None:
    if isinstance(event, changes.ProductViewed):
        hooks.on_product_view(event.request, event.store, event.product, event.skus)
    elif isinstance(event, changes.CartItemAdded) and event.request is not None:
        hooks.on_add_to_cart(event.request, event.store, event.sku, event.quantity, event.unit_price)
    elif isinstance(event, changes.OrderPlaced) and event.request is not None:
        hooks.on_order_placed(event.request, event.order.store, event.order)
