"""seed_demo's catalog path: SKUs per second when building N SKUs in a fresh store, and the cost of an
idempotent re-run next to it (the ratio shows a re-run does no writing)."""

from __future__ import annotations

import time

from django.db import connection, transaction


def _drop(store) -> None:
    from store.models import Product, Sku, SkuImage, SkuPrice

    # Raw deletes, children first: the ORM's cascade collector would load every row of a large catalog.
    with transaction.atomic():
        SkuImage.objects.filter(sku__store=store)._raw_delete(connection.alias)
        SkuPrice.objects.filter(sku__store=store)._raw_delete(connection.alias)
        Sku.objects.filter(store=store)._raw_delete(connection.alias)
        Product.objects.filter(store=store)._raw_delete(connection.alias)
        store.delete()


def run(skus: int) -> dict[str, object]:
    from store.demo import seed_catalog
    from store.models import Store, TradePolicy

    leftover = Store.objects.filter(account="benchseed").first()
    if leftover is not None:  # an interrupted earlier run
        _drop(leftover)
    store = Store.objects.create(account="benchseed", name="Bench seed", country="BR", currency="BRL")
    policy = TradePolicy.objects.create(store=store, code="1", name="Principal", currency="BRL")
    try:
        started = time.monotonic()
        created = seed_catalog(store, skus, [policy])
        first = time.monotonic() - started
        started = time.monotonic()
        again_created = seed_catalog(store, skus, [policy])
        again = time.monotonic() - started
    finally:
        _drop(store)
    return {
        "database": connection.vendor,
        "skus_created": created,
        "seconds": round(first, 2),
        "skus_per_second": round(created / first) if first else None,
        "rerun_created": again_created,
        "rerun_seconds": round(again, 2),
        "ratio_rerun_over_first": round(again / first, 3) if first else None,
    }
