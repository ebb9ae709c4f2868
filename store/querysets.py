"""Bulk catalog changes that the channels hear about: use `update_synced` / `delete_synced` instead of
`.update()` / `.delete()` (deletions are published in the deleting transaction, before the rows go)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import apps
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q

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


# The store's own completeness rule for a product (what the catalog list filters on); each channel adds
# its own rules on its side.
MISSING_FIELDS = ("brand", "category", "description", "image", "price")


def _missing_q(what: str) -> Q:
    if what == "brand":
        return Q(brand__isnull=True)
    if what == "category":
        return Q(category__isnull=True)
    if what == "description":
        return Q(description__regex=r"^\s*$")
    # Looked up at call time: store.models imports this module to define its managers.
    if what == "image":
        images = apps.get_model("store", "SkuImage").objects.filter(sku__product=OuterRef("pk"))
        return ~Q(Exists(images))
    if what == "price":
        prices = apps.get_model("store", "SkuPrice").objects.filter(
            sku__product=OuterRef("pk"), price__gt=0, trade_policy__is_active=True
        )
        return ~Q(Exists(prices))
    raise ValueError(f"unknown completeness field: {what}")


class ProductQuerySet(models.QuerySet["Product"]):
    def missing(self, what: str) -> ProductQuerySet:
        """Products that miss `what` (one of MISSING_FIELDS), or any of them with `what="any"`: no
        brand, no category, an empty description, no image on any SKU, no price above zero in an active
        trade policy."""
        if what == "any":
            condition = Q()
            for name in MISSING_FIELDS:
                condition |= _missing_q(name)
            return self.filter(condition)
        return self.filter(_missing_q(what))

    def complete(self) -> ProductQuerySet:
        condition = Q()
        for name in MISSING_FIELDS:
            condition &= ~_missing_q(name)
        return self.filter(condition)

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
