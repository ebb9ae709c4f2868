"""The pixel hears of the storefront moments the store publishes (`store.changes`, registered in
`settings.STORE_CHANGE_SUBSCRIBERS`): a product page view, an add to cart and a placed order, each with
the shopper's request. Orders taken by other channels (no shopper's request) are not the pixel's.

It also hears of the TikTok connection (`integration.events`, registered in
`settings.INTEGRATION_EVENT_SUBSCRIBERS`): connect, disconnect and a pixel setting change make every web
process forget the cached pixel of the store."""

from __future__ import annotations

from integration import events as integration_events
from store import changes

from . import attribution, cache, hooks


def on_store_change(event: changes.StoreChange) -> None:
    if isinstance(event, changes.ProductViewed):
        hooks.on_product_view(event.request, event.store, event.product, event.skus)
    elif isinstance(event, changes.CartItemAdded) and event.request is not None:
        hooks.on_add_to_cart(event.request, event.store, event.sku, event.quantity, event.unit_price)
        attribution.on_cart_item_added(event.request, event.store)
    elif isinstance(event, changes.OrderPlaced) and event.request is not None:
        hooks.on_order_placed(event.request, event.order.store, event.order)
        attribution.on_order_placed(event.request, event.order)


def on_integration_event(event: integration_events.IntegrationEvent) -> None:
    # Every event changes what the storefront pixel of the store is (on, off, Advanced Matching).
    if isinstance(
        event,
        integration_events.ConnectionConnected
        | integration_events.ConnectionDisconnected
        | integration_events.PixelSettingsChanged,
    ):
        cache.pixel_config_invalidate(event.store_id)
