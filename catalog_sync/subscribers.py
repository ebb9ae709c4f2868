"""The catalog sync hears of every catalog change the store publishes (`store.changes`, registered in
`settings.STORE_CHANGE_SUBSCRIBERS`) and marks the SKUs dirty (`dirty`) in the transaction of the change:
cheap and bulk, only while the store is connected, one sweep dispatched per transaction on commit."""

from __future__ import annotations

from store import changes

from . import dirty


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
