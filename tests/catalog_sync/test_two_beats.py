"""Two Celery beats for several periods change nothing: every periodic job runs once per period.

A second beat (started by mistake, or left over from a deploy) used to double every job: two health-check
rows a few seconds apart, two full reconciliations (2 x the product/get pages). Here a sandbox, a
redis-server, one worker and two beats (each with its own schedule file, the second started once the first
has sent its first slot) run every job of the production schedule every 2 s (the reconciliation and the
other nightly jobs every 3 s) on a catalog already in sync. Then the beats stop, the worker drains and
the counts must be exact: one health-check row and one reconciliation per period, each slot taken once,
every message of the second beat refused, the catalog still settled."""

from __future__ import annotations

import json
import math
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis

from catalog_sync import services
from catalog_sync.models import BETWEEN_STATES, BatchStatus, RunStatus, SkuState, SyncBatch, SyncRun
from catalog_sync.selectors import catalog_counts
from integration.models import HealthCheckRun
from tests.catalog_sync.conftest import Sandbox, start_sandbox
from tests.catalog_sync.services_fixtures import (
    database_url,
    demo_connected,
    eligible_sku_ids,
    fault_figures,
    report_line,
    require_services,
    settled,
)
from tests.catalog_sync.workers import Beat, Producer, RedisServer, Worker, worker_env
from tests.plugins.processes import stop_process, wait_until
from tiktok_admin.celery import app

pytestmark = [pytest.mark.services, pytest.mark.slow]

# About 700 eligible SKUs: one reconciliation asks product/get for two pages of 500.
SKUS = 1000
EVERY = 2.0
SLOW = 3.0
SLOW_ENTRIES = ("catalog-reconcile-nightly", "catalog-prune", "pixel-purge-outbox")
# Slots each beat must have sent of the 2 s jobs before they stop (both beats send every one of them).
PERIODS = 5
CHECK = "integration.tasks.check_connections"
RECONCILE = "catalog_sync.tasks.reconcile_all"
JOBS = sorted({entry["task"] for entry in app.conf.beat_schedule.values()})

BEAT_SLOT = re.compile(r"beat slot: (\S+) (\d+)")
TAKEN = re.compile(r"periodic slot taken: (\S+) (\d+)")
REFUSED = re.compile(r"periodic slot refused: (\S+) (\d+)")
SENT = re.compile(r"Sending due task \S+ \((\S+)\)")
RECEIVED = re.compile(r"Task (\S+)\[([0-9a-f-]{36})\] received")
FINISHED = re.compile(r"Task \S+\[([0-9a-f-]{36})\] (?:succeeded|raised|failed)")


@dataclass
class Rig:
    sandbox: Sandbox
    redis: RedisServer
    worker: Worker
    beats: tuple[Beat, Beat]
    producer: Producer
    dispatched: list[Any]


@pytest.fixture
def rig(transactional_db: None, tmp_path: Path, settings: Any, dispatched: list[Any]) -> Iterator[Rig]:
    require_services()
    proc, url = start_sandbox(tmp_path / "sandbox.sqlite3")
    sandbox = Sandbox(url)
    sandbox.config(image_fetch=False, feed_wait_seconds=0.05, feed_process_seconds=0.05, review_seconds=0.2)
    settings.TIKTOK_API_BASE_URL = url
    server = RedisServer(tmp_path / "redis")
    server.start()
    env = worker_env(
        database_url=database_url(),
        redis_url=server.url,
        sandbox_url=url,
        media_root=str(settings.MEDIA_ROOT),
        TEST_BEAT_JOBS="all",
        TEST_BEAT_SECONDS=str(EVERY),
        TEST_BEAT_OVERRIDES=json.dumps(dict.fromkeys(SLOW_ENTRIES, SLOW)),
    )
    worker = Worker(env, tmp_path / "worker.log")
    beats = (Beat(env, tmp_path / "beat-a"), Beat(env, tmp_path / "beat-b"))
    producer = Producer(server.url)
    try:
        yield Rig(sandbox, server, worker, beats, producer, dispatched)
    finally:
        for beat in beats:
            beat.stop()
        worker.stop()
        producer.close()
        server.stop()
        stop_process(proc)


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def _slots(pattern: re.Pattern[str], text: str) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for job, slot in pattern.findall(text):
        found.setdefault(job, []).append(int(slot))
    return found


def _drained(rig: Rig) -> bool:
    """Nothing is waiting in the queue or held by the worker (acks are late: a message stays unacked
    until its task has finished, and what a task dispatches is queued before it acks), and everything the
    worker received has finished."""
    broker = redis.Redis.from_url(rig.redis.url)
    if broker.llen("default") or broker.hlen("unacked"):
        return False
    log = _read(rig.worker.log)
    return {task_id for _name, task_id in RECEIVED.findall(log)} <= set(FINISHED.findall(log))


def _between_sends(at: float) -> bool:
    """Beat sends on the whole multiples of 2 s and 3 s; one second past a multiple of 6 s is a second
    away from any, so a beat stopped then is not cut off in the middle of a send."""
    return 0.9 <= at % 6 <= 1.3


def _periods(started: float, stopped: float, every: float) -> int:
    """How many aligned periods of `every` seconds begin between the two moments."""
    return math.floor(stopped / every) - math.floor(started / every)


