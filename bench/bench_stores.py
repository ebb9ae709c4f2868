"""Many stores, many workers (opt-in: `python -m bench --only stores [--stores 200] [--skus 500]
[--workers 1,2,4]`; `--skus` is per store). Every store is connected to one sandbox, then all their full
syncs are enqueued together (what the web enqueues on connecting) and run by 1, then 2, then 4 Celery
worker processes (each started afresh, with beat, as the Procfile starts them). Completion times count from
that common enqueue, per store: until every feed log is done and until every SKU has its final state.

Printed per worker count: min, p50, p95, max and max/min of the completion times (goal: max/min <= 1.5),
the enqueue rank of the fastest and slowest store, throughput in SKUs per second, the requests TikTok saw
(the sandbox's journal) against the client's caps, and CPU of the app processes and their PostgreSQL
backends against the wall (how CPU-bound the run was on this machine).

Each worker process runs with concurrency 1 (BENCH_STORES_CONCURRENCY overrides it): "N workers" is then
N processes that execute tasks, so the 1 -> 2 -> 4 series scales one thing; with the Procfile's 2 pool
children each, 4 workers would be 8 executing processes on a 2-core machine. BENCH_STORES_BEAT=0 runs
without beat: what beat's periodic fan-outs add to the queue shows as the difference."""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from bench.apps import APP_NAME_PREFIX, Processes
from bench.bench_sync import store_grant
from bench.procstat import BackendSampler, loadavg
from bench.storestats import completion_stats, rank_effect, rate_stats, task_times, timeline
from bench.syncwatch import CpuMeter
from bench.timings import CLIENT_APP_QPS, CLIENT_UPLOAD_QPS, PROFILES, Timings

STORE_PREFIX = "benchstores-"
POLL_SECONDS = 0.5
# The client's limiter pads every window by its margin (tiktok_api.ratelimit.RateLimiter, 0.25 s):
# 10 per 1.25 s is what it lets through at most, on average.
LIMITER_MARGIN = 0.25


def _progress(phase: str, data: Any) -> None:
    print(f"[bench_stores] {phase}: {json.dumps(data, default=str)}", file=sys.stderr, flush=True)


def _seed(stores: int, skus: int) -> list[tuple[Any, Any]]:
    from store.demo import seed_catalog
    from store.models import Store, TradePolicy

    out = []
    for i in range(stores):
        account = f"{STORE_PREFIX}{i:04d}"
        store, _ = Store.objects.get_or_create(
            account=account, defaults={"name": account, "country": "BR", "currency": "BRL", "cms_kind": "io"}
        )
        policy, _ = TradePolicy.objects.get_or_create(
            store=store, code="1", defaults={"name": "Principal", "currency": "BRL"}
        )
        seed_catalog(store, skus, [policy])
        out.append((store, policy))
    return out


def _connect_all(pairs: list[tuple[Any, Any]], url: str) -> list[Any]:
    """Connect every store (the sandbox's OAuth-less grant, as bench_sync does), the connection rows
    written together at the end, so beat never sees some stores connected long before the others."""
    from django.db import transaction
    from django.utils import timezone

    from integration.models import TikTokConnection

    grants = []
    for store, policy in pairs:
        ebid, grant = store_grant(store, policy, url)
        grants.append((store, ebid, grant))
    with transaction.atomic():
        return [
            TikTokConnection.objects.create(
                store=store,
                external_business_id=business_id,
                bc_id=grant["bc_id"],
                adv_id=grant["adv_id"],
                pixel_code=grant["pixel_code"],
                catalog_id=grant["catalog_id"],
                access_token=grant["access_token"],
                connected_at=timezone.now(),
            )
            for store, business_id, grant in grants
        ]


def _forget_connections(pairs: list[tuple[Any, Any]]) -> None:
    """A previous run's connections (and their state rows) go, so every run starts from the same tables."""
    from integration.models import TikTokConnection

    TikTokConnection.objects.filter(store__in=[store for store, _ in pairs]).delete()


def _progress_rows(ids: list[int]) -> dict[int, tuple[int, int, int]]:
    """Per connection: state rows, rows not yet answered by a feed log, rows in review."""
    from django.db import connection

    from catalog_sync.models import SkuState, SyncStatus

    between = [SyncStatus.NEW, SyncStatus.QUEUED, SyncStatus.SENT]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT connection_id, count(*), count(*) FILTER (WHERE dirty OR status = ANY(%s)),"  # noqa: S608
            f" count(*) FILTER (WHERE status = %s) FROM {SkuState._meta.db_table}"
            " WHERE connection_id = ANY(%s) GROUP BY connection_id",
            [[str(s) for s in between], str(SyncStatus.IN_REVIEW), ids],
        )
        return {int(cid): (int(n), int(open_), int(review)) for cid, n, open_, review in cursor.fetchall()}


