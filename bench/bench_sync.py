"""Catalog sync at N SKUs, measured side by side in one run (meant for PostgreSQL: set DATABASE_URL):

1. full sync of N SKUs against a real sandbox process: upload requests sent vs ceil(eligible / 5000),
   local CPU per SKU, peak memory of this process;
2. a sweep with nothing dirty (what beat costs every two minutes), right after the full sync and, on
   PostgreSQL, after VACUUM ANALYZE (what autovacuum does);
3. one dirty SKU among N: time until the sandbox has the change;
4. the TikTok page (numbers + sync panel) and a deep page of the "available" list: server time and query
   count at 100 SKUs and at N SKUs, and their ratio (1.0 = the page costs the same at any size).
"""

from __future__ import annotations

import math
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _sandbox(tmp: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "serve", "--port", str(port), "--data", str(tmp / "sb.sqlite3")],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            requests.get(url + "/_sandbox/health", timeout=1).raise_for_status()
            break
        except requests.RequestException:
            time.sleep(0.1)
    admin = requests.Session()
    admin.post(url + "/_sandbox/reset", timeout=30).raise_for_status()
    admin.post(
        url + "/_sandbox/config",
        json={
            "image_fetch": False,
            "allow_http_images": True,
            "feed_wait_seconds": 0.0,
            "feed_process_seconds": 0.0,
            "review_seconds": 0.0,
            "app_qps": 1000,
            "catalog_writes_per_hour": 100000,
        },
        timeout=30,
    ).raise_for_status()
    return proc, url


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


def _connect(store: Any, policy: Any, url: str) -> Any:
    from django.utils import timezone

    from integration.models import TikTokConnection, TikTokSetup

    TikTokConnection.objects.filter(store=store).update(status="disconnected", disconnected_at=timezone.now())
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
    return TikTokConnection.objects.create(
        store=store,
        external_business_id=setup.external_business_id,
        bc_id=grant["bc_id"],
        adv_id=grant["adv_id"],
        pixel_code=grant["pixel_code"],
        catalog_id=grant["catalog_id"],
        access_token=grant["access_token"],
        connected_at=timezone.now(),
    )


def _progress(phase: str, data: Any) -> None:
    """Each phase is shown as it ends: a 1M run takes most of an hour, and a late failure keeps them."""
    import json

    print(f"[bench_sync] {phase}: {json.dumps(data, default=str)}", file=sys.stderr, flush=True)


def _drive(connection_id: int, url: str) -> dict[str, float]:
    """The worker loop, in this process (the per-step costs are what a worker pays)."""
    from catalog_sync import services
    from catalog_sync.services import StepAction

    started = time.monotonic()
    while services.connection_sweep(connection_id).checked:
        pass
    swept = time.monotonic()
    while True:
        outcome = services.connection_send_step(connection_id)
        if outcome.action in (
            StepAction.IDLE,
            StepAction.IDLE_REVIEW,
            StepAction.STOPPED,
            StepAction.AUTH_FAILED,
        ):
            break
        if outcome.action in (StepAction.SENT, StepAction.WAITING):
            requests.post(url + "/_sandbox/tick", timeout=600)
        elif outcome.next_in:
            time.sleep(min(outcome.next_in, 2.0))
    requests.post(url + "/_sandbox/tick", timeout=600)
    sent = time.monotonic()
    services.connection_poll_review(connection_id)
    return {
        "sweep_seconds": round(swept - started, 2),
        "send_seconds": round(sent - swept, 2),
        "review_poll_seconds": round(time.monotonic() - sent, 2),
    }


def _page_cost(store: Any, user: Any, path: str, repeat: int = 5) -> tuple[float, int]:
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