def test_two_beats_run_every_periodic_job_once_per_period(rig: Rig) -> None:
    rig.worker.start()
    rig.worker.wait_ready()
    store, policy, conn = demo_connected(rig.sandbox, SKUS)
    expected = eligible_sku_ids(store, policy)
    assert 500 < len(expected) <= 1000
    services.connection_start_full_sync(conn.pk)
    while rig.dispatched:
        name, args, countdown = rig.dispatched.pop(0)
        rig.producer.send(name, args, countdown)
    assert wait_until(lambda: settled(conn, rig.sandbox, expected), timeout=120, interval=0.5), "no sync"
    assert wait_until(
        lambda: not SyncRun.objects.filter(connection=conn, status=RunStatus.RUNNING).exists(), timeout=30
    )
    assert HealthCheckRun.objects.count() == 0
    assert not SyncRun.objects.filter(trigger="reconcile").exists()
    cursor = max(e["id"] for e in rig.sandbox.journal())

    first, second = rig.beats
    started = time.time()
    first.start()
    assert wait_until(lambda: SENT.search(_read(first.log)) is not None, timeout=30), "beat A silent"
    second.start()

    def every_job_sent(beat: Beat, times: int) -> bool:
        sent = Counter(SENT.findall(_read(beat.log)))
        return set(sent) == set(JOBS) and min(sent.values()) >= times and sent[CHECK] >= PERIODS

    assert wait_until(lambda: every_job_sent(second, 3), timeout=60, interval=0.2), "beat B silent"
    assert wait_until(lambda: _between_sends(time.time()), timeout=7, interval=0.05)
    # The second first: every slot it sent, the first beat (alive all along) sent too.
    second.stop()
    first.stop()
    stopped = time.time()
    drained_from = time.monotonic()
    beat_logs = [_read(beat.log) for beat in rig.beats]
    assert wait_until(lambda: _drained(rig), timeout=60, interval=0.3), "worker did not drain"
    # The reconciliations beat asked for have finished their calls to TikTok.
    assert wait_until(
        lambda: not SyncRun.objects.filter(connection=conn, status=RunStatus.RUNNING).exists(), timeout=30
    )

    journal = [e for e in rig.sandbox.journal() if e["id"] > cursor]
    health_rows = HealthCheckRun.objects.count()
    reconciles = SyncRun.objects.filter(connection=conn, trigger="reconcile").count()
    # What beats can do at most in the time they ran: one run per aligned period. Two beats without slots
    # ran each job about twice as often.
    assert health_rows <= _periods(started, stopped, EVERY)
    assert 0 < reconciles <= _periods(started, stopped, SLOW)
    received = Counter(name for name, _id in RECEIVED.findall(_read(rig.worker.log)) if name in JOBS)
    sent_tasks = [task for log in beat_logs for task in SENT.findall(log) if task in JOBS]
    assert received == Counter(sent_tasks), "a message was lost"

    sent = [_slots(BEAT_SLOT, log) for log in beat_logs]
    worker_log = _read(rig.worker.log)
    taken = _slots(TAKEN, worker_log)
    refused = _slots(REFUSED, worker_log)
    for job in JOBS:
        both = sent[0].get(job, []) + sent[1].get(job, [])
        assert len(taken[job]) == len(set(taken[job])), f"{job}: a slot taken twice"
        assert set(taken[job]) == set(both), job
        assert sorted(taken[job] + refused.get(job, [])) == sorted(both), job
        # The second beat sent the same slots as the first: of each pair, one message did the work and
        # the other (whichever came second) changed nothing.
        assert set(sent[1][job]) <= set(sent[0][job]), job
        assert len(refused[job]) == len(sent[1][job]) >= 3, job
    assert health_rows == len(taken[CHECK]) >= PERIODS
    assert not HealthCheckRun.objects.filter(finished_at__isnull=True).exists()
    overviews = [e for e in journal if e["endpoint"] == "catalog/overview"]
    gets = [e for e in journal if e["endpoint"] == "catalog/product/get"]
    assert reconciles == len(taken[RECONCILE]) == len(overviews)

    # One reconciliation, here, counts its pages of product/get.
    last = max(e["id"] for e in rig.sandbox.journal())
    report = services.connection_reconcile(conn.pk)
    assert (report["checked"], report["missing"]) == (len(expected), 0)
    pages = sum(1 for e in rig.sandbox.journal() if e["id"] > last and e["endpoint"] == "catalog/product/get")
    assert pages == 2
    assert len(gets) == reconciles * pages

    # The catalog is still what it was: nothing lost, duplicated or stuck.
    assert settled(conn, rig.sandbox, expected)
    on_tiktok = Counter(p["sku_id"] for p in rig.sandbox.products(conn.catalog_id))
    assert set(on_tiktok) == expected and max(on_tiktok.values()) == 1
    assert not SyncBatch.objects.filter(
        connection=conn, status__in=[BatchStatus.CLAIMED, BatchStatus.SENT]
    ).exists()
    assert not SkuState.objects.filter(BETWEEN_STATES, connection=conn).exists()
    assert catalog_counts(conn).pending == 0
    # settled_s here: from stopping the beats to the worker drained and the catalog checked.
    figures = fault_figures("two_beats", conn, rig.sandbox, expected, drained_from)
    assert (figures.lost, figures.duplicated, figures.stuck) == (0, 0, 0), figures.detail
    report_line(
        "two_beats",
        f"{figures.line()} beats_s={stopped - started:.1f} sent={len(sum(sent[0].values(), []))}"
        f"+{len(sum(sent[1].values(), []))} taken={sum(len(v) for v in taken.values())} "
        f"refused={sum(len(v) for v in refused.values())} health_checks={health_rows} "
        f"reconciliations={reconciles}x{pages}_pages={len(gets)}_calls",
    )
