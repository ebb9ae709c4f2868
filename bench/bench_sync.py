"""Catalog sync at N SKUs, run by the app's own processes (a Celery worker as the Procfile starts it, and
beat) against a real sandbox process, measured side by side in one run (meant for PostgreSQL: set
DATABASE_URL). `--timings production` gives the sandbox TikTok's limits and delays (bench/timings.py).

1. full sync of N SKUs from connecting: the floor TikTok allows under the timings, the wall until every
   feed log is done and until every SKU has its final state, and their ratios; the time to the first
   upload and to the first SKU available; uploads vs ceil(eligible / 5000); CPU per SKU of the app's
   processes and of their PostgreSQL backends (from /proc), with what was not counted and how busy the
   machine was; state-row writes per SKU (pg_stat_user_tables); the worker's peak RSS;
2. a sweep with nothing dirty (what beat costs every two minutes), right after the full sync and, on
   PostgreSQL, after VACUUM ANALYZE (what autovacuum does);
3. one dirty SKU among N: time until the sandbox has the change;
4. the TikTok page and a deep page of the "available" list: server time and queries at 100 and N SKUs;
5. the floor of each part of the sync (read, evaluate, encode, writes), measured on the same data.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from bench import floorparts
from bench.apps import APP_NAME_PREFIX, Processes
from bench.procstat import BackendSampler, loadavg
from bench.syncwatch import STATS_FLUSH_SECONDS, CpuMeter, cpu_report, state_writes, watch, writes_report
from bench.timings import PROFILES, Timings, floor

FLOOR_SAMPLE = 50_000


def _store(account: str, skus: int) -> Any:
    from store.demo import seed_catalog
    from store.models import Store, TradePolicy

    store, _ = Store.objects.get_or_create(
        account=account, defaults={"name": account, "country": "BR", "currency": "BRL", "cms_kind": "io"}
    )
    policy, _ = TradePolicy.objects.get_or_create(
        store=store, code="1", defaults={"name": "Principal", "currency": "BRL"}
    )
    seed_catalog(store, skus, [policy])
    return store, policy


def store_grant(store: Any, policy: Any, url: str) -> tuple[str, dict[str, Any]]:
    """A bench store's TikTok setup (a fresh external business id each time) and the sandbox's grant for
    it: (external_business_id, grant)."""
    from integration.models import TikTokSetup

    setup, _ = TikTokSetup.objects.update_or_create(
        store=store,
        defaults={
            "affiliate_id": "TKT",
            "trade_policy": policy,
            "store_name": store.name,
            "website": f"https://{store.account}.example.com.br",
            "segment": "fashion",
            "country": "BR",
            "time_zone": "America/Sao_Paulo",
            "contact_email": "bench@example.com",
            "phone_country_code": "+55",
            "phone": "11999999999",
            "external_business_id": f"bench-{store.account}-{time.time_ns()}",
        },
    )
    grant = requests.post(
        url + "/_sandbox/connect", json={"external_business_id": setup.external_business_id}, timeout=30
    ).json()
    return setup.external_business_id, grant


def _connect(store: Any, policy: Any, url: str) -> Any:
    from django.utils import timezone

    from integration.models import TikTokConnection

    TikTokConnection.objects.filter(store=store).update(status="disconnected", disconnected_at=timezone.now())
    ebid, grant = store_grant(store, policy, url)
    return TikTokConnection.objects.create(
        store=store,
        external_business_id=ebid,
        bc_id=grant["bc_id"],
        adv_id=grant["adv_id"],
        pixel_code=grant["pixel_code"],
        catalog_id=grant["catalog_id"],
        access_token=grant["access_token"],
        connected_at=timezone.now(),
    )


def _progress(phase: str, data: Any) -> None:
    """Each phase is shown as it ends: a 1M run takes most of an hour, and a late failure keeps them."""
    print(f"[bench_sync] {phase}: {json.dumps(data, default=str)}", file=sys.stderr, flush=True)


def _journal(url: str, **params: Any) -> list[dict[str, Any]]:
    return requests.get(url + "/_sandbox/journal", params=params, timeout=600).json()["entries"]


def _page_cost(user: Any, path: str, repeat: int = 5) -> tuple[float, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    client.get(path)  # warm caches
    times = []
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            resp = client.get(path)
            times.append(time.perf_counter() - started)
        assert resp.status_code == 200, (path, resp.status_code)
        queries = len(ctx.captured_queries)
    return statistics.median(times) * 1000, queries


def _full_sync(
    conn: Any, procs: Processes, producer: Any, meter: CpuMeter, timings: Timings
) -> dict[str, Any]:
    from catalog_sync.models import SkuState, SyncStatus
    from catalog_sync.selectors import catalog_counts
    from store.models import Sku

    skus = Sku.objects.filter(store_id=conn.store_id).count()
    table = SkuState._meta.db_table
    writes0 = state_writes(table)
    load0 = loadavg()
    cpu0 = meter.snapshot()
    wall0, started = time.time(), time.monotonic()
    # What the web does once the connection is saved (connection_start_full_sync's on_commit nudge).
    producer.send_task("catalog_sync.tasks.full_sync", args=[conn.pk, "connect", False], queue="default")
    seen = watch(conn.pk, procs, until_final=True, timeout=max(900.0, skus * 0.02), started=started)
    wall = time.monotonic() - started
    cpu = CpuMeter.delta(cpu0, meter.snapshot())
    load1 = loadavg()
    time.sleep(STATS_FLUSH_SECONDS)
    writes = writes_report(writes0, state_writes(table), skus)

    uploads = _journal(procs.sandbox_url, endpoint="catalog/product/upload", catalog_id=conn.catalog_id)
    accepted = [e for e in uploads if e["code"] == 0]
    calls: dict[str, int] = {}
    for entry in _journal(procs.sandbox_url, since=wall0):
        if entry["ts"] <= wall0 + wall:
            calls[entry["endpoint"]] = calls.get(entry["endpoint"], 0) + 1
    eligible = SkuState.objects.filter(
        connection=conn, status__in=[SyncStatus.AVAILABLE, SyncStatus.IN_REVIEW]
    ).count()
    least = floor(eligible, timings)
    counts = catalog_counts(conn)

    def ratio(value: float | None, to: float) -> float | None:
        return round(value / to, 2) if value is not None and to > 0 else None

    return {
        "skus_in_store": skus,
        "eligible_sent": eligible,
        "upload_requests": len(accepted),
        "upload_sizes_first_10": [e["sku_count"] for e in accepted[:10]],
        "ceil_eligible_over_5000": math.ceil(eligible / 5000),
        "floor": least,
        "wall_seconds": {
            "until_every_feed_log_done": round(seen.all_sent, 2) if seen.all_sent is not None else None,
            "until_every_sku_final": round(seen.all_final, 2) if seen.all_final is not None else None,
            "timed_out": seen.timed_out,
        },
        "ratio_wall_over_floor": {
            "every_feed_log_done": ratio(seen.all_sent, least["floor_seconds"]),
            "every_sku_final": ratio(seen.all_final, least["floor_seconds"]),
            "every_sku_final_over_last_review_expected": ratio(
                seen.all_final, least["last_review_expected_seconds"]
            ),
        },
        "seconds_from_connect_to": {
            "first_upload": round(accepted[0]["ts"] - wall0, 2) if accepted else None,
            "first_sku_available": round(seen.first_available, 2)
            if seen.first_available is not None
            else None,
        },
        "api_calls_measured": {
            "by_endpoint": calls,
            "total": sum(calls.values()),
            "seconds_at_the_app_qps": round(sum(calls.values()) / timings.app_qps, 1),
            "throttled_40100": sum(1 for e in uploads if e["code"] == 40100),
        },
        "cpu": cpu_report(cpu, skus, wall, os.cpu_count() or 1),
        "load_average": {"before": load0, "after": load1},
        "state_writes": writes,
        "worker_peak_rss_mb": seen.worker_peak_rss_mb,
        "counts": {
            "available": counts.available,
            "pending": counts.pending,
            "needs_details": counts.needs_details,
        },
    }


def run(skus: int, timings: str = "fast") -> dict[str, Any]:
    from celery import Celery
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext, override_settings

    from catalog_sync import services, tasks
    from catalog_sync.models import SkuState, SyncStatus
    from catalog_sync.selectors import catalog_counts
    from store import services as store_services
    from store.models import InstalledApp, Membership, Role, Sku

    profile = PROFILES[timings]
    # At the top of the output: what TikTok is made to do in this run.
    print(json.dumps(profile.describe(), indent=2), flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench_sync_"))
    procs = Processes(tmp)
    out: dict[str, Any] = {"database": connection.vendor, "skus": skus, **profile.describe()}
    sampler = None
    producer = None
    try:
        seeded = time.monotonic()
        big, big_policy = _store(f"benchsync-{skus}", skus)
        small, small_policy = _store("benchsmall", 100)
        _progress("seed", {"seconds": round(time.monotonic() - seeded, 1)})
        redis_url = procs.start_redis()
        url = procs.start_sandbox(profile.sandbox)
        database_url = os.environ["DATABASE_URL"]
        # The JSON route at every N (bench_fileroute measures the file route of big first loads).
        app_env = {**profile.app_env, "CATALOG_SYNC_FILE_ROUTE_MIN": "0"}
        procs.start_worker(procs.app_env("worker", database_url, app_env))
        procs.start_beat(procs.app_env("beat", database_url, app_env))
        producer = Celery("bench", broker=redis_url)
        producer.conf.update(task_serializer="json", accept_content=["json"])
        # Dispatches from this process (a store edit, below) go to the bench's broker, as the web's would.
        tasks.publish = lambda task, args, countdown=None: producer.send_task(
            task.name, args=list(args), countdown=max(0.0, countdown or 0.0), queue="default"
        )
        if connection.vendor == "postgresql":
            sampler = BackendSampler(connection.get_connection_params(), APP_NAME_PREFIX)
            sampler.start()
        meter = CpuMeter(procs, sampler)
        # DEBUG off, as in production: with it on, Django keeps the last 9,000 queries, and once that log
        # is full CaptureQueriesContext counts 0 queries.
        with override_settings(TIKTOK_API_BASE_URL=url, ALLOWED_HOSTS=["*"], DEBUG=False):
            small_conn = _connect(small, small_policy, url)
            # The small store first: it warms the worker's pool children (imports, connections), as a
            # worker that has been running is warm, and gives the empty sweep its 100-SKU catalog. Its
            # reviews end and its state-row counts reach pg_stat before the full sync of N starts.
            started = time.monotonic()
            producer.send_task(
                "catalog_sync.tasks.full_sync", args=[small_conn.pk, "connect", False], queue="default"
            )
            watch(small_conn.pk, procs, until_final=True, timeout=900, started=started)
            time.sleep(STATS_FLUSH_SECONDS)

            # 1. Full sync of N. Connected only now: beat starts the full sync of a connection that has
            # none (a lost message), and must not start this one before the measurement does.
            conn = _connect(big, big_policy, url)
            out["full_sync"] = _full_sync(conn, procs, producer, meter, profile)
            if sampler is not None:
                out["full_sync"]["cpu"]["postgresql_backends_exited_during_run"] = sampler.times.exited
            _progress("full_sync", out["full_sync"])

            # 2. A sweep with nothing dirty, at N and at 100 SKUs.
            def empty_sweep(connection_id: int) -> tuple[float, int]:
                samples = []
                for _ in range(5):
                    reset_queries()
                    with CaptureQueriesContext(connection) as ctx:
                        started = time.perf_counter()
                        services.connection_sweep(connection_id)
                        services.connection_send_step(connection_id)
                        samples.append((time.perf_counter() - started) * 1000)
                return statistics.median(samples), len(ctx.captured_queries)

            at_n, q_n = empty_sweep(conn.pk)
            at_100, q_100 = empty_sweep(small_conn.pk)
            out["empty_sweep"] = {
                "ms_at_N": round(at_n, 2),
                "ms_at_100": round(at_100, 2),
                "queries_at_N": q_n,
                "queries_at_100": q_100,
                "time_ratio_N_over_100": round(at_n / at_100, 2),
            }
            if connection.vendor == "postgresql":
                started = time.monotonic()
                with connection.cursor() as cursor:
                    cursor.execute(f"VACUUM ANALYZE {SkuState._meta.db_table}")
                vacuum_s = time.monotonic() - started
                at_n, q_n = empty_sweep(conn.pk)
                out["empty_sweep"]["after_vacuum"] = {
                    "vacuum_seconds": round(vacuum_s, 1),
                    "ms_at_N": round(at_n, 2),
                    "queries_at_N": q_n,
                    "time_ratio_N_over_100": round(at_n / at_100, 2),
                }
            _progress("empty_sweep", out["empty_sweep"])

            # 3. One dirty SKU among N: edit (the store's own dispatch reaches the worker), then time
            # until TikTok receives it.
            state = (
                SkuState.objects.filter(connection=conn, status=SyncStatus.AVAILABLE).order_by("-id").first()
            )
            sku = Sku.objects.get(pk=state.sku_id)
            since = time.time()
            started = time.monotonic()
            store_services.sku_set_stock(sku, 0 if sku.stock else 7)
            received = None
            while received is None and time.monotonic() - started < 120:
                hits = _journal(url, endpoint="catalog/product/upload", sku_id=str(sku.pk), since=since)
                received = next((e for e in hits if e["code"] == 0), None)
                time.sleep(0.02)
            out["one_dirty_sku"] = {
                "seconds_until_tiktok_receives_it": round(received["ts"] - since, 3) if received else None,
                "upload_size": received["sku_count"] if received else None,
            }
            _progress("one_dirty_sku", out["one_dirty_sku"])

            # 4. Page cost at 100 vs N.
            user, _ = get_user_model().objects.get_or_create(username="bench-merchant")
            for store in (big, small):
                Membership.objects.get_or_create(user=user, store=store, defaults={"role": Role.ADMIN})
                InstalledApp.objects.get_or_create(store=store, app="tiktok")
            pages: dict[str, Any] = {}
            for label, store, c in (("100", small, small_conn), ("N", big, conn)):
                page_ms, page_q = _page_cost(user, f"/admin/{store.account}/marketplace/tiktok/")
                last = (
                    SkuState.objects.filter(connection=c, bucket=1)
                    .order_by("-id")
                    .values_list("id", flat=True)[min(60, max(0, catalog_counts(c).available - 1))]
                )
                deep_ms, deep_q = _page_cost(
                    user, f"/admin/{store.account}/marketplace/tiktok/catalog/available/?after={last}"
                )
                pages[label] = {
                    "page_ms": round(page_ms, 2),
                    "page_queries": page_q,
                    "deep_list_ms": round(deep_ms, 2),
                    "deep_list_queries": deep_q,
                }
            pages["ratio_N_over_100"] = {
                key: round(pages["N"][key] / pages["100"][key], 2)
                for key in ("page_ms", "page_queries", "deep_list_ms", "deep_list_queries")
            }
            out["tiktok_page"] = pages

            # 5. The parts' floors, on the same data, beside the full sync's CPU per SKU.
            out["floor_per_part"] = floorparts.measure(conn, big_policy.pk, min(skus, FLOOR_SAMPLE))
            _progress("floor_per_part", out["floor_per_part"])
    finally:
        # The processes go whatever else fails here.
        try:
            if sampler is not None:
                sampler.stop()
            if producer is not None:
                producer.close()
        finally:
            procs.stop()
            shutil.rmtree(tmp, ignore_errors=True)
    return out
