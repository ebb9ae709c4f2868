"""Fault tests: each starts its own sandbox, redis-server and a real Celery worker on free ports, with
short visibility and restore intervals, and is judged from the sandbox's catalog and request journal.

Each ends with exact counts, computed as numbers and printed as one line (`pytest -s`; also kept in
var/fault-report.txt or $FAULT_REPORT): lost = eligible SKUs missing on TikTok, duplicated = sku_ids with
more than one product in TikTok's catalog, stuck = pending + claimed/sent batches + rows with an operation
or a batch attached; all three 0, with the seconds from the start of the run to settled.

The worker-kill test depends on task_reject_on_worker_lost: run it with
CATALOG_FAULT_REJECT_ON_WORKER_LOST=0 to see it fail (the killed task's message is acknowledged and
lost, the catalog never completes)."""

from __future__ import annotations

import json
import os
import re
import time
from collections import Counter

import pytest

from catalog_sync import services
from catalog_sync.models import BatchStatus, SyncBatch, SyncRun
from catalog_sync.selectors import catalog_counts
from tests.catalog_sync.conftest import Sandbox, start_sandbox
from tests.catalog_sync.services_fixtures import (  # noqa: F401
    demo_connected,
    eligible_sku_ids,
    fault_figures,
    live_factory,
    report_fault,
    report_line,
    wait_settled,
)
from tests.plugins.processes import stop_process, wait_until

MALFORMED_SHAPES = ("html", "truncated", "empty", "wrong_type")
CATALOG_ENDPOINTS = ("catalog/product/upload", "catalog/product/log", "catalog/product/get")

pytestmark = [pytest.mark.services, pytest.mark.slow]

FAST_REDELIVERY = {
    "broker_transport_options": {
        "visibility_timeout": 25,
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    },
}


@pytest.fixture
def sandbox(tmp_path, settings):
    """A sandbox process of the test's own (the catalog tests share one and reset it)."""
    proc, url = start_sandbox(tmp_path / "sandbox.sqlite3")
    sb = Sandbox(url)
    sb.config(image_fetch=False, feed_wait_seconds=0.05, feed_process_seconds=0.05, review_seconds=0.2)
    settings.TIKTOK_API_BASE_URL = url
    settings.CATALOG_SYNC_POLL_SECONDS = 0.1
    settings.CATALOG_SYNC_REVIEW_POLL_SECONDS = 0.2
    yield sb
    stop_process(proc)


def _settle_and_report(fault, conn, sandbox, expected, started, timeout):
    wait_settled(conn, sandbox, expected, timeout=timeout)
    figures = fault_figures(fault, conn, sandbox, expected, started)
    report_fault(figures)
    assert (figures.lost, figures.duplicated, figures.stuck) == (0, 0, 0), figures.detail
    return figures


def _nothing_failed(conn) -> list[str]:
    """No SKU or batch counted as failed, every run finished, the connection still connected; returns
    the runs' statuses: every run succeeded (a retried fault is kept in the run's log as retried, and
    does not make the run "Finished with errors")."""
    conn.refresh_from_db()
    assert conn.status == "connected"
    assert not SyncBatch.objects.filter(connection=conn, status=BatchStatus.FAILED).exists()
    runs = list(SyncRun.objects.filter(connection=conn).values_list("status", "failed"))
    assert runs and all(failed == 0 and status == "succeeded" for status, failed in runs), runs
    return [status for status, _ in runs]


def _conf(**extra: object) -> str:
    conf = dict(FAST_REDELIVERY)
    conf.update(extra)
    return json.dumps(conf)


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
    started = time.monotonic()
    services.connection_start_full_sync(conn.pk)
    live.flush()
    assert wait_until(
        lambda: SyncBatch.objects.filter(connection=conn, status=BatchStatus.CLAIMED).exists(), timeout=20
    )
    time.sleep(1.0)
    killed = live.worker.kill_child()
    assert killed

    _settle_and_report("worker_child_killed", conn, sandbox, expected, started, timeout=45)
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
    # No supervisor: the worker's own main process must ride out the restart (docs/operations.md: with
    # celery 5.7.0 it died with "'NoneType' object has no attribute 'hostname'" and never came back).
    main_pid = live.worker.proc.pid
    store, policy, conn = demo_connected(sandbox)
    expected = eligible_sku_ids(store, policy)
    # Slow TikTok down a little so the run is still going when Redis goes away.
    sandbox.fault(kind="latency", endpoint="catalog/product/upload", seconds=1.0)
    started = time.monotonic()
    services.connection_start_full_sync(conn.pk)
    live.flush()
    assert wait_until(lambda: len(sandbox.journal(endpoint="catalog/product/upload")) >= 1, timeout=20)
    live.redis.restart(down_seconds=2.0)
    sandbox.clear_faults()

    _settle_and_report("redis_restart", conn, sandbox, expected, started, timeout=75)
    assert live.worker.proc.poll() is None, "the worker's main process exited"
    assert live.worker.proc.pid == main_pid
    log = live.worker.log.read_text()
    assert "Unrecoverable error" not in log
    # It lost the broker and reconnected by itself: connected once at start and again after the restart.
    assert "Connection to broker lost" in log
    assert len(re.findall(r"INFO celery\S* Connected to ", log)) >= 2, log[-3000:]
    conn.refresh_from_db()
    assert conn.status == "connected"


