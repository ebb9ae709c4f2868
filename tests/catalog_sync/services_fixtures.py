"""Fixtures for the service-backed tests: PostgreSQL (the test database, shared with the worker
subprocess), a private redis-server and a real Celery worker."""

from __future__ import annotations

import os
import shutil
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Min

from catalog_sync.models import BatchStatus, CatalogExclusion, SkuState, SyncBatch
from catalog_sync.selectors import catalog_counts
from integration.models import TikTokConnection, TikTokSetup
from store.demo import seed_demo
from store.models import Sku, SkuImage, Store, TradePolicy
from tests.catalog_sync.conftest import Sandbox, connect
from tests.catalog_sync.workers import Producer, RedisServer, Worker, worker_env
from tests.plugins.processes import wait_until

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    auth = s["USER"] or ""
    if s.get("PASSWORD"):
        auth += f":{s['PASSWORD']}"
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or "5432"
    return f"postgres://{auth}@{host}:{port}/{s['NAME']}"


def require_services() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://...")
    if shutil.which("redis-server") is None:
        pytest.skip("needs the redis-server binary")


@dataclass
class Live:
    redis: RedisServer
    worker: Worker
    producer: Producer
    dispatched: list[tuple[str, tuple[Any, ...], float | None]]
    sandbox: Sandbox
    tmp: Path
    env: dict[str, str] = field(default_factory=dict)

    def flush(self) -> int:
        """Publish what this process dispatched on commit (store edits, Sync now) to the test's Redis."""
        sent = 0
        while self.dispatched:
            name, args, countdown = self.dispatched.pop(0)
            self.producer.send(name, args, countdown)
            sent += 1
        return sent

    def restart_worker(self, **extra_env: str) -> None:
        self.worker.stop()
        self.env.update(extra_env)
        self.worker = Worker(self.env, self.tmp / "worker.log")
        self.worker.start()
        self.worker.wait_ready()


def start_live(
    tmp: Path, sandbox: Sandbox, dispatched: list[Any], *, persist_redis: bool = False, **env: str
) -> Live:
    require_services()
    from django.conf import settings

    redis = RedisServer(tmp / "redis", persist=persist_redis)
    redis.start()
    full_env = worker_env(
        database_url=database_url(),
        redis_url=redis.url,
        sandbox_url=sandbox.url,
        media_root=str(settings.MEDIA_ROOT),
        **env,
    )
    worker = Worker(full_env, tmp / "worker.log")
    worker.start()
    worker.wait_ready()
    return Live(redis, worker, Producer(redis.url), dispatched, sandbox, tmp, full_env)


def stop_live(live: Live) -> None:
    live.worker.stop()
    live.producer.close()
    live.redis.stop()


@pytest.fixture
def live_factory(
    transactional_db: None, sandbox: Sandbox, dispatched: list[Any], tmp_path: Path
) -> Iterator[Callable[..., Live]]:
    started: list[Live] = []

    def make(**kw: Any) -> Live:
        live = start_live(tmp_path, sandbox, dispatched, **kw)
        started.append(live)
        return live

    yield make
    for live in started:
        stop_live(live)


def eligible_sku_ids(store: Store, policy: TradePolicy) -> set[str]:
    """An oracle written independently of catalog_sync's validation: what must be on TikTok."""
    excluded_products = set(
        CatalogExclusion.objects.filter(store=store, product__isnull=False).values_list(
            "product_id", flat=True
        )
    )
    excluded_categories = set(
        CatalogExclusion.objects.filter(store=store, category__isnull=False).values_list(
            "category_id", flat=True
        )
    )
    first_position = dict(
        SkuImage.objects.filter(sku__store=store)
        .values_list("sku_id")
        .annotate(p=Min("position"))
        .values_list("sku_id", "p")
    )
    big_first = set()
    for sku_id, position, width, height in (
        SkuImage.objects.filter(sku__store=store)
        .order_by("sku_id", "position", "id")
        .values_list("sku_id", "position", "width", "height")
    ):
        if position == first_position[sku_id] and sku_id not in big_first:
            if width >= 500 and height >= 500:
                big_first.add(sku_id)
            first_position[sku_id] = -1  # only the first image counts
    out = set()
    for sku in Sku.objects.filter(
        store=store,
        is_active=True,
        product__is_active=True,
        prices__trade_policy=policy,
        prices__price__gt=0,
        product__category__isnull=False,
        product__brand__isnull=False,
    ).select_related("product"):
        if not sku.product.description.strip() or sku.pk not in big_first:
            continue
        # TikTok refuses emoji (symbols, "So") in titles.
        if any(unicodedata.category(c) == "So" for c in f"{sku.product.name} {sku.name}"):
            continue
        if sku.product_id in excluded_products or sku.product.category_id in excluded_categories:
            continue
        out.add(str(sku.pk))
    return out


