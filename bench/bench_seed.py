"""How long seed_demo takes to build a catalog of N SKUs, and SKUs per second (the 1M path)."""

from __future__ import annotations

import time

from django.db import connection


def run(skus: int) -> dict[str, object]:
    from store.demo import seed_demo
    from store.models import Sku

    before = Sku.objects.filter(store__account="lojademo").count()
    started = time.monotonic()
    result = seed_demo(skus)
    first = time.monotonic() - started
    started = time.monotonic()
    seed_demo(skus)
    again = time.monotonic() - started
    return {
        "database": connection.vendor,
        "skus_in_lojademo": result.total_skus,
        "skus_created": result.created_skus,
        "skus_before": before,
        "seconds": round(first, 2),
        "skus_per_second": round(result.created_skus / first) if result.created_skus else None,
        "idempotent_rerun_seconds": round(again, 2),
    }
