"""A run's set of rows: the rows its sweep classified. A run completes only when none of them is between
states; edits that arrive after its sweep passed belong to the next run, so a busy store still completes
runs. Also: the safety net that finds stranded rows, and the heartbeat that keeps a live holder's lease."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.utils import timezone

from catalog_sync import dirty, leases, services
from catalog_sync.mapping import context_for_connection
from catalog_sync.models import BETWEEN_STATES, BatchStatus, SkuState, SyncBatch, SyncRun, SyncStatus
from catalog_sync.selectors import catalog_counts
from catalog_sync.services import StepAction
from core.models import JobLease
from store import services as store_services
from tests.catalog_sync.conftest import connect, drive
from tests.plugins.processes import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_run_completes_only_when_its_own_rows_are_settled(catalog, sandbox, settings):
    settings.CATALOG_SYNC_UPLOAD_BATCH = 2
    skus = [catalog.sku() for _ in range(4)]
    conn = connect(catalog.store, sandbox)
    services.connection_full_sync_prepare(conn.pk)
    services.connection_sweep(conn.pk)
    run = SyncRun.objects.get(connection=conn)
    assert run.sealed_at is not None, "the sweep passed over every dirty row"
    assert set(SkuState.objects.filter(connection=conn).values_list("run_id", flat=True)) == {run.pk}
    assert SkuState.objects.filter(connection=conn, dirty=True).count() == 0

    assert services.connection_send_step(conn.pk).action == StepAction.SENT
    assert services.run_finish_if_idle(conn.pk) is None, "two SKUs are still queued, two in flight"
    run.refresh_from_db()
    assert run.status == "running"

    # An edit after the sweep passed: that SKU goes to the next run; the first run still completes.
    store_services.product_update(skus[0].product, name="Camiseta editada")
    assert SkuState.objects.get(connection=conn, sku_id=skus[0].pk).dirty
    drive(conn.pk, sandbox)
    runs = list(SyncRun.objects.filter(connection=conn).order_by("id"))
    assert [r.status for r in runs] == ["succeeded", "succeeded"]
    assert runs[0].checked == 4 and runs[1].checked == 1
    assert SkuState.objects.get(connection=conn, sku_id=skus[0].pk).run_id == runs[1].pk
    assert not SkuState.objects.filter(BETWEEN_STATES, connection=conn).exists()


def test_a_sealed_run_finishing_does_not_take_new_rows(catalog, sandbox):
    catalog.sku()
    conn = connect(catalog.store, sandbox)
    services.connection_full_sync_prepare(conn.pk)
    services.connection_sweep(conn.pk)
    first = SyncRun.objects.get(connection=conn)
    other = catalog.sku()
    dirty.skus_mark_dirty(catalog.store.pk, [other.pk])
    services.connection_sweep(conn.pk)
    second = SyncRun.objects.exclude(pk=first.pk).get(connection=conn)
    assert (first.status, second.status) == ("running", "running")
    assert SkuState.objects.get(connection=conn, sku_id=other.pk).run_id == second.pk
    assert first.sealed_at is not None and second.sealed_at is not None
    assert services.run_open(conn.pk, "change").pk not in (first.pk, second.pk), "both sets are closed"


def test_an_open_run_with_dirty_rows_left_is_not_completed(catalog, sandbox):
    """A sweep killed mid-pass leaves its run open and the rest of the rows dirty: nothing completes it
    until a sweep has classified them."""
    for _ in range(3):
        catalog.sku()
    conn = connect(catalog.store, sandbox)
    services.connection_full_sync_prepare(conn.pk)
    part, last_id, run_id = services.sweep_chunk_classify(conn.pk, context_for_connection(conn), limit=1)
    assert (part.checked, run_id) == (1, SyncRun.objects.get(connection=conn).pk)
    assert services.run_finish_if_idle(conn.pk) is None
    run = SyncRun.objects.get(pk=run_id)
    assert (run.status, run.sealed_at) == ("running", None)
    assert SkuState.objects.filter(connection=conn, dirty=True).count() == 2


def test_the_reconciliation_finds_stranded_rows(catalog, sandbox):
    skus = [catalog.sku() for _ in range(4)]
    conn = connect(catalog.store, sandbox)
    services.connection_full_sync_prepare(conn.pk)
    drive(conn.pk, sandbox)
    assert SyncRun.objects.get(connection=conn).status == "succeeded"
    # Rows in every shape of "between states with nothing to move them": never classified, queued with no
    # operation, sent with no batch, and held by a batch that has finished.
    dead = SyncBatch.objects.create(
        connection=conn, kind="upload", sku_ids=[skus[3].pk], size=1, status=BatchStatus.FAILED
    )
    stranded = {
        skus[0].pk: {"status": SyncStatus.NEW, "bucket": 0},
        skus[1].pk: {"status": SyncStatus.QUEUED, "bucket": 2},
        skus[2].pk: {"status": SyncStatus.SENT, "bucket": 2},
    }
    for sku_id, values in stranded.items():
        SkuState.objects.filter(connection=conn, sku_id=sku_id).update(dirty=False, op="", **values)
    SkuState.objects.filter(connection=conn, sku_id=skus[3].pk).update(batch=dead, dirty=False)
    services.counters_recount(conn.pk)

    report = services.connection_reconcile(conn.pk)
    assert report["recovered"] == 4
    assert set(SkuState.objects.filter(connection=conn, dirty=True).values_list("sku_id", flat=True)) == {
        s.pk for s in skus
    }
    assert not SkuState.objects.filter(connection=conn, batch__isnull=False).exists()
    drive(conn.pk, sandbox)
    assert catalog_counts(conn).available == 4
    assert not SkuState.objects.filter(BETWEEN_STATES, connection=conn).exists()
    assert services.states_recover(conn.pk) == 0, "settled rows are left alone"


def test_the_heartbeat_keeps_a_live_holders_lease_and_its_batch_claim(catalog, settings):
    if db_connection.vendor == "sqlite":
        pytest.skip("the heartbeat thread writes from a second connection; SQLite's test database is shared")
    settings.CATALOG_SYNC_LEASE_SECONDS = 0.6
    conn = connect(catalog.store)
    batch = SyncBatch.objects.create(
        connection=conn,
        kind="upload",
        sku_ids=[1],
        size=1,
        lease_owner="live",
        lease_expires_at=timezone.now() + timedelta(seconds=0.6),
    )
    with leases.lease_held("catalog-send:77", "live") as mine:
        assert mine
        assert not leases.lease_take("catalog-send:77", "other")
        first = JobLease.objects.get(name="catalog-send:77").expires_at
        # Renewed at least twice, past several lease periods, while the holder lives.
        assert wait_until(
            lambda: JobLease.objects.get(name="catalog-send:77").expires_at > first + timedelta(seconds=0.3),
            timeout=5,
            interval=0.05,
        )
        assert services.reap().batches == 0
        batch.refresh_from_db()
        assert batch.lease_expires_at > timezone.now()
    assert not JobLease.objects.filter(name="catalog-send:77").exists()
    # The holder is gone: nothing renews the claim any more, and the reaper frees it once it lapses.
    assert wait_until(lambda: services.reap().send == {conn.pk}, timeout=5, interval=0.1)
    batch.refresh_from_db()
    assert (batch.lease_owner, batch.status) == ("", "claimed")


def test_the_reaper_names_what_dead_workers_held(catalog):
    conn = connect(catalog.store)
    past = timezone.now() - timedelta(seconds=1)
    for name in ("sweep", "review", "reconcile", "send"):
        JobLease.objects.create(name=f"catalog-{name}:{conn.pk}", owner="dead", expires_at=past)
    JobLease.objects.create(
        name=f"catalog-sweep:{conn.pk + 1}", owner="alive", expires_at=past + timedelta(60)
    )
    reaped = services.reap()
    assert (reaped.sweep, reaped.review, reaped.reconcile, reaped.send) == (
        {conn.pk},
        {conn.pk},
        {conn.pk},
        {conn.pk},
    )
    assert reaped.leases == 4
    assert list(JobLease.objects.values_list("owner", flat=True)) == ["alive"]