def settled(conn: TikTokConnection, sandbox: Sandbox, expected: set[str]) -> bool:
    """TikTok's catalog is exactly the eligible SKUs and our numbers agree with TikTok's review."""
    on_tiktok = sandbox.products(conn.catalog_id)
    if {p["sku_id"] for p in on_tiktok} != expected:
        return False
    approved = sum(1 for p in on_tiktok if p["audit"]["audit_status"] == "approved")
    counts = catalog_counts(conn)
    return (
        counts.pending == 0
        and counts.available == approved
        and not SkuState.objects.filter(connection=conn, dirty=True).exists()
    )


def wait_settled(conn: TikTokConnection, sandbox: Sandbox, expected: set[str], timeout: float = 60.0) -> None:
    ok = wait_until(lambda: settled(conn, sandbox, expected), timeout=timeout, interval=0.25)
    if not ok:
        on_tiktok = sandbox.sku_ids(conn.catalog_id)
        raise AssertionError(
            f"not settled: missing={sorted(expected - on_tiktok)[:10]} "
            f"extra={sorted(on_tiktok - expected)[:10]} counts={catalog_counts(conn)}"
        )


@dataclass
class FaultFigures:
    """What a fault test ends with, as numbers: `lost` eligible SKUs missing on TikTok, `duplicated`
    sku_ids with more than one product in TikTok's catalog, `stuck` rows and batches left between states
    (pending + claimed/sent batches + rows with an operation or a batch still attached), and the seconds
    from the start of the run to settled."""

    fault: str
    skus: int
    lost: int
    duplicated: int
    stuck: int
    settled_s: float
    detail: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        return (
            f"fault={self.fault} skus={self.skus} lost={self.lost} duplicated={self.duplicated} "
            f"stuck={self.stuck} settled_s={self.settled_s:.1f}"
        )


def fault_figures(
    fault: str, conn: TikTokConnection, sandbox: Sandbox, expected: set[str], started: float
) -> FaultFigures:
    """Counts the outcome from TikTok's catalog and our tables; `started` is a time.monotonic() reading."""
    settled_s = time.monotonic() - started
    per_sku = Counter(p["sku_id"] for p in sandbox.products(conn.catalog_id))
    detail = {
        "pending": catalog_counts(conn).pending,
        "batches_in_flight": SyncBatch.objects.filter(
            connection=conn, status__in=[BatchStatus.CLAIMED, BatchStatus.SENT]
        ).count(),
        "rows_with_op": SkuState.objects.filter(connection=conn).exclude(op="").count(),
        "rows_in_a_batch": SkuState.objects.filter(connection=conn, batch__isnull=False).count(),
    }
    return FaultFigures(
        fault=fault,
        skus=len(expected),
        lost=len(expected - set(per_sku)),
        duplicated=sum(1 for n in per_sku.values() if n > 1),
        stuck=sum(detail.values()),
        settled_s=settled_s,
        detail=detail,
    )


def report_fault(figures: FaultFigures) -> None:
    report_line(figures.fault, figures.line())


def report_line(fault: str, line: str) -> None:
    """Prints a fault test's line (pytest -s) and keeps it in FAULT_REPORT (default var/fault-report.txt),
    one line per fault, the latest run's, for the README's table."""
    print(line)
    path = Path(os.environ.get("FAULT_REPORT") or ROOT / "var" / "fault-report.txt")
    path.parent.mkdir(parents=True, exist_ok=True)
    kept = [
        old
        for old in (path.read_text().splitlines() if path.exists() else [])
        if old.strip() and not old.startswith(f"fault={fault} ")
    ]
    path.write_text("\n".join([*kept, line]) + "\n")


def demo_connected(sandbox: Sandbox, skus: int = 60) -> tuple[Store, TradePolicy, TikTokConnection]:
    """The demo store grown to `skus` SKUs, set up and connected to the sandbox (no sync started)."""
    store = seed_demo(target_skus=skus).stores["lojademo"]
    policy = store.trade_policies.get(code="1")
    TikTokSetup.objects.create(
        store=store,
        affiliate_id="TKT",
        trade_policy=policy,
        store_name=store.name,
        website="https://lojademo.com.br",
        segment="fashion",
        country="BR",
        time_zone="America/Sao_Paulo",
        contact_email="loja@example.com",
        phone_country_code="+55",
        phone="11999999999",
        external_business_id=f"ebid-{store.account}",
    )
    return store, policy, connect(store, sandbox)
