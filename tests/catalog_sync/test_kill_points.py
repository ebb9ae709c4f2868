"""A worker killed at every point of the sync: between claiming a sweep chunk and classifying it, with an
upload on the wire, with a feed log in flight, during the review poll and during the reconciliation.

Each test has its own sandbox, redis-server, Celery worker and beat on free ports. The broker's visibility
timeout is ten minutes, so the killed task's message is not redelivered within the test: what brings the
work back is the lease heartbeat lapsing (3 s here), the reaper and beat, as in production. The worker is
killed (main process and pool children, SIGKILL) once it is observed at the point, never after a sleep,
and restarted; the catalog must then settle within 90 s: TikTok's catalog equal to the eligible SKUs,
one product per sku_id, nothing claimed or in flight, nothing pending. Throughout, no run reads completed
while a row of its own set is between states."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from catalog_sync import services
from catalog_sync.models import BETWEEN_STATES, BatchStatus, RunStatus, SkuState, SyncBatch, SyncRun
from catalog_sync.selectors import catalog_counts
from core.models import JobLease
from integration.models import TikTokConnection
from store.models import Store, TradePolicy
from tests.catalog_sync.conftest import Sandbox, start_sandbox
from tests.catalog_sync.services_fixtures import (
    database_url,
    demo_connected,
    eligible_sku_ids,
    require_services,
    settled,
)
from tests.catalog_sync.workers import Beat, Producer, RedisServer, Worker, worker_env
from tests.plugins.processes import stop_process, wait_until
from tiktok_api import CatalogLock, TikTokClient

pytestmark = [pytest.mark.services, pytest.mark.slow]

SKUS = 240
SETTLE_SECONDS = 90.0


@dataclass
class Rig:
    sandbox: Sandbox
    redis: RedisServer
    worker: Worker
    beat: Beat
    producer: Producer
    dispatched: list[Any]
    env: dict[str, str]
    tmp: Path

    def flush(self) -> None:
        while self.dispatched:
            name, args, countdown = self.dispatched.pop(0)
            self.producer.send(name, args, countdown)

    def kill_worker(self) -> list[int]:
        return self.worker.kill_all()

    def restart_worker(self, **env: str) -> float:
        self.env.update(env)
        self.worker = Worker(self.env, self.tmp / "worker.log")
        self.worker.start()
        self.worker.wait_ready()
        return time.monotonic()


@pytest.fixture
def rig(transactional_db: None, tmp_path: Path, settings: Any, dispatched: list[Any]) -> Iterator[Rig]:
    require_services()
    proc, url = start_sandbox(tmp_path / "sandbox.sqlite3")
    sandbox = Sandbox(url)
    sandbox.config(image_fetch=False, feed_wait_seconds=0.05, feed_process_seconds=0.05, review_seconds=0.2)
    settings.TIKTOK_API_BASE_URL = url
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    env = worker_env(
        database_url=database_url(),
        redis_url=redis.url,
        sandbox_url=url,
        media_root=str(settings.MEDIA_ROOT),
        CELERY_VISIBILITY_TIMEOUT="600",
        CATALOG_SYNC_LEASE_SECONDS="3",
        CATALOG_SYNC_SWEEP_CHUNK="30",
        CATALOG_SYNC_UPLOAD_BATCH="40",
        TEST_CATALOG_LOCK_SECONDS="4",
        TEST_BEAT_SECONDS="2",
    )
    worker = Worker(env, tmp_path / "worker.log")
    beat = Beat(env, tmp_path)
    producer = Producer(redis.url)
    rig = Rig(sandbox, redis, worker, beat, producer, dispatched, env, tmp_path)
    try:
        yield rig
    finally:
        rig.worker.stop()
        beat.stop()
        producer.close()
        redis.stop()
        stop_process(proc)


def completed_runs_with_open_rows(conn: TikTokConnection) -> dict[int, int]:
    """Runs that read completed while rows of their own set are still between states: must stay empty.
    A completed run's rows never return to between states under its id (a row sent again joins the next
    run), so reading the runs first and the rows second cannot report a false violation."""
    done = list(
        SyncRun.objects.filter(
            connection=conn, status__in=[RunStatus.SUCCEEDED, RunStatus.PARTIAL]
        ).values_list("id", flat=True)
    )
    rows = SkuState.objects.filter(BETWEEN_STATES, connection=conn, run_id__in=done)
    return dict(Counter(rows.values_list("run_id", flat=True)))


class Watch:
    """Polls for a condition while checking the run invariant on every poll."""

    def __init__(self, conn: TikTokConnection) -> None:
        self.conn = conn
        self.violations: dict[int, int] = {}

    def until(self, predicate: Any, timeout: float, what: str) -> float:
        started = time.monotonic()

        def check() -> bool:
            self.violations.update(completed_runs_with_open_rows(self.conn))
            return bool(predicate())

        assert wait_until(check, timeout=timeout, interval=0.2), f"timed out waiting for {what}"
        return time.monotonic() - started


def _settle(watch: Watch, conn: TikTokConnection, sandbox: Sandbox, expected: set[str]) -> float:
    took = watch.until(lambda: settled(conn, sandbox, expected), SETTLE_SECONDS, "the catalog to settle")
    # Settled means our rows agree with TikTok; the run that did it completes on the next idle step.
    watch.until(
        lambda: not SyncRun.objects.filter(connection=conn, status=RunStatus.RUNNING).exists(),
        30,
        "the runs to complete",
    )
    return took


def _nothing_lost_duplicated_or_stuck(watch: Watch, conn: TikTokConnection, sandbox: Sandbox) -> None:
    assert watch.violations == {}, "a run read completed while rows of its set were between states"
    on_tiktok = Counter(p["sku_id"] for p in sandbox.products(conn.catalog_id))
    assert [s for s, n in on_tiktok.items() if n > 1] == []
    assert not SyncBatch.objects.filter(
        connection=conn, status__in=[BatchStatus.CLAIMED, BatchStatus.SENT]
    ).exists()
    assert not SkuState.objects.filter(BETWEEN_STATES, connection=conn).exists()
    assert not SkuState.objects.filter(connection=conn, dirty=True).exists()
    assert catalog_counts(conn).pending == 0
    # A run that met a fault on the way (a refused write, a retried call) finishes with errors, not failed.
    statuses = set(SyncRun.objects.filter(connection=conn).values_list("status", flat=True))
    assert statuses <= {RunStatus.SUCCEEDED, RunStatus.PARTIAL}, statuses


def _start(rig: Rig) -> tuple[Store, TradePolicy, TikTokConnection, set[str], Watch]:
    store, policy, conn = demo_connected(rig.sandbox, SKUS)
    expected = eligible_sku_ids(store, policy)
    assert len(expected) > 150
    return store, policy, conn, expected, Watch(conn)


def test_killed_between_claiming_and_classifying_a_sweep_chunk(rig: Rig) -> None:
    marker = rig.tmp / "paused-in-classify"
    rig.env["TEST_PAUSE_IN_CLASSIFY"] = str(marker)
    rig.worker = Worker(rig.env, rig.tmp / "worker.log")
    rig.worker.start()
    rig.worker.wait_ready()
    _store, _policy, conn, expected, watch = _start(rig)
    services.connection_start_full_sync(conn.pk)
    rig.flush()
    rig.beat.start()
    # The paused worker has claimed its first chunk (the rows are locked) and not classified it.
    watch.until(marker.exists, 30, "the sweep to claim its first chunk")
    rig.kill_worker()

    assert SkuState.objects.filter(connection=conn, dirty=True).count() == SkuState.objects.count(), (
        "a killed sweep must leave every row it had claimed dirty"
    )
    restarted = rig.restart_worker(TEST_PAUSE_IN_CLASSIFY="")
    took = _settle(watch, conn, rig.sandbox, expected)
    assert time.monotonic() - restarted < SETTLE_SECONDS
    _nothing_lost_duplicated_or_stuck(watch, conn, rig.sandbox)
    uploads = [s for e in rig.sandbox.journal(endpoint="catalog/product/upload") for s in e["sku_ids"]]
    assert sorted(uploads) == sorted(expected), "nothing was sent before the kill, so each SKU went once"
    print(f"sweep kill: settled {took:.1f} s after the restart")


def test_killed_with_an_upload_on_the_wire(rig: Rig) -> None:
    rig.worker.start()
    rig.worker.wait_ready()
    rig.beat.start()
    _store, _policy, conn, expected, watch = _start(rig)
    rig.sandbox.fault(kind="latency", endpoint="catalog/product/upload", seconds=60, count=1)
    lock = CatalogLock(redis=rig.redis.url)
    services.connection_start_full_sync(conn.pk)
    rig.flush()

    def upload_on_the_wire() -> bool:
        state = lock.holder(conn.catalog_id)
        return state is not None and state.feed_log_id is None

    watch.until(upload_on_the_wire, 30, "the first upload to be on the wire")
    rig.kill_worker()
    rig.sandbox.clear_faults()
    restarted = rig.restart_worker()
    took = _settle(watch, conn, rig.sandbox, expected)
    assert time.monotonic() - restarted < SETTLE_SECONDS
    _nothing_lost_duplicated_or_stuck(watch, conn, rig.sandbox)
    sent = Counter(s for e in rig.sandbox.journal(endpoint="catalog/product/upload") for s in e["sku_ids"])
    # Only the batch on the wire at the kill (40 SKUs) may have gone twice.
    assert set(sent) == expected and sum(1 for n in sent.values() if n > 1) <= 40
    print(f"upload kill: settled {took:.1f} s after the restart")


def test_killed_with_a_feed_log_in_flight(rig: Rig) -> None:
    # The production lease (30 s): the dead worker's send lease must lapse, and the work resume, well
    # within the 90 s (a five-minute lease used to keep these SKUs "sent" for over five minutes).
    del rig.env["CATALOG_SYNC_LEASE_SECONDS"]
    rig.worker.start()
    rig.worker.wait_ready()
    rig.beat.start()
    _store, _policy, conn, expected, watch = _start(rig)
    rig.sandbox.config(feed_process_seconds=600)
    services.connection_start_full_sync(conn.pk)
    rig.flush()
    watch.until(
        lambda: SyncBatch.objects.filter(connection=conn, status=BatchStatus.SENT).exists(),
        30,
        "a batch waiting for its feed log",
    )
    batch = SyncBatch.objects.get(connection=conn, status=BatchStatus.SENT)
    in_flight = SkuState.objects.filter(connection=conn, status="sent").count()
    assert in_flight == batch.size > 0
    rig.kill_worker()
    rig.sandbox.config(feed_process_seconds=0.05)
    restarted = rig.restart_worker()
    took = _settle(watch, conn, rig.sandbox, expected)
    assert time.monotonic() - restarted < SETTLE_SECONDS
    _nothing_lost_duplicated_or_stuck(watch, conn, rig.sandbox)
    sent = Counter(s for e in rig.sandbox.journal(endpoint="catalog/product/upload") for s in e["sku_ids"])
    assert set(sent) == expected and max(sent.values()) == 1, "a feed log in flight is followed, not re-sent"
    print(f"feed-log kill: {in_flight} SKUs sent; settled {took:.1f} s after the restart")


def test_killed_during_the_review_poll(rig: Rig) -> None:
    rig.worker.start()
    rig.worker.wait_ready()
    rig.beat.start()
    _store, _policy, conn, expected, watch = _start(rig)
    # Reviews take longer than the poll interval, and the first review look-up hangs.
    rig.sandbox.config(review_seconds=3)
    rig.sandbox.fault(kind="latency", endpoint="catalog/product/get", seconds=60, count=1)
    services.connection_start_full_sync(conn.pk)
    rig.flush()
    review_lease = f"catalog-review:{conn.pk}"
    watch.until(
        lambda: (
            JobLease.objects.filter(name=review_lease).exists()
            and SkuState.objects.filter(connection=conn, status="in_review").exists()
        ),
        60,
        "the review poll to be asking TikTok",
    )
    rig.kill_worker()
    rig.sandbox.clear_faults()
    restarted = rig.restart_worker()
    took = _settle(watch, conn, rig.sandbox, expected)
    assert time.monotonic() - restarted < SETTLE_SECONDS
    _nothing_lost_duplicated_or_stuck(watch, conn, rig.sandbox)
    print(f"review kill: settled {took:.1f} s after the restart")


def test_killed_during_the_reconciliation(rig: Rig) -> None:
    rig.worker.start()
    rig.worker.wait_ready()
    rig.beat.start()
    _store, _policy, conn, expected, watch = _start(rig)
    services.connection_start_full_sync(conn.pk)
    rig.flush()
    _settle(watch, conn, rig.sandbox, expected)
    # TikTok loses ten products behind our back: only the reconciliation can notice.
    lost = sorted(expected)[:10]
    api = TikTokClient(rig.sandbox.url, "sandbox-app-id", "sandbox-app-secret", timeout=(2.0, 10.0))
    api.product_delete(conn.access_token, bc_id=conn.bc_id, catalog_id=conn.catalog_id, sku_ids=lost)
    rig.sandbox.tick()
    assert not set(lost) & rig.sandbox.sku_ids(conn.catalog_id)
    last_before = max(e["id"] for e in rig.sandbox.journal())
    rig.sandbox.fault(kind="latency", endpoint="catalog/product/get", seconds=60, count=1)
    rig.producer.send("catalog_sync.tasks.reconcile_catalog", [conn.pk])
    watch.until(
        lambda: JobLease.objects.filter(name=f"catalog-reconcile:{conn.pk}").exists(),
        30,
        "the reconciliation to be asking TikTok",
    )
    rig.kill_worker()
    rig.sandbox.clear_faults()
    restarted = rig.restart_worker()
    took = _settle(watch, conn, rig.sandbox, expected)
    assert time.monotonic() - restarted < SETTLE_SECONDS
    _nothing_lost_duplicated_or_stuck(watch, conn, rig.sandbox)
    resent = [
        s
        for e in rig.sandbox.journal(endpoint="catalog/product/upload")
        if e["id"] > last_before
        for s in e["sku_ids"]
    ]
    assert SyncRun.objects.filter(connection=conn, trigger="reconcile").exclude(status="running").exists()
    assert sorted(resent) == lost, "only what TikTok lost is sent again, once"
    print(f"reconciliation kill: settled {took:.1f} s after the restart")
