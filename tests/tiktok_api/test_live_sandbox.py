"""The client's shared state through Redis, proven against a live sandbox process: separate clients (as
separate worker processes would have, each with its own Redis connection and no shared memory) never
collide on a catalog and never exceed the app's QPS. Proof comes from the sandbox journal."""

from __future__ import annotations

import os
import threading
import uuid

import pytest
import redis

from tests.plugins.processes import wait_until
from tiktok_api import CatalogLock, RateLimiter, TikTokClient

pytestmark = [pytest.mark.slow, pytest.mark.services]


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL not set")
    prefix = f"test-live-{uuid.uuid4().hex}"
    yield url, prefix
    conn = redis.Redis.from_url(url)
    keys = list(conn.scan_iter(f"{prefix}*"))
    if keys:
        conn.delete(*keys)


def _worker_client(sandbox, url: str, prefix: str, app_qps: int = 10) -> TikTokClient:
    conn = redis.Redis.from_url(url)
    return TikTokClient(
        sandbox.url,
        sandbox.provision["app_id"],
        sandbox.provision["secret"],
        timeout=(2.0, 10.0),
        lock=CatalogLock(redis=conn, key_prefix=f"{prefix}:lock"),
        rate_limiter=RateLimiter(redis=conn, key_prefix=f"{prefix}:rl", app_qps=app_qps),
        lock_poll_interval=0.05,
    )


def _product(sku: str) -> dict:
    return {
        "sku_id": sku,
        "title": f"Camiseta {sku}",
        "description": "Algodão",
        "availability": "IN_STOCK",
        "brand": "Loja",
        "image_url": "https://127.0.0.1/img.png",
        "product_detail": {"condition": "NEW"},
        "price_info": {"price": 10.0, "currency": "BRL"},
        "landing_page": {"landing_page_url": "https://loja.example.com/p"},
    }


def _run_threads(target, count: int) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(n: int) -> None:
        try:
            target(n)
        except BaseException as exc:  # noqa: BLE001 - surfaced by the caller's assertion
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def test_four_writers_sharing_only_redis_are_never_refused(sandbox, redis_url):
    url, prefix = redis_url
    sandbox.admin.config(feed_wait_seconds=0.2, feed_process_seconds=0.2, image_fetch=False)
    conn = sandbox.admin.connect("loja-redis")
    token, bc_id, catalog_id = conn["access_token"], conn["bc_id"], conn["catalog_id"]
    feed_logs: list[str] = []

    def writer(n: int) -> None:
        client = _worker_client(sandbox, url, prefix)
        for batch in range(3):
            products = [_product(f"R{n}-{batch}-{i}") for i in range(20)]
            feed_logs.append(
                client.product_upload(token, bc_id=bc_id, catalog_id=catalog_id, products=products)
            )

    assert _run_threads(writer, 4) == []
    assert len(feed_logs) == 12
    writes = [e for e in sandbox.admin.journal(endpoint="catalog/product/upload")]
    assert len(writes) == 12
    assert [e["code"] for e in writes] == [0] * 12, "no write was refused (no 40202, no 40100)"
    checker = _worker_client(sandbox, url, prefix)
    assert wait_until(
        lambda: (
            checker.product_log(token, bc_id=bc_id, catalog_id=catalog_id, feed_log_id=feed_logs[-1]).done
        ),
        timeout=20,
    )


def test_separate_clients_sharing_redis_stay_under_the_app_qps(sandbox, redis_url):
    url, prefix = redis_url
    # A low app QPS on both sides, so four unshared limiters (4 x 3 QPS) would certainly overrun it.
    sandbox.admin.config(app_qps=3)
    conn = sandbox.admin.connect("loja-qps")
    token, bc_id, catalog_id = conn["access_token"], conn["bc_id"], conn["catalog_id"]

    def reader(n: int) -> None:
        client = _worker_client(sandbox, url, prefix, app_qps=3)
        for _ in range(4):
            client.catalog_overview(token, bc_id=bc_id, catalog_id=catalog_id)

    assert _run_threads(reader, 4) == []
    # Throttled calls are journaled before their parameters are read, so filter on the endpoint only.
    calls = [
        e for e in sandbox.admin.journal(endpoint="catalog/overview") if e["endpoint"] == "catalog/overview"
    ]
    assert len(calls) == 16
    assert {e["code"] for e in calls} == {0}, "the sandbox never had to throttle (40100)"
