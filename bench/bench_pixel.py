"""The pixel middleware's cost on storefront page views, measured side by side in one run.

Two full Django stacks over the same database and the same store (lojademo, seeded to N SKUs):
- without: MIDDLEWARE minus pixel.middleware.PixelMiddleware;
- with: the real MIDDLEWARE and an active TikTok connection, so every page gets the pixel (and
  product pages their ViewContent contents).
Rounds alternate between the two so drift (caches, CPU frequency) hits both alike. Printed: median
milliseconds per request, the overhead ratio (target: under 5 %), and the database queries per page
view with and without the pixel (target: equal). With REDIS_URL set the config cache is Redis;
otherwise it is per-process memory plus a database stamp read by a watcher thread every 2 s (not by
page views; printed as background queries).
"""

from __future__ import annotations

import gc
import os
import statistics
import time
from typing import Any

from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

PIXEL_MIDDLEWARE = "pixel.middleware.PixelMiddleware"
ROUNDS = int(os.environ.get("BENCH_PIXEL_ROUNDS", "15"))
PER_ROUND = int(os.environ.get("BENCH_PIXEL_REQUESTS", "20"))


def _client(middleware: list[str]) -> Client:
    client = Client()
    with override_settings(MIDDLEWARE=middleware):
        client.get("/healthz")  # builds this client's middleware chain under these settings
    return client


def _timed(client: Client, paths: list[str], n: int) -> tuple[list[float], int]:
    times: list[float] = []
    with CaptureQueriesContext(connection) as queries:
        for i in range(n):
            path = paths[i % len(paths)]
            started = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.status_code)
    return times, len(queries.captured_queries)


def _queries_per_view(client: Client, path: str) -> int:
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    return len(queries.captured_queries)


def _middleware_own_cost(without: Client, path: str, n: int = 500) -> float:
    """Seconds the pixel middleware itself adds to one view of `path`: it post-processes a copy of the
    real page as rendered without it (config lookup, markup, injection), no view or template time."""
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.urls import resolve

    from pixel.middleware import PixelMiddleware

    body = without.get(path).content
    factory = RequestFactory()
    middleware = PixelMiddleware(lambda request: HttpResponse(body, content_type="text/html; charset=utf-8"))
    requests = []
    for _ in range(n):
        request = factory.get(path)
        request.resolver_match = resolve(path)
        request.session = {}  # type: ignore[assignment]
        requests.append(request)
    started = time.perf_counter()
    for request in requests:
        middleware(request)
    return (time.perf_counter() - started) / n


def run(skus: int) -> dict[str, Any]:
    from integration.models import ConnectionStatus, TikTokConnection
    from pixel.cache import _check_seconds, pixel_config_invalidate, shared_cache_enabled
    from store.demo import seed_demo
    from store.models import Product, Store

    seed_demo(skus)
    store = Store.objects.get(account="lojademo")
    created = None
    if not TikTokConnection.objects.active().filter(store=store).exists():
        created = TikTokConnection.objects.create(
            store=store,
            status=ConnectionStatus.CONNECTED,
            external_business_id="bench-pixel",
            pixel_code="CABCDEFGHIJ1234567XY",
            access_token="bench-not-a-token",
            connected_at=timezone.now(),
        )
    pixel_config_invalidate(store.pk)
    product = (
        Product.objects.filter(store=store, is_active=True, skus__prices__isnull=False).order_by("id").first()
    )
    paths = [f"/s/{store.account}/", f"/s/{store.account}/p/{product.slug}/"]
    try:
        without = _client([m for m in settings.MIDDLEWARE if m != PIXEL_MIDDLEWARE])
        with_pixel = _client(list(settings.MIDDLEWARE))
        assert b"tiktok-pixel-data" in with_pixel.get(paths[1]).content
        assert b"tiktok-pixel-data" not in without.get(paths[1]).content
        for c in (without, with_pixel):  # warm templates, caches, connections
            _timed(c, paths, PER_ROUND)
        # Alternate request by request (A B, then B A) so drift hits both stacks alike.
        times: dict[str, dict[str, list[float]]] = {p: {"without": [], "with_pixel": []} for p in paths}
        queries = {"without": 0, "with_pixel": 0}
        gc.collect()
        for i in range(ROUNDS * PER_ROUND):
            order = [("without", without), ("with_pixel", with_pixel)]
            if i % 2:
                order.reverse()
            for path in paths:
                for label, c in order:
                    t, q = _timed(c, [path], 1)
                    times[path][label].extend(t)
                    queries[label] += q
        n = ROUNDS * PER_ROUND * len(paths)
        per_path = {}
        for path, v in times.items():
            base = statistics.median(v["without"])
            # Paired: each with-pixel request against the without request next to it in time.
            paired = statistics.median(b - a for a, b in zip(v["without"], v["with_pixel"], strict=True))
            per_path[path] = {
                "median_ms_without": round(base * 1000, 3),
                "median_ms_with_pixel": round(statistics.median(v["with_pixel"]) * 1000, 3),
                "paired_overhead_ms": round(paired * 1000, 3),
                "overhead_percent": round(paired / base * 100, 2),
                "middleware_own_ms": round(_middleware_own_cost(without, path) * 1000, 4),
            }
        overhead = max(v["overhead_percent"] for v in per_path.values())
        per_view = {
            path: {
                "without": _queries_per_view(without, path),
                "with_pixel": _queries_per_view(with_pixel, path),
            }
            for path in paths
        }
        return {
            "database": connection.vendor,
            "config_cache": "redis" if shared_cache_enabled() else "memory + stamp watcher thread",
            "background_queries": "none"
            if shared_cache_enabled()
            else f"1 stamp query per {_check_seconds()} s per process",
            "requests_each": n,
            "per_page": per_path,
            "overhead_percent_worst_page": overhead,
            "overhead_ratio_worst_page": round(1 + overhead / 100, 4),
            "target_percent": 5,
            "queries_per_view_warm": per_view,
            "queries_per_view_equal": all(v["without"] == v["with_pixel"] for v in per_view.values()),
            "mean_queries_per_view_over_run": {
                "without": round(queries["without"] / n, 3),
                "with_pixel": round(queries["with_pixel"] / n, 3),
            },
        }
    finally:
        if created is not None:
            created.delete()
            pixel_config_invalidate(store.pk)
