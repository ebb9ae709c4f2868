"""The demo catalog of one store: categories, brands, then products `p-0000000`, `p-0000001`, ... with
their SKUs, prices and images, written in batches by `RowWriter`.

Product `index` is planned from `random.Random(index * 7919 + 17)` alone, so the catalog is the same on
every run and on every database, and a re-run skips the products already there."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from decimal import Decimal

from django.db import connection, transaction
from django.utils.text import slugify

from ..models import Brand, Category, Product, Sku, SkuImage, SkuPrice, Store, TradePolicy
from .data import ADJECTIVES, BRANDS, LEAVES, Leaf
from .images import PoolImage, image_pool
from .rows import RowWriter

BATCH_PRODUCTS = 2000

# (product index, its leaf, its random stream, its SKUs' specifications): one product to write.
PlannedProduct = tuple[int, Leaf, random.Random, list[dict[str, str]]]


def seed_catalog(
    store: Store,
    target_skus: int,
    policies: list[TradePolicy],
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Create products `p-00000`, `p-00001`, ... until the store has at least `target_skus` SKUs in
    them. Products already there are left alone, so running it again creates nothing."""
    big, small = image_pool()
    leaves = categories(store)
    brands = brands_of(store)
    existing = set(Product.objects.filter(store=store, slug__startswith="p-").values_list("slug", flat=True))
    created_skus = 0
    planned = 0
    index = 0
    batch: list[PlannedProduct] = []
    while planned < target_skus:
        leaf, rng, combos = plan(index)
        planned += len(combos)
        if f"p-{index:07d}" not in existing:
            batch.append((index, leaf, rng, combos))
        index += 1
        if len(batch) >= BATCH_PRODUCTS:
            created_skus += insert_batch(store, batch, leaves, brands, policies, big, small)
            batch = []
            if progress:
                progress(created_skus)
    if batch:
        created_skus += insert_batch(store, batch, leaves, brands, policies, big, small)
        if progress:
            progress(created_skus)
    if created_skus >= 10_000 and connection.vendor == "postgresql":
        # Fresh statistics after a bulk load, or the planner keeps estimating the tables as empty.
        with connection.cursor() as cursor:
            for model in (Product, Sku, SkuPrice, SkuImage):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return created_skus


def categories(store: Store) -> dict[str, Category]:
    """The store's demo categories (parents first), by leaf slug; existing ones are reused."""
    parents: dict[str, Category] = {}
    leaves: dict[str, Category] = {}
    for leaf in LEAVES:
        if leaf.parent not in parents:
            parents[leaf.parent], _c = Category.objects.get_or_create(
                store=store, slug=slugify(leaf.parent), defaults={"name": leaf.parent}
            )
        leaves[leaf.slug], _c = Category.objects.get_or_create(
            store=store,
            slug=leaf.slug,
            defaults={
                "name": leaf.name,
                "parent": parents[leaf.parent],
                "google_product_category": leaf.google,
            },
        )
    return leaves


def brands_of(store: Store) -> list[Brand]:
    """The store's demo brands, in `BRANDS` order (products pick one by position)."""
    return [Brand.objects.get_or_create(store=store, name=name)[0] for name in BRANDS]


def sku_combos(leaf: Leaf, rng: random.Random) -> list[dict[str, str]]:
    """The specifications of one product's SKUs: a product of `leaf` in a subset of each axis's values."""
    combos: list[dict[str, str]] = [{}]
    for axis, values in leaf.axes:
        # Not every product comes in every value: pick a stable subset per product.
        chosen = [v for v in values if rng.random() < 0.75] or [values[0]]
        combos = [{**c, axis: v} for c in combos for v in chosen]
    return combos


def plan(index: int) -> tuple[Leaf, random.Random, list[dict[str, str]]]:
    """Product `index`'s leaf, its random stream (already past the SKU choice) and its SKUs."""
    rng = random.Random(index * 7919 + 17)
    leaf = LEAVES[index % len(LEAVES)]
    combos = sku_combos(leaf, rng)
    return leaf, rng, combos


