"""Fault tests: each starts its own redis-server and a real Celery worker on free ports, with short
visibility and restore intervals, and is judged from the sandbox's catalog and request journal.

Each ends with nothing lost (TikTok's catalog equals the eligible SKUs), nothing duplicated (no SKU sent
more often than the faults explain, one product per sku_id), nothing stuck (no claimed or in-flight
batch, nothing pending).

The worker-kill test depends on task_reject_on_worker_lost: run it with
CATALOG_FAULT_REJECT_ON_WORKER_LOST=0 to see it fail (the killed task's message is acknowledged and
lost, the catalog never completes)."""

from __future__ import annotations

import json
import os
import time
from collections import Counter

import pytest

from catalog_sync import services
from catalog_sync.models import BatchStatus, SkuState, SyncBatch, SyncRun
from catalog_sync.selectors import catalog_counts
from tests.catalog_sync.services_fixtures import demo_connected, eligible_sku_ids, live_factory, wait_settled  # noqa: F401
from tests.plugins.processes import wait_until

pytestmark = [pytest.mark.services, pytest.mark.slow]

FAST_REDELIVERY = {
    "broker_transport_options": {
        "visibility_timeout": 25,
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    },
}


def _conf(**extra: object) -> str:
    conf = dict(FAST_REDELIVERY)
    conf.update(extra)
    return json.dumps(conf)


def _nothing_stuck(conn) -> None:
    assert not SyncBatch.objects.filter(
        connection=conn, status__in=[BatchStatus.CLAIMED, BatchStatus.SENT]
    ).exists()
    assert not SkuState.objects.filter(connection=conn, batch__isnull=False).exists()
    assert not SkuState.objects.filter(connection=conn).exclude(op="").exists()
    assert catalog_counts(conn).pending == 0


def _one_product_per_sku(sandbox, conn) -> None:
    counts = Counter(p["sku_id"] for p in sandbox.products(conn.catalog_id))
    assert all(n == 1 for n in counts.values())


def test_worker_killed_mid_batch(live_factory, sandbox):  # noqa: F811
    reject = os.environ.get("CATALOG_FAULT_REJECT_ON_WORKER_LOST", "1") == "1"
    live = live_factory(
        CATALOG_SYNC_UPLOAD_BATCH="20",
        TEST_WORKER_CONCURRENCY="1",
        TEST_CATALOG_LOCK_SECONDS="4",
        TEST_CELERY_CONF=_conf(task_reject_on_worker_lost=reject),
    )
    store, policy, conn = demo_connected(sandbox)
    expected = eligible_sku_ids(store, policy)
    # The first upload hangs for 4 s at TikTok: the worker is killed while it waits for the answer.
    sandbox.fault(kind="latency", endpoint="catalog/product/upload", seconds=4, count=1)
    services.connection_start_full_sync(conn.pk)
    live.flush()
    assert wait_until(
        lambda: SyncBatch.objects.filter(connection=conn, status=BatchStatus.CLAIMED).exists(), timeout=20
    )
    time.sleep(1.0)
    killed = live.worker.kill_child()
    assert killed

    wait_settled(conn, sandbox, expected, timeout=45)
    _nothing_stuck(conn)
    _one_product_per_sku(sandbox, conn)
    sent = Counter(s for e in sandbox.journal(endpoint="catalog/product/upload") for s in e["sku_ids"])
    # Only the batch in flight at the kill may have gone twice.
    assert sum(1 for n in sent.values() if n > 1) <= 20
    assert set(sent) == expected


def test_redis_restarted_mid_run(live_factory, sandbox):  # noqa: F811
    live = live_factory(
        persist_redis=True,
        CATALOG_SYNC_UPLOAD_BATCH="10",
        TEST_CATALOG_LOCK_SECONDS="4",
        TEST_CELERY_CONF=_conf(),
    )
    # kombu 5.7 with redis-py 8 ends the worker's main process when the broker connection drops while it
    # holds unacknowledged (countdown) messages ("'NoneType' object has no attribute 'hostname'" in
    # restore_unacked). Production runs workers under a supervisor that restarts them; so does this test.
    live.worker.supervise()
    store, policy, conn = demo_connected(sandbox)
    expected = eligible_sku_ids(store, policy)
    # Slow TikTok down a little so the run is still going when Redis goes away.
    sandbox.fault(kind="latency", endpoint="catalog/product/upload", seconds=1.0)
    services.connection_start_full_sync(conn.pk)
    live.flush()
    assert wait_until(lambda: len(sandbox.journal(endpoint="catalog/product/upload")) >= 1, timeout=20)
    live.redis.restart(down_seconds=2.0)
    sandbox.clear_faults()

    wait_settled(conn, sandbox, expected, timeout=75)
    _nothing_stuck(conn)
    _one_product_per_sku(sandbox, conn)


def test_tiktok_throttling_and_failing_a_fifth_of_calls(live_factory, sandbox):  # noqa: F811
    live = live_factory(
        CATALOG_SYNC_UPLOAD_BATCH="10", TEST_CATALOG_LOCK_SECONDS="4", TEST_CELERY_CONF=_conf()
    )
    store, policy, conn = demo_connected(sandbox)
    expected = eligible_sku_ids(store, policy)
    sandbox.fault(kind="throttle", endpoint="catalog/", rate=0.1)
    sandbox.fault(kind="error", endpoint="catalog/", rate=0.1, code=50002, message="Internal service error")
    services.connection_start_full_sync(conn.pk)
    live.flush()

    wait_settled(conn, sandbox, expected, timeout=60)
    _nothing_stuck(conn)
    _one_product_per_sku(sandbox, conn)
    journal = sandbox.journal()
    codes = Counter(e["code"] for e in journal)
    assert codes[40100] > 0 and codes[50002] > 0, codes
    conn.refresh_from_db()
    assert conn.status == "connected", "throttling and 5xx never disconnect"


def test_token_revoked_mid_run(live_factory, sandbox):  # noqa: F811
    live = live_factory(
        CATALOG_SYNC_UPLOAD_BATCH="10", TEST_CATALOG_LOCK_SECONDS="4", TEST_CELERY_CONF=_conf()
    )
    store, policy, conn = demo_connected(sandbox)
    token = conn.access_token
    services.connection_start_full_sync(conn.pk)
    live.flush()
    assert wait_until(lambda: len(sandbox.journal(endpoint="catalog/product/upload")) >= 2, timeout=30)
    sandbox.revoke(token)

    assert wait_until(lambda: conn.__class__.objects.get(pk=conn.pk).status == "disconnected", timeout=30)
    conn.refresh_from_db()
    assert conn.disconnect_reason == "token_revoked"
    run = SyncRun.objects.filter(connection=conn).order_by("-id").first()
    assert run.status == "failed" and run.finished_at is not None
    time.sleep(3.0)
    journal = sandbox.journal()
    first_refusal = next(e["id"] for e in journal if e["code"] == 40105)
    later = [e for e in journal if e["id"] > first_refusal]
    # No catalog call after TikTok refused the token (the integration may read the business profile
    # once to tell a revocation from a suspension).
    assert [e for e in later if "catalog" in e["endpoint"]] == []
    assert all("business_profile" in e["endpoint"] for e in later)
    assert not SyncBatch.objects.filter(
        connection=conn, status__in=[BatchStatus.CLAIMED, BatchStatus.SENT]
    ).exists()
    # Nothing was deleted on TikTok.
    assert sandbox.journal(endpoint="catalog/product/delete") == []
