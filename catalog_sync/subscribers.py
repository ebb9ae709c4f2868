"""The catalog sync hears of every catalog change the store publishes (`store.changes`, registered in
`settings.STORE_CHANGE_SUBSCRIBERS`) and marks the SKUs dirty (`dirty`) in the transaction of the change:
cheap and bulk, only while the store is connected, one sweep dispatched per transaction on commit.

It also hears of the TikTok connection (`integration.events`, registered in
`settings.INTEGRATION_EVENT_SUBSCRIBERS`): a new connection starts its first full sync."""

from __future__ import annotations

from integration import events as integration_events
from store import changes

from . import dirty, old_catalogs, services


def on_store_change(event: changes.StoreChange) -> None:
    if isinstance(event, changes.SkusChanged):
        dirty.skus_mark_dirty(event.store_id, event.sku_ids)
    elif isinstance(event, changes.ProductsChanged):
        dirty.products_mark_dirty(event.store_id, event.product_ids)
    elif isinstance(event, changes.SkusDeleted):
        dirty.skus_mark_deleted(event.store_id, event.sku_ids)
    elif isinstance(event, changes.ProductsDeleted):
        dirty.products_mark_deleted(event.store_id, event.product_ids)
    elif isinstance(event, changes.CategoriesChanged):
        dirty.categories_mark_dirty(event.store_id, event.category_ids)
    elif isinstance(event, changes.BrandsChanged):
        dirty.brands_mark_dirty(event.store_id, event.brand_ids)
    elif isinstance(event, changes.TradePolicyChanged):
        dirty.store_mark_all_dirty(event.store_id)


def on_integration_event(event: integration_events.IntegrationEvent) -> None:
    if isinstance(event, integration_events.ConnectionConnected):
        # Looked up on the module at call time, so tests can observe the start through `services`.
        services.connection_start_full_sync(event.connection_id)
        old_catalogs.old_catalogs_describe_soon(event.store_id)
    elif isinstance(event, integration_events.ConnectionDisconnected):
        # In the disconnect's transaction: what this connection left in its catalog outlives its state.
        old_catalogs.old_catalog_capture(event.connection_id)
