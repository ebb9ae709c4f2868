"""Beat's entry points (the names in tiktok_admin/celery.py) and the nightly reconciliation."""

from __future__ import annotations

import pytest

from catalog_sync import services, tasks
from catalog_sync.models import SkuState, SyncRun
from tests.catalog_sync.conftest import connect, drive
from tiktok_admin.celery import app

pytestmark = pytest.mark.django_db(transaction=True)

BEAT_TASKS = [
    "catalog_sync.tasks.sweep_all",
    "catalog_sync.tasks.poll_feed_logs",
    "catalog_sync.tasks.poll_review_status",
    "catalog_sync.tasks.reap_leases",
    "catalog_sync.tasks.reconcile_all",
    "catalog_sync.tasks.prune",
]


def test_every_scheduled_name_is_a_registered_task():
    scheduled = {e["task"] for e in app.conf.beat_schedule.values() if e["task"].startswith("catalog_sync.")}
    assert scheduled == set(BEAT_TASKS)
    app.loader.import_default_modules()
    assert set(BEAT_TASKS) <= set(app.tasks)


def test_beat_fans_out_per_connection_from_db_state(catalog, dispatched):
    catalog.sku()
    conn = connect(catalog.store)
    services.connection_full_sync_prepare(conn.pk)
    assert tasks.sweep_all() == 1
    assert ("catalog_sync.tasks.sweep_catalog", (conn.pk, "schedule"), None) in dispatched
    from catalog_sync.selectors import next_scheduled_sync

    assert next_scheduled_sync() is not None
    dispatched.clear()
    services.connection_sweep(conn.pk)
    assert tasks.poll_feed_logs() == 1  # one SKU queued for upload
    assert dispatched == [("catalog_sync.tasks.send_batches", (conn.pk,), None)]


def test_nightly_reconciliation_resends_what_tiktok_lost(catalog, sandbox, dispatched):
    skus = [catalog.sku() for _ in range(3)]
    conn = connect(catalog.store, sandbox)
    services.connection_full_sync_prepare(conn.pk)
    drive(conn.pk, sandbox)
    from integration.tiktok_client import client

    # Someone deletes a product in TikTok Catalog Manager.
    client().product_delete(
        conn.access_token, bc_id=conn.bc_id, catalog_id=conn.catalog_id, sku_ids=[str(skus[0].pk)]
    )
    sandbox.tick()
    assert sandbox.sku_ids(conn.catalog_id) == {str(s.pk) for s in skus[1:]}

    report = services.connection_reconcile(conn.pk)
    assert (report["checked"], report["missing"]) == (3, 1)
    assert report["tiktok_approved"] == 2 and report["local_available"] == 2
    assert SkuState.objects.get(connection=conn, sku_id=skus[0].pk).dirty
    drive(conn.pk, sandbox)
    assert sandbox.sku_ids(conn.catalog_id) == {str(s.pk) for s in skus}
    assert SyncRun.objects.filter(connection=conn, trigger="reconcile").exists()


def test_a_connection_never_synced_gets_its_full_sync_from_beat(catalog, dispatched):
    conn = connect(catalog.store)
    tasks.sweep_all()
    assert ("catalog_sync.tasks.full_sync", (conn.pk, "connect", False), None) in dispatched


def test_a_broker_outage_never_breaks_the_merchants_request(monkeypatch, caplog):
    class Down:
        name = "catalog_sync.tasks.sweep_catalog"

        def apply_async(self, *args, **kwargs):
            assert kwargs["retry_policy"] == tasks.NUDGE_RETRY
            raise ConnectionError("broker down")

    monkeypatch.undo()  # the real tasks.publish, not the recorder
    tasks.nudge(Down(), (1, "change"))
    assert "beat will pick the work up" in caplog.text


def test_a_trade_policy_switched_elsewhere_is_noticed_by_the_next_sweep(catalog, sandbox):
    from integration.models import TikTokSetup
    from store.models import TradePolicy

    sku = catalog.sku()
    conn = connect(catalog.store, sandbox)
    services.connection_full_sync_prepare(conn.pk)
    drive(conn.pk, sandbox)
    assert services.trade_policy_follow(conn.pk, catalog.store.pk) is False
    other = TradePolicy.objects.create(store=catalog.store, code="2", name="TikTok", currency="BRL")
    TikTokSetup.objects.filter(store=catalog.store).update(trade_policy=other)
    tasks.sweep_all()
    assert SkuState.objects.get(connection=conn, sku_id=sku.pk).dirty
    drive(conn.pk, sandbox)
    # Not priced in the new policy: it leaves TikTok.
    assert sandbox.sku_ids(conn.catalog_id) == set()
