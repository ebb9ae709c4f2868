"""Bulk catalog changes that the channels hear about: use `update_synced` / `delete_synced` instead of
`.update()` / `.delete()` (deletions are published in the deleting transaction, before the rows go)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models, transaction

from . import changes

# Type-only: store.models imports this module to define its managers, so it cannot be imported back here.
if TYPE_CHECKING:
    from .models import Product, Sku, SkuPrice  # noqa: F401 (the querysets' type parameters)


def _publish_skus(pairs: list[tuple[int, int]], *, deleted: bool = False) -> None:
    event = changes.SkusDeleted if deleted else changes.SkusChanged
    for store_id, sku_ids in changes.by_store(pairs).items():
        changes.publish(event(store_id, sku_ids))


def _publish_products(pairs: list[tuple[int, int]], *, deleted: bool = False) -> None:
    event = changes.ProductsDeleted if deleted else changes.ProductsChanged
    for store_id, product_ids in changes.by_store(pairs).items():
        changes.publish(event(store_id, product_ids))


class ProductQuerySet(models.QuerySet["Product"]):
    def update_synced(self, **fields: object) -> int:
        with transaction.atomic():
            pairs = list(self.values_list("pk", "store_id"))
            changed = self.model._default_manager.filter(pk__in=[p for p, _s in pairs]).update(**fields)
            _publish_products(pairs)
        return changed

    def delete_synced(self) -> int:
        with transaction.atomic():
            pairs = list(self.values_list("pk", "store_id"))
            _publish_products(pairs, deleted=True)
            return self.model._default_manager.filter(pk__in=[p for p, _s in pairs]).delete()[0]


class SkuQuerySet(models.QuerySet["Sku"]):
    def update_synced(self, **fields: object) -> int:
        with transaction.atomic():
            pairs = list(self.values_list("pk", "store_id"))
            changed = self.model._default_manager.filter(pk__in=[p for p, _s in pairs]).update(**fields)
            _publish_skus(pairs)
        return changed

    def delete_synced(self) -> int:
        with transaction.atomic():
            pairs = list(self.values_list("pk", "store_id"))
            _publish_skus(pairs, deleted=True)
            return self.model._default_manager.filter(pk__in=[p for p, _s in pairs]).delete()[0]


class SkuPriceQuerySet(models.QuerySet["SkuPrice"]):
    """A price row changes what its SKU looks like: published as the SKU changing."""

    def update_synced(self, **fields: object) -> int:
        with transaction.atomic():
            rows = list(self.values_list("pk", "sku_id", "sku__store_id"))
            changed = self.model._default_manager.filter(pk__in=[r[0] for r in rows]).update(**fields)
            _publish_skus([(sku, store) for _p, sku, store in rows])
        return changed

    def delete_synced(self) -> int:
        with transaction.atomic():
            rows = list(self.values_list("pk", "sku_id", "sku__store_id"))
            _publish_skus([(sku, store) for _p, sku, store in rows])
            return self.model._default_manager.filter(pk__in=[r[0] for r in rows]).delete()[0]