def _watch(
    expected: dict[int, int], procs: Processes, started: float, timeout: float
) -> tuple[dict[int, float | None], dict[int, float | None], bool]:
    feed_done: dict[int, float | None] = dict.fromkeys(expected)
    final: dict[int, float | None] = dict.fromkeys(expected)
    ids = list(expected)
    while True:
        now = time.monotonic() - started
        for cid, (rows, open_, review) in _progress_rows(ids).items():
            if rows < expected[cid] or open_:
                continue
            if feed_done[cid] is None:
                feed_done[cid] = now
            if final[cid] is None and not review:
                final[cid] = now
        if all(v is not None for v in final.values()):
            return feed_done, final, False
        if now > timeout:
            return feed_done, final, True
        for name, proc in procs.procs.items():
            if name.startswith("worker") and proc.poll() is not None:
                raise RuntimeError(f"{name} exited:\n" + procs.log_tail(name))
        time.sleep(POLL_SECONDS)


def _journal(url: str, since: float) -> list[dict[str, Any]]:
    return requests.get(
        url + "/_sandbox/journal", params={"since": since, "limit": 100000}, timeout=600
    ).json()["entries"]


def _arrived(entry: dict[str, Any]) -> float:
    # The journal stamps an entry when the sandbox answers; a QPS limit counts arrivals.
    return float(entry["ts"]) - float(entry.get("latency_ms") or 0.0) / 1000


def _one_run(
    pairs: list[tuple[Any, Any]], workers: int, concurrency: int, profile: Timings, skus_of: dict[int, int]
) -> dict[str, Any]:
    from celery import Celery
    from django.db import connection

    _forget_connections(pairs)
    tmp = Path(tempfile.mkdtemp(prefix="bench_stores_"))
    procs = Processes(tmp)
    sampler = None
    producer = None
    try:
        redis_url = procs.start_redis()
        url = procs.start_sandbox(profile.sandbox)
        database_url = os.environ["DATABASE_URL"]
        for n in range(1, workers + 1):
            env = procs.app_env(f"worker{n}", database_url, profile.app_env)
            procs.start_worker(env, name=f"worker{n}", concurrency=concurrency)
        if os.environ.get("BENCH_STORES_BEAT", "1") != "0":
            procs.start_beat(procs.app_env("beat", database_url, profile.app_env))
        producer = Celery("bench", broker=redis_url)
        producer.conf.update(task_serializer="json", accept_content=["json"])
        if connection.vendor == "postgresql":
            sampler = BackendSampler(connection.get_connection_params(), APP_NAME_PREFIX)
            sampler.start()
        meter = CpuMeter(procs, sampler)
        conns = _connect_all(pairs, url)
        expected = {c.pk: skus_of[c.store_id] for c in conns}
        order = [c.pk for c in conns]
        load0 = loadavg()
        cpu0 = meter.snapshot()
        wall0, started = time.time(), time.monotonic()
        for c in conns:  # all together: what the web enqueues on each connect
            producer.send_task("catalog_sync.tasks.full_sync", args=[c.pk, "connect", False], queue="default")
        enqueue_s = time.monotonic() - started
        total = sum(expected.values())
        feed_done, final, timed_out = _watch(expected, procs, started, timeout=max(600.0, total * 0.01))
        wall = time.monotonic() - started
        cpu = CpuMeter.delta(cpu0, meter.snapshot())
        load1 = loadavg()
        entries = [e for e in _journal(url, wall0) if e["ts"] <= wall0 + wall]
        tasks = task_times(tmp)
    finally:
        try:
            if sampler is not None:
                sampler.stop()
            if producer is not None:
                producer.close()
        finally:
            procs.stop()
            shutil.rmtree(tmp, ignore_errors=True)
    report = _report(conns, order, expected, feed_done, final, timed_out, entries, cpu, wall, enqueue_s)
    catalog_of = {c.pk: c.catalog_id for c in conns}
    for key, times in (("completion_every_sku_final", final), ("completion_every_feed_log_done", feed_done)):
        for end in ("fastest", "slowest"):
            if end in report[key]:
                cid = report[key][end]["connection"]
                report[key][end]["timeline"] = timeline(entries, catalog_of[cid], wall0) | {
                    "done": round(times[cid] or 0.0, 2)
                }
    report["tiktok_requests"]["seconds_from_enqueue"] = {
        endpoint: {
            "first": round(min(e["ts"] for e in entries if e["endpoint"] == endpoint) - wall0, 2),
            "last": round(max(e["ts"] for e in entries if e["endpoint"] == endpoint) - wall0, 2),
        }
        for endpoint in report["tiktok_requests"]["by_endpoint"]
    }
    return report | {
        "tasks": tasks,
        "load_average": {"before": load0, "after": load1},
        "workers": workers,
        "concurrency_per_worker": concurrency,
    }


