"""A real Celery worker on its own redis-server imports TikTok Shop orders from the sandbox and is killed
with SIGKILL in the middle of the import. A fresh worker and the next polls finish it: every order exactly
once, stock reserved exactly once, and the cut-short run recorded as interrupted. Needs PostgreSQL (the
worker is another process and must see the test's database)."""

from __future__ import annotations

import os
import signal

import pytest
from django.db import connection as db_connection

from store.models import Order, OrderSource, Sku
from tests.catalog_sync.workers import Producer, RedisServer, Worker, worker_env
from tests.plugins.processes import wait_until
from tiktok_admin.celery import app as celery_app
from tiktok_shop.models import RunStatus, ShopConnection, ShopImportRun

from .shop_sandbox import ORDER_LIST, SHOP_BR, ShopAdmin, connect_via_sandbox

pytestmark = [pytest.mark.services, pytest.mark.slow]

ORDERS = 40


@pytest.fixture
def database_url(transactional_db: None) -> str:
    if db_connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL")
    d = db_connection.settings_dict
    password = f":{d['PASSWORD']}" if d.get("PASSWORD") else ""
    return f"postgres://{d['USER']}{password}@{d['HOST'] or '127.0.0.1'}:{d['PORT'] or 5432}/{d['NAME']}"


def test_sigkill_mid_import_then_restart_imports_every_order_exactly_once(
    database_url, store, admin_user_of_store, make_sku, sandbox_settings, tmp_path
):
    shop_admin = ShopAdmin(sandbox_settings.url)
    sku = make_sku(store, stock=1000)
    conn = connect_via_sandbox(store, admin_user_of_store, shop_admin)
    placed = shop_admin.place_orders(SHOP_BR, [sku.pk], count=ORDERS)
    # Slow pages so the kill lands mid-import: 8 pages of 5 orders, 0.4 s each.
    sandbox_settings.admin.fault("latency", endpoint="shop/order/list", seconds=0.4)

    def imported() -> int:
        return Order.objects.filter(store=store, source=OrderSource.TIKTOK_SHOP).count()

    redis = RedisServer(tmp_path / "redis")
    redis.start()
    env = worker_env(
        database_url=database_url,
        redis_url=redis.url,
        sandbox_url=sandbox_settings.url,
        media_root=str(tmp_path / "media"),
        TIKTOK_SHOP_ORDER_PAGE_SIZE="5",
        TIKTOK_SHOP_IMPORT_LEASE_SECONDS="3",
        TEST_WORKER_CONCURRENCY="1",
    )
    producer = Producer(redis.url)
    first = Worker(env, tmp_path / "worker-1.log")
    second = Worker(env, tmp_path / "worker-2.log")
    try:
        first.start()
        first.wait_ready()
        producer.send("tiktok_shop.tasks.import_orders", [conn.pk])
        assert wait_until(lambda: imported() >= 10, timeout=30), first.log.read_text()[-2000:]
        os.killpg(first.proc.pid, signal.SIGKILL)
        first.proc.wait(timeout=10)
        at_kill = imported()
        assert 10 <= at_kill < ORDERS, "the kill must land in the middle of the import"
        assert ShopImportRun.objects.get(connection=conn).status == RunStatus.RUNNING

        second.start()
        second.wait_ready()

        def beat_poll() -> bool:
            # Beat's minute-by-minute poll, compressed to one every second.
            producer.send("tiktok_shop.tasks.import_orders_all", [])
            return imported() == ORDERS

        assert wait_until(beat_poll, timeout=60, interval=1.0), second.log.read_text()[-2000:]
        # More polls after the end change nothing. Wait until three more have read TikTok's order list and
        # none is running (no fixed sleep: the slow pages are no longer needed, so they go).
        sandbox_settings.admin.clear_faults()
        listed = len(sandbox_settings.admin.journal(endpoint=ORDER_LIST))
        for _ in range(3):
            producer.send("tiktok_shop.tasks.import_orders_all", [])
        assert wait_until(
            lambda: (
                len(sandbox_settings.admin.journal(endpoint=ORDER_LIST)) >= listed + 3
                and not ShopImportRun.objects.filter(connection=conn, status=RunStatus.RUNNING).exists()
            ),
            timeout=60,
        ), second.log.read_text()[-2000:]
    finally:
        second.stop()
        if first.proc is not None and first.proc.poll() is None:
            first.stop()
        producer.close()
        redis.stop()
        # Creating the producer's Celery app made it the current app; later tests must dispatch to ours.
        celery_app.set_current()

    orders = Order.objects.filter(store=store, source=OrderSource.TIKTOK_SHOP)
    assert orders.count() == ORDERS
    assert sorted(orders.values_list("external_id", flat=True)) == sorted(o["id"] for o in placed)
    assert all(o.items.count() == 1 for o in orders)
    assert Sku.objects.get(pk=sku.pk).stock == 1000 - ORDERS
    conn.refresh_from_db()
    assert conn.orders_imported == ORDERS
    runs = ShopImportRun.objects.filter(connection=conn)
    assert runs.filter(status=RunStatus.FAILED, error_message="interrupted: the worker was lost").count() == 1
    assert runs.filter(status=RunStatus.SUCCEEDED).exists()
    assert ShopConnection.objects.live().get().pk == conn.pk
    assert len(sandbox_settings.admin.journal(endpoint=ORDER_LIST)) >= ORDERS // 5
