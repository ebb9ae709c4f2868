"""Lock order: rows first, counters last, also when one transaction changes rows in several groups.

The review poll applies TikTok's answers per outcome (approved, rejected...). If it moved the counters of
its first group before locking the rows of the next, it would hold the catalog's counters while waiting
for a row another worker holds, and every other state change of that catalog would queue behind it (or
deadlock, if that worker then needed a counter)."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import psycopg
import pytest
from django.db import connection, connections

from catalog_sync import services
from catalog_sync.models import SkuState, SyncStatus
from catalog_sync.selectors import catalog_counts
from catalog_sync.state import counters_ensure, states_update
from tests.catalog_sync.conftest import connect
from tests.plugins.processes import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def product(sku_id: int, audit: str) -> SimpleNamespace:
    return SimpleNamespace(sku_id=str(sku_id), audit_status=audit, image_status="", rejected_info=[])


def blocked_by(watcher: psycopg.Connection, holder_pid: int) -> bool:
    """Is some backend waiting for a lock `holder_pid` holds? (`watcher` autocommits: pg_stat_activity is
    read once per transaction, so a long transaction would keep seeing the first answer.)"""
    row = watcher.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
        " WHERE NOT l.granted AND a.wait_event_type = 'Lock' AND %s = ANY (pg_blocking_pids(a.pid)))",
        [holder_pid],
    ).fetchone()
    return bool(row and row[0])


def test_a_review_poll_waiting_for_a_row_holds_no_counter(catalog) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: set DATABASE_URL=postgres://...")
    conn = connect(catalog.store)
    counters_ensure(conn.pk)
    first, second = (SkuState.objects.create(connection=conn, sku_id=n) for n in (1, 2))
    states_update(conn.pk, [first.pk, second.pk], status=SyncStatus.IN_REVIEW)
    params = connection.get_connection_params()

    # Another worker holds the second SKU's row.
    holder = psycopg.connect(**params)
    holder.execute("SELECT 1 FROM catalog_sync_skustate WHERE id = %s FOR UPDATE", [second.pk])

    def poll() -> None:
        try:
            services.review_apply(
                conn.pk, [product(1, "approved"), product(2, "rejected")], {"1": first.pk, "2": second.pk}
            )
        finally:
            connections.close_all()

    poller = threading.Thread(target=poll)
    watcher = psycopg.connect(**params, autocommit=True)
    poller.start()
    blocked_counter = None
    try:
        assert wait_until(lambda: blocked_by(watcher, holder.info.backend_pid), timeout=10, interval=0.02), (
            "the review poll never came to wait for the second row"
        )
        assert poller.is_alive()
        # Meanwhile the catalog's counters stay free for everyone else.
        other = psycopg.connect(**params)
        other.execute("SET lock_timeout = '2s'")
        try:
            other.execute(
                "UPDATE catalog_sync_catalogcounter SET value = value WHERE connection_id = %s", [conn.pk]
            )
        except psycopg.errors.LockNotAvailable as exc:
            blocked_counter = exc
        finally:
            other.rollback()
            other.close()
    finally:
        holder.rollback()
        holder.close()
        watcher.close()
        poller.join(timeout=10)
    assert blocked_counter is None, "the review poll held the counters while it waited for a row"
    assert not poller.is_alive()
    statuses = dict(SkuState.objects.filter(connection=conn).values_list("sku_id", "status"))
    assert statuses == {1: "available", 2: "rejected"}
    counts = catalog_counts(conn)
    assert (counts.available, counts.pending, counts.rejected) == (1, 0, 1)