def _report(
    conns: list[Any],
    order: list[int],
    expected: dict[int, int],
    feed_done: dict[int, float | None],
    final: dict[int, float | None],
    timed_out: bool,
    entries: list[dict[str, Any]],
    cpu: dict[str, float | None],
    wall: float,
    enqueue_s: float,
) -> dict[str, Any]:
    rank = {cid: i for i, cid in enumerate(order)}
    quota = [e for e in entries if e["endpoint"] != "event/track"]
    by_endpoint: dict[str, int] = {}
    for e in quota:
        by_endpoint[e["endpoint"]] = by_endpoint.get(e["endpoint"], 0) + 1
    uploads = [e for e in quota if e["endpoint"] == "catalog/product/upload"]
    accepted = [e for e in uploads if e["code"] == 0]
    per_catalog: dict[str, int] = {}
    for e in accepted:
        per_catalog[e["catalog_id"]] = per_catalog.get(e["catalog_id"], 0) + 1
    sent = sum(e["sku_count"] for e in accepted)
    off = sum(1 for c in conns if per_catalog.get(c.catalog_id, 0) != math.ceil(expected[c.pk] / 5000))

    def stats(times: dict[int, float | None]) -> dict[str, Any]:
        out = completion_stats(times)
        for key in ("fastest", "slowest"):
            if key in out:
                out[key] = {"connection": out[key], "enqueue_rank": rank[out[key]]}
        return out | rank_effect(times, order)

    total = sum(expected.values())
    last_final = max((t for t in final.values() if t is not None), default=None)
    last_sent = max((t for t in feed_done.values() if t is not None), default=None)
    app = sum(v or 0.0 for k, v in cpu.items() if k.startswith("worker")) + (cpu.get("beat") or 0.0)
    pg = cpu.get("postgresql_app_backends")
    busy = cpu.get("machine_busy") or 0.0
    cores = os.cpu_count() or 1
    return {
        "stores": len(conns),
        "skus": total,
        "timed_out": timed_out,
        "enqueue_seconds": round(enqueue_s, 3),
        "completion_every_feed_log_done": stats(feed_done),
        "completion_every_sku_final": stats(final),
        "throughput_skus_per_second": {
            "every_sku_final": round(total / last_final, 1) if last_final else None,
            "every_feed_log_done": round(total / last_sent, 1) if last_sent else None,
            "sent_per_second_of_wall": round(sent / wall, 1),
        },
        "tiktok_requests": {
            "client_caps_qps": {"app": CLIENT_APP_QPS, "catalog/product/upload": CLIENT_UPLOAD_QPS},
            "client_caps_effective_qps": {
                "app": round(CLIENT_APP_QPS / (1 + LIMITER_MARGIN), 1),
                "catalog/product/upload": round(CLIENT_UPLOAD_QPS / (1 + LIMITER_MARGIN), 1),
            },
            "by_endpoint": by_endpoint,
            "app_quota": rate_stats(map(_arrived, quota)) | {"over_wall_qps": round(len(quota) / wall, 2)},
            "uploads": rate_stats(map(_arrived, uploads)),
            "not_code_0": sum(1 for e in quota if e["code"] != 0),
            "uploaded_skus": sent,
            "stores_with_uploads_not_ceil_eligible_over_5000": off,
        },
        "cpu": {
            "app_core_seconds": round(app, 1),
            "postgresql_core_seconds": round(pg, 1) if pg is not None else None,
            "sandbox_core_seconds": round(cpu.get("sandbox") or 0.0, 1),
            "app_us_per_sku": round(app * 1e6 / total, 1),
            "postgresql_us_per_sku": round(pg * 1e6 / total, 1) if pg is not None else None,
            "wall_seconds": round(wall, 1),
            "app_plus_postgresql_cores_busy": round((app + (pg or 0.0)) / wall, 2),
            "machine_cores": cores,
            "machine_busy_share": round(busy / (wall * cores), 2),
        },
    }


def run(
    skus: int, timings: str = "fast", stores: int = 200, workers: list[int] | None = None
) -> dict[str, Any]:
    from django.db import connection

    from store.models import Sku

    profile = PROFILES[timings]
    print(json.dumps(profile.describe(), indent=2), flush=True)
    concurrency = int(os.environ.get("BENCH_STORES_CONCURRENCY", "1"))
    seeded = time.monotonic()
    pairs = _seed(stores, skus)
    store_ids = [store.pk for store, _ in pairs]
    skus_of = {sid: 0 for sid in store_ids}
    for sid in Sku.objects.filter(store_id__in=store_ids).values_list("store_id", flat=True):
        skus_of[sid] += 1
    _progress(
        "seed",
        {"stores": stores, "skus": sum(skus_of.values()), "seconds": round(time.monotonic() - seeded, 1)},
    )
    out: dict[str, Any] = {"database": connection.vendor, "stores": stores, "skus_per_store_at_least": skus}
    runs = []
    for n in workers or [1, 2, 4]:
        result = _one_run(pairs, n, concurrency, profile, skus_of)
        _progress(f"workers={n}", result)
        runs.append(result)
    out["runs"] = runs
    out["scaling"] = [
        {
            "workers": r["workers"],
            "max_over_min_final": r["completion_every_sku_final"].get("max_over_min"),
            "max_over_min_feed_logs": r["completion_every_feed_log_done"].get("max_over_min"),
            "skus_per_second": r["throughput_skus_per_second"]["every_sku_final"],
            "achieved_qps": r["tiktok_requests"]["app_quota"]["over_wall_qps"],
            "app_cap_qps": CLIENT_APP_QPS,
            "cores_busy": r["cpu"]["app_plus_postgresql_cores_busy"],
        }
        for r in runs
    ]
    return out