def insert_batch(
    store: Store,
    batch: list[PlannedProduct],
    leaves: dict[str, Category],
    brands: list[Brand],
    policies: list[TradePolicy],
    big: list[PoolImage],
    small: list[PoolImage],
) -> int:
    """Write a batch of planned products with their SKUs, prices and images in one transaction; returns
    the number of SKUs written. Every value is drawn from the product's `rng` in a fixed order."""
    products = RowWriter(
        Product, ("store_id", "name", "slug", "ref_id", "description", "category_id", "brand_id")
    )
    skus = RowWriter(Sku, ("store_id", "product_id", "name", "ref_id", "ean", "specifications", "stock"))
    prices = RowWriter(SkuPrice, ("trade_policy_id", "sku_id", "price", "list_price"))
    images = RowWriter(SkuImage, ("sku_id", "image", "width", "height", "position"))
    with transaction.atomic():
        product_ids = products.allocate_ids(len(batch))
        product_rows: list[tuple[object, ...]] = []
        sku_plan: list[tuple[int, int, Leaf, random.Random, str, dict[str, str], int]] = []
        for product_id, (index, leaf, rng, combos) in zip(product_ids, batch, strict=True):
            base = leaf.items[rng.randrange(len(leaf.items))]
            adjective = ADJECTIVES[rng.randrange(len(ADJECTIVES))]
            brand = brands[rng.randrange(len(brands))]
            name = f"{base} {adjective}"
            if index % 97 == 5:
                name = f"{name} “Edição Verão” ☀️ 100% nacional"
            description = (
                f"{base} {adjective.lower()} da {brand.name}, feito em {leaf.material}. "
                f"Acabamento cuidadoso, ótimo custo-benefício e garantia de 90 dias. "
                f"Ideal para o dia a dia; confira a tabela de medidas antes de comprar."
            )
            # About 5% deliberately incomplete, so "needs additional details" has something to show.
            missing = ""
            if index % 20 == 7:
                missing = ("brand", "description", "image", "category")[(index // 20) % 4]
            product_rows.append(
                (
                    product_id,
                    store.pk,
                    name,
                    f"p-{index:07d}",
                    f"REF-{index:07d}",
                    "" if missing == "description" else description,
                    None if missing == "category" else leaves[leaf.slug].pk,
                    None if missing == "brand" else brand.pk,
                )
            )
            for n, combo in enumerate(combos):
                sku_plan.append((product_id, index, leaf, rng, missing, combo, n))
        products.insert(product_rows)

        sku_ids = skus.allocate_ids(len(sku_plan))
        sku_rows: list[tuple[object, ...]] = []
        price_rows: list[tuple[object, ...]] = []
        image_rows: list[tuple[object, ...]] = []
        price_ids = prices.allocate_ids(len(sku_plan) * len(policies))
        image_id_pool = iter(images.allocate_ids(len(sku_plan) * 2))
        price_id_iter = iter(price_ids)
        for sku_id, (product_id, index, leaf, rng, missing, combo, n) in zip(sku_ids, sku_plan, strict=True):
            stock = 0 if rng.random() < 0.08 else rng.randrange(1, 120)
            sku_rows.append(
                (
                    sku_id,
                    store.pk,
                    product_id,
                    " / ".join(combo.values()) or "Único",
                    f"REF-{index:07d}-{n + 1:02d}",
                    f"789{(index * 31 + n) % 10**9:09d}"[:12] + "0",
                    json.dumps(combo, ensure_ascii=False),
                    stock,
                )
            )
            low, high = leaf.price_range
            price = (Decimal(rng.randrange(low * 100, high * 100)) / 100).quantize(Decimal("1")) - Decimal(
                "0.10"
            )
            list_price = (
                (price * Decimal("1.25")).quantize(Decimal("1")) - Decimal("0.10")
                if rng.random() < 0.3
                else None
            )
            for policy in policies:
                price_rows.append((next(price_id_iter), policy.pk, sku_id, price, list_price))
            if missing == "image":
                continue
            pool = small if index % 53 == 11 else big
            name, width, height = pool[(index + sku_id) % len(pool)]
            image_rows.append((next(image_id_pool), sku_id, name, width, height, 0))
            if rng.random() < 0.3:
                name, width, height = pool[(index + sku_id + 1) % len(pool)]
                image_rows.append((next(image_id_pool), sku_id, name, width, height, 1))
        skus.insert(sku_rows)
        prices.insert(price_rows)
        images.insert(image_rows)
    return len(sku_rows)
