"""Exclusions: a product or a category (with its subcategories) kept off TikTok. Adding one marks its
SKUs dirty, so the next sweep removes them from the catalog; removing one marks them dirty again."""

from __future__ import annotations

from django.db import transaction

from store.models import Category, Product, Store

from . import dirty
from .models import CatalogExclusion


def _exclusion_changed(store_id: int, exclusion: CatalogExclusion) -> None:
    if exclusion.product_id:
        dirty.products_mark_dirty(store_id, [exclusion.product_id])
    elif exclusion.category_id:
        dirty.categories_mark_dirty(store_id, [exclusion.category_id])


def exclusion_add(
    store: Store, *, product: Product | None = None, category: Category | None = None
) -> tuple[CatalogExclusion, bool]:
    """Exclude the product or the category unless it already is; (exclusion, created). Get-or-create under
    the unique key: of two requests at once one creates the row, the other finds it (its insert waits for
    the first to commit, then fails on the key and reads the row), and only the one that created it marks
    the SKUs dirty (one sweep)."""
    if (product is None) == (category is None):
        raise ValueError("exclude either a product or a category")
    with transaction.atomic():
        exclusion, created = CatalogExclusion.objects.get_or_create(
            store=store, product=product, category=None if product is not None else category
        )
        if created:
            _exclusion_changed(store.pk, exclusion)
    return exclusion, created


def exclusion_remove(store: Store, exclusion_id: int) -> bool:
    """Include the products again; False when there was no such exclusion (already removed: a second
    click, or two at once, is not an error and marks nothing twice)."""
    with transaction.atomic():
        exclusion = CatalogExclusion.objects.select_for_update().filter(pk=exclusion_id, store=store).first()
        if exclusion is None:
            return False
        _exclusion_changed(store.pk, exclusion)
        exclusion.delete()
    return True