def test_tiktok_throttling_and_failing_a_fifth_of_calls(live_factory, sandbox):  # noqa: F811
    live = live_factory(
        CATALOG_SYNC_UPLOAD_BATCH="10", TEST_CATALOG_LOCK_SECONDS="4", TEST_CELERY_CONF=_conf()
    )
    store, policy, conn = demo_connected(sandbox)
    expected = eligible_sku_ids(store, policy)
    sandbox.fault(kind="throttle", endpoint="catalog/", rate=0.1)
    sandbox.fault(kind="error", endpoint="catalog/", rate=0.1, code=50002, message="Internal service error")
    started = time.monotonic()
    services.connection_start_full_sync(conn.pk)
    live.flush()

    _settle_and_report("throttle_and_5xx", conn, sandbox, expected, started, timeout=60)
    journal = sandbox.journal()
    codes = Counter(e["code"] for e in journal)
    assert codes[40100] > 0 and codes[50002] > 0, codes
    _nothing_failed(conn)  # throttling and 5xx never disconnect, and the runs read "Succeeded"


def test_a_fifth_of_catalog_replies_malformed(live_factory, sandbox):  # noqa: F811
    live = live_factory(
        CATALOG_SYNC_UPLOAD_BATCH="20", TEST_CATALOG_LOCK_SECONDS="4", TEST_CELERY_CONF=_conf()
    )
    store, policy, conn = demo_connected(sandbox, skus=300)
    expected = eligible_sku_ids(store, policy)
    # Four independent rules per endpoint, one per shape: together they break 1 - 0.8 = 20 % of replies.
    per_shape = 1 - 0.8 ** (1 / len(MALFORMED_SHAPES))
    for endpoint in CATALOG_ENDPOINTS:
        for shape in MALFORMED_SHAPES:
            sandbox.fault(kind="malformed", shape=shape, endpoint=endpoint, rate=per_shape)
    # And the first reply of each kind is broken for sure (the last rule that fires sets the shape), so
    # every kind meets one whatever the draw: the first upload's (TikTok applied it: outcome unknown), the
    # first feed log's, the review poll's first read.
    first = dict(zip(CATALOG_ENDPOINTS, ("truncated", "wrong_type", "html"), strict=True))
    for endpoint, shape in first.items():
        sandbox.fault(kind="malformed", shape=shape, endpoint=endpoint, count=1)
    started = time.monotonic()
    services.connection_start_full_sync(conn.pk)
    live.flush()

    _settle_and_report("malformed_20pct", conn, sandbox, expected, started, timeout=120)
    _nothing_failed(conn)
    calls = [e for e in sandbox.journal() if e["endpoint"] in CATALOG_ENDPOINTS]
    broken = [e for e in calls if (e["fault"] or "").startswith("malformed:")]
    print(
        f"malformed replies: {len(broken)} of {len(calls)} catalog calls", Counter(e["fault"] for e in broken)
    )
    for endpoint, shape in first.items():
        assert (endpoint, f"malformed:{shape}") in {(e["endpoint"], e["fault"]) for e in broken}
    assert len(broken) <= 0.4 * len(calls)
    # The review poll outlived its broken read: TikTok's approvals reached our numbers.
    approved = sandbox.sku_ids(conn.catalog_id, audit_status="approved")
    assert approved and catalog_counts(conn).available == len(approved)


def test_throttling_bursts(live_factory, sandbox):  # noqa: F811
    live = live_factory(
        CATALOG_SYNC_UPLOAD_BATCH="25",
        TEST_CATALOG_LOCK_SECONDS="4",
        TEST_MINUTE_BREACH_PAUSE_SECONDS="3",
        TEST_CELERY_CONF=_conf(),
    )
    store, policy, conn = demo_connected(sandbox, skus=300)
    expected = eligible_sku_ids(store, policy)
    # Bursts: the next 8 catalog calls, whichever they are, are throttled (40100, "QPS limit").
    sandbox.fault(kind="throttle", endpoint="catalog/", count=8)
    started = time.monotonic()
    services.connection_start_full_sync(conn.pk)
    live.flush()
    assert wait_until(lambda: len(sandbox.journal(code=40100)) == 8, timeout=60)
    # Once an upload has gone through, a second burst of TikTok's other throttle code (61000).
    assert wait_until(
        lambda: len(sandbox.journal(endpoint="catalog/product/upload", code=0)) >= 1, timeout=60
    )
    sandbox.fault(
        kind="throttle", endpoint="catalog/product/", count=8, code=61000, message="Too many requests"
    )
    assert wait_until(lambda: len(sandbox.journal(code=61000)) == 8, timeout=60)
    # Then a gateway's throttle in front of TikTok: HTTP 429 with Retry-After and no envelope, on the
    # uploads (one write in flight per catalog, so each next upload is the retry of the refused one).
    sandbox.fault(kind="http429", endpoint="catalog/product/upload", count=3, seconds=2)

    _settle_and_report("throttling_bursts", conn, sandbox, expected, started, timeout=120)
    _nothing_failed(conn)
    journal = sandbox.journal()
    codes = Counter(e["code"] for e in journal)
    assert (codes[40100], codes[61000]) == (8, 8), codes
    uploads = [e for e in journal if e["endpoint"] == "catalog/product/upload"]
    refused = [i for i, e in enumerate(uploads) if e["http_status"] == 429]
    assert len(refused) == 3
    # Retry-After is honoured: the next upload came at least 2 s after each refusal.
    assert all(uploads[i + 1]["ts"] - uploads[i]["ts"] >= 2.0 for i in refused), [
        round(uploads[i + 1]["ts"] - uploads[i]["ts"], 2) for i in refused
    ]


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
    revoked = time.monotonic()

    assert wait_until(lambda: conn.__class__.objects.get(pk=conn.pk).status == "disconnected", timeout=30)
    report_line(
        "token_revoked",
        f"fault=token_revoked skus={len(eligible_sku_ids(store, policy))} "
        f"disconnected_s={time.monotonic() - revoked:.1f} (from the revocation)",
    )
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