def run(skus: int) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext, override_settings

    from catalog_sync import services, tasks
    from catalog_sync.models import SkuState, SyncStatus
    from catalog_sync.selectors import catalog_counts
    from store import services as store_services
    from store.models import InstalledApp, Membership, Role, Sku

    # This process drives the sync itself (the worker's steps, measured here): nothing goes to a broker.
    tasks.publish = lambda *args, **kwargs: None
    tmp = Path(tempfile.mkdtemp(prefix="bench_sync_"))
    proc, url = _sandbox(tmp)
    out: dict[str, Any] = {"database": connection.vendor, "skus": skus}
    try:
        # DEBUG off, as in production: with it on, Django keeps the last 9,000 queries (memory that is not the
        # sync's), and once that log is full CaptureQueriesContext counts 0 queries.
        with override_settings(
            TIKTOK_API_BASE_URL=url, CATALOG_SYNC_POLL_SECONDS=0.0, ALLOWED_HOSTS=["*"], DEBUG=False
        ):
            # One store per N: seeding only ever adds SKUs, so a shared store would keep the largest N.
            seeded = time.monotonic()
            big, big_policy = _store(f"benchsync-{skus}", skus)
            _progress("seed", {"seconds": round(time.monotonic() - seeded, 1)})
            small, small_policy = _store("benchsmall", 100)
            conn = _connect(big, big_policy, url)
            small_conn = _connect(small, small_policy, url)

            # 1. Full sync of N.
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            cpu0, wall0 = time.process_time(), time.monotonic()
            services.connection_full_sync_prepare(conn.pk)
            phases = _drive(conn.pk, url)
            cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
            # Taken before the journal is read below (a million SKU ids in JSON: the bench's memory).
            rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            eligible = SkuState.objects.filter(
                connection=conn, status__in=[SyncStatus.AVAILABLE, SyncStatus.IN_REVIEW]
            ).count()
            journal = requests.get(
                url + "/_sandbox/journal",
                params={"endpoint": "catalog/product/upload", "catalog_id": conn.catalog_id},
                timeout=60,
            ).json()["entries"]
            counts = catalog_counts(conn)
            out["full_sync"] = {
                "skus_in_store": Sku.objects.filter(store=big).count(),
                "eligible_sent": eligible,
                "upload_requests": len(journal),
                "ceil_eligible_over_5000": math.ceil(eligible / 5000),
                "wall_seconds": round(wall, 2),
                "wall_split": phases,
                "cpu_ms_per_sku": round(cpu * 1000 / max(1, Sku.objects.filter(store=big).count()), 3),
                "peak_rss_mb": round(rss_after / 1024, 1),
                "rss_growth_mb": round((rss_after - rss_before) / 1024, 1),
                "counts": {
                    "available": counts.available,
                    "pending": counts.pending,
                    "needs_details": counts.needs_details,
                },
            }

            _progress("full_sync", out["full_sync"])

            # 2. A sweep with nothing dirty, at N and at 100 SKUs.
            services.connection_full_sync_prepare(small_conn.pk)
            _drive(small_conn.pk, url)

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
                # Right after a full sync every SKU's state row has been rewritten several times; until
                # (auto)vacuum runs, index probes wade through the dead versions. Both figures are shown.
                started = time.monotonic()
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE catalog_sync_skustate")
                vacuum_s = time.monotonic() - started
                at_n, q_n = empty_sweep(conn.pk)
                out["empty_sweep"]["after_vacuum"] = {
                    "vacuum_seconds": round(vacuum_s, 1),
                    "ms_at_N": round(at_n, 2),
                    "queries_at_N": q_n,
                    "time_ratio_N_over_100": round(at_n / at_100, 2),
                }

            _progress("empty_sweep", out["empty_sweep"])

            # 3. One dirty SKU among N: edit, then time until TikTok has it.
            state = (
                SkuState.objects.filter(connection=conn, status=SyncStatus.AVAILABLE).order_by("-id").first()
            )
            sku = Sku.objects.get(pk=state.sku_id)
            started = time.monotonic()
            store_services.sku_set_stock(sku, 0 if sku.stock else 7)
            _drive(conn.pk, url)
            product = (
                requests.get(url + f"/_sandbox/catalogs/{conn.catalog_id}/products", timeout=600).json()[
                    "products"
                ]
                if skus <= 20000
                else None
            )
            out["one_dirty_sku"] = {
                "seconds_until_tiktok_has_it": round(time.monotonic() - started, 3),
                "upload_size": requests.get(
                    url + "/_sandbox/journal",
                    params={"endpoint": "catalog/product/upload", "catalog_id": conn.catalog_id},
                    timeout=60,
                )
                .json()["entries"][-1]["sku_ids"]
                .__len__(),
            }
            if product is not None:
                mine = next(p for p in product if p["sku_id"] == str(sku.pk))
                out["one_dirty_sku"]["availability_on_tiktok"] = mine["availability"]

            _progress("one_dirty_sku", out["one_dirty_sku"])

            # 4. Page cost at 100 vs N.
            user, _ = get_user_model().objects.get_or_create(username="bench-merchant")
            for store in (big, small):
                Membership.objects.get_or_create(user=user, store=store, defaults={"role": Role.ADMIN})
                InstalledApp.objects.get_or_create(store=store, app="tiktok")
            pages: dict[str, Any] = {}
            for label, store, c in (("100", small, small_conn), ("N", big, conn)):
                page_ms, page_q = _page_cost(store, user, f"/admin/{store.account}/marketplace/tiktok/")
                last = (
                    SkuState.objects.filter(connection=c, bucket=1)
                    .order_by("-id")
                    .values_list("id", flat=True)[min(60, max(0, catalog_counts(c).available - 1))]
                )
                deep_ms, deep_q = _page_cost(
                    store, user, f"/admin/{store.account}/marketplace/tiktok/catalog/available/?after={last}"
                )
                pages[label] = {
                    "page_ms": round(page_ms, 2),
                    "page_queries": page_q,
                    "deep_list_ms": round(deep_ms, 2),
                    "deep_list_queries": deep_q,
                }
            pages["ratio_N_over_100"] = {
                "page_time": round(pages["N"]["page_ms"] / pages["100"]["page_ms"], 2),
                "page_queries": round(pages["N"]["page_queries"] / pages["100"]["page_queries"], 2),
                "deep_list_time": round(pages["N"]["deep_list_ms"] / pages["100"]["deep_list_ms"], 2),
                "deep_list_queries": round(
                    pages["N"]["deep_list_queries"] / pages["100"]["deep_list_queries"], 2
                ),
            }
            out["tiktok_page"] = pages
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)
    return out
