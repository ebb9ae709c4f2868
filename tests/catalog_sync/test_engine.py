"""The engine's edge paths: feed-log errors mapped back by index (only failed SKUs retried, then shown as
rejected with TikTok's words), TikTok's review outcomes, disconnect mid-run, leases, reaper, pruning."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from catalog_sync import leases, services
from catalog_sync.engine import remote
from catalog_sync.models import BatchStatus, SkuState, SkuTombstone, SyncBatch, SyncRun, SyncStatus
from catalog_sync.selectors import catalog_counts
from catalog_sync.services import StepAction
from catalog_sync.state import states_update
from core.models import JobLease
from integration.services import connection_disconnect
from tests.catalog_sync.conftest import connect, drive
from tiktok_api import FeedLog, ThrottledError

pytestmark = pytest.mark.django_db(transaction=True)


def feed_log(status: str, errors: list[dict], error_count: int | None = None) -> FeedLog:
    return FeedLog.from_data(
        {
            "product_feed_log": {
                "process_status": status,
                "error_count": len(errors) if error_count is None else error_count,
                "feed_log_data": {"error_affected_products": errors},
            }
        },
        "1",
    )


def sent_batch(catalog, sandbox, n, settings):
    settings.CATALOG_SYNC_UPLOAD_BATCH = n
    skus = [catalog.sku() for _ in range(n)]
    conn = connect(catalog.store, sandbox)
    services.connection_full_sync_prepare(conn.pk)
    services.connection_sweep(conn.pk)
    outcome = services.connection_send_step(conn.pk)
    assert outcome.action == StepAction.SENT
    return conn, skus, SyncBatch.objects.get(pk=outcome.batch_id)


def test_feed_log_errors_map_back_by_index_and_only_failed_skus_retry(catalog, sandbox, settings):
    conn, skus, batch = sent_batch(catalog, sandbox, 4, settings)
    error = {
        "field": "image_url",
        "issue": "Invalid value: image_url",
        "suggestion": "Use https.",
        "affected_product_count": 1,
        "affected_product_item_list": [{"index": 3, "sku_id": str(batch.sku_ids[2])}],
    }
    services.batch_complete(conn, batch, feed_log("SUCCESS", [error]))
    states = {s.sku_id: s for s in SkuState.objects.filter(connection=conn)}
    failed = states[batch.sku_ids[2]]
    assert (failed.status, failed.op, failed.attempts) == ("queued", "upload", 1)
    assert failed.last_error == "image_url: Invalid value: image_url"
    assert {states[s].status for s in batch.sku_ids if s != batch.sku_ids[2]} == {"in_review"}
    assert SyncBatch.objects.get(pk=batch.pk).status == BatchStatus.FAILED

    # The retry carries only the failed SKU; after the third failure TikTok's reason is shown.
    for _attempt in (2, 3):
        outcome = services.connection_send_step(conn.pk)
        retry = SyncBatch.objects.get(pk=outcome.batch_id)
        assert retry.sku_ids == [batch.sku_ids[2]]
        error["affected_product_item_list"] = [{"index": 1, "sku_id": str(batch.sku_ids[2])}]
        services.batch_complete(conn, retry, feed_log("FAILED", [error]))
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("rejected", 3)
    assert (failed.reject_reason, failed.reject_suggestion) == (
        "image_url: Invalid value: image_url",
        "Use https.",
    )
    assert catalog_counts(conn).rejected == 1
    # Unchanged, it is not sent a fourth time.
    SkuState.objects.filter(pk=failed.pk).update(dirty=True)
    services.connection_sweep(conn.pk)
    assert services.connection_send_step(conn.pk).action in (StepAction.IDLE, StepAction.IDLE_REVIEW)


def test_unlisted_errors_are_found_by_asking_tiktok(catalog, sandbox, settings, monkeypatch):
    conn, skus, batch = sent_batch(catalog, sandbox, 3, settings)
    kept = [str(s) for s in batch.sku_ids[:2]]

    class Client:
        def product_get(self, *a, **kw):
            return SimpleNamespace(products=[SimpleNamespace(sku_id=s) for s in kw["sku_ids"] if s in kept])

    monkeypatch.setattr(remote, "tiktok_client", Client)
    # TikTok says 1 error but lists no SKU (it lists at most 5 per issue).
    services.batch_complete(conn, batch, feed_log("SUCCESS", [], error_count=1))
    lost = SkuState.objects.get(connection=conn, sku_id=batch.sku_ids[2])
    assert (lost.status, lost.op, lost.attempts) == ("queued", "upload", 1)
    assert SkuState.objects.filter(connection=conn, status="in_review").count() == 2


def test_review_outcomes(catalog, sandbox):
    ok = catalog.sku()
    banned = catalog.sku(product=catalog.product(name="Camiseta proibido"))
    conn = connect(catalog.store, sandbox)
    services.connection_full_sync_prepare(conn.pk)
    drive(conn.pk, sandbox)
    states = {s.sku_id: s for s in SkuState.objects.filter(connection=conn)}
    assert states[ok.pk].status == "available"
    assert (states[banned.pk].status, states[banned.pk].reject_reason) == ("rejected", "Prohibited content")
    assert states[banned.pk].reject_suggestion == "Remove prohibited words from the title and description."
    assert (catalog_counts(conn).available, catalog_counts(conn).rejected) == (1, 1)

    # An image TikTok filtered is a detail the merchant must fix.
    product = SimpleNamespace(
        sku_id=str(ok.pk), audit_status="processing", image_status="FILTERED", rejected_info=()
    )
    SkuState.objects.filter(pk=states[ok.pk].pk).update(status="in_review", bucket=2)
    services.counters_recount(conn.pk)
    services.review_apply(conn.pk, [product], {str(ok.pk): states[ok.pk].pk})
    state = SkuState.objects.get(pk=states[ok.pk].pk)
    assert state.status == "needs_details" and state.problems[0]["code"] == "image_filtered"


def test_disconnect_stops_queued_batches_before_their_next_request(catalog, sandbox, settings):
    settings.CATALOG_SYNC_UPLOAD_BATCH = 2
    for _ in range(6):
        catalog.sku()
    conn = connect(catalog.store, sandbox)
    services.connection_full_sync_prepare(conn.pk)
    services.connection_sweep(conn.pk)
    assert services.connection_send_step(conn.pk).action == StepAction.SENT
    connection_disconnect(conn.pk, reason="manual")
    uploads = len(sandbox.journal(endpoint="catalog/product/upload"))
    assert services.connection_send_step(conn.pk).action == StepAction.STOPPED
    assert len(sandbox.journal(endpoint="catalog/product/upload")) == uploads == 1
    assert not SyncBatch.objects.filter(connection=conn, status__in=["claimed", "sent"]).exists()
    assert SyncRun.objects.get(connection=conn).status == "stopped"
    assert sandbox.journal(endpoint="catalog/product/delete") == []


def test_lease_same_owner_may_retake_others_wait():
    assert leases.lease_take("catalog-send:1", "task-a", ttl=60)
    assert leases.lease_take("catalog-send:1", "task-a", ttl=60)  # redelivered task keeps its id
    assert not leases.lease_take("catalog-send:1", "task-b", ttl=60)
    JobLease.objects.filter(name="catalog-send:1").update(expires_at=timezone.now() - timedelta(seconds=1))
    assert leases.lease_take("catalog-send:1", "task-b", ttl=60)


def test_reaper_frees_expired_claims_and_prune_removes_old_rows(catalog, settings):
    conn = connect(catalog.store)
    past = timezone.now() - timedelta(days=40)
    batch = SyncBatch.objects.create(
        connection=conn, kind="upload", sku_ids=[1], size=1, lease_owner="dead", lease_expires_at=past
    )
    reaped = services.reap()
    assert (reaped.batches, reaped.send) == (1, {conn.pk})
    batch.refresh_from_db()
    assert batch.lease_owner == "" and batch.status == "claimed"
    assert services.connections_with_work() == [conn.pk]

    SyncBatch.objects.filter(pk=batch.pk).update(status="done", created_at=past)
    SyncRun.objects.create(
        connection=conn, trigger="schedule", status="succeeded", started_at=past, finished_at=past
    )
    recent = SyncRun.objects.create(
        connection=conn,
        trigger="schedule",
        status="succeeded",
        started_at=timezone.now(),
        finished_at=timezone.now(),
    )
    SkuTombstone.objects.create(store=catalog.store, sku_id=9)
    SkuTombstone.objects.update(deleted_at=past)
    alive = catalog.sku()
    SkuState.objects.create(connection=conn, sku_id=9, status="excluded", dirty=False)
    SkuState.objects.create(connection=conn, sku_id=alive.pk, status="excluded", dirty=False)
    SkuState.objects.update(updated_at=past)
    assert services.prune() == {"runs": 1, "batches": 1, "tombstones": 1, "deleted_skus": 1, "states": 0}
    assert list(SkuState.objects.values_list("sku_id", flat=True)) == [alive.pk]
    assert list(SyncRun.objects.values_list("pk", flat=True)) == [recent.pk]


def test_state_of_a_connection_is_its_own(catalog, sandbox):
    """Reconnecting starts from clean state: the new connection has its own rows and counters."""
    sku = catalog.sku()
    first = connect(catalog.store, sandbox)
    services.connection_full_sync_prepare(first.pk)
    drive(first.pk, sandbox)
    first.status = "disconnected"
    first.save()
    second = connect(catalog.store, sandbox)
    services.connection_full_sync_prepare(second.pk)
    new_state = SkuState.objects.get(connection=second, sku_id=sku.pk)
    assert (new_state.status, new_state.accepted_hash, new_state.remote_present) == (
        SyncStatus.NEW,
        "",
        False,
    )
    drive(second.pk, sandbox)
    assert sandbox.sku_ids(second.catalog_id) == {str(sku.pk)}


def test_a_feed_log_tiktok_does_not_know_sends_the_batch_again(catalog, sandbox, settings):
    conn, skus, batch = sent_batch(catalog, sandbox, 2, settings)
    SyncBatch.objects.filter(pk=batch.pk).update(feed_log_id="999999999")
    outcome = services.connection_send_step(conn.pk)
    assert outcome.action == StepAction.REQUEUED
    assert set(SkuState.objects.filter(connection=conn).values_list("status", flat=True)) == {"queued"}
    assert SyncBatch.objects.get(pk=batch.pk).status == "failed"
    drive(conn.pk, sandbox)
    assert sandbox.sku_ids(conn.catalog_id) == {str(s.pk) for s in skus}


def test_a_feed_log_that_never_finishes_is_given_up(catalog, sandbox, settings, stepped_clock):
    sandbox.config(feed_wait_seconds=3600)  # TikTok never gets to it
    conn, skus, batch = sent_batch(catalog, sandbox, 2, settings)
    assert services.connection_send_step(conn.pk).action == StepAction.WAITING
    settings.CATALOG_SYNC_FEED_LOG_GIVE_UP_SECONDS = 60
    stepped_clock.advance(30)
    assert services.connection_send_step(conn.pk).action == StepAction.WAITING
    stepped_clock.advance(31)
    assert services.connection_send_step(conn.pk).action == StepAction.REQUEUED
    assert SkuState.objects.filter(connection=conn, status="queued", op="upload", batch=None).count() == 2


def test_send_step_says_idle_review_only_while_tiktok_still_reviews_something(catalog, sandbox):
    """The answer schedules the review poll; it is read from the exact pending counter first, so an idle
    catalog does not probe its (possibly million, not yet vacuumed) state rows."""
    conn = connect(catalog.store, sandbox)
    sku = catalog.sku()
    services.connection_full_sync_prepare(conn.pk)
    services.connection_sweep(conn.pk)
    assert services.connection_send_step(conn.pk).action == StepAction.SENT
    state = SkuState.objects.get(connection=conn, sku_id=sku.pk)
    # The feed log is done and the SKU waits for TikTok's review.
    services.batch_complete(conn, SyncBatch.objects.get(connection=conn), feed_log("SUCCESS", []))
    state.refresh_from_db()
    assert state.status == "in_review" and catalog_counts(conn).pending == 1
    assert services.connection_send_step(conn.pk).action == StepAction.IDLE_REVIEW

    # TikTok approves it (what the review poll records).
    states_update(conn.pk, [state.pk], status="available")
    assert catalog_counts(conn).pending == 0
    assert services.connection_send_step(conn.pk).action == StepAction.IDLE


def test_a_throttled_upload_waits_its_backoff_on_the_engine_clock(
    catalog, sandbox, settings, monkeypatch, stepped_clock
):
    """The retry's next attempt is stored in the engine's time: moving its clock past the backoff is all
    it takes to send again (no test sleeps through a backoff)."""
    for _ in range(2):
        catalog.sku()
    conn = connect(catalog.store, sandbox)
    services.connection_full_sync_prepare(conn.pk)
    services.connection_sweep(conn.pk)

    class Throttled:
        def product_upload(self, *a, **kw):
            raise ThrottledError("App reaches the QPS limit.", code=40100, retry_after=5.0)

    real = remote.tiktok_client
    monkeypatch.setattr(remote, "tiktok_client", Throttled)
    retry = services.connection_send_step(conn.pk)
    # The first retry waits 1-2 s, or longer when TikTok asks for it.
    assert (retry.action, retry.next_in) == (StepAction.RETRY, 5.0)
    monkeypatch.setattr(remote, "tiktok_client", real)
    waiting = services.connection_send_step(conn.pk)
    assert waiting.action == StepAction.BACKOFF and 4.0 < waiting.next_in <= 5.0
    stepped_clock.advance(waiting.next_in)
    assert services.connection_send_step(conn.pk).action == StepAction.SENT
    assert len(sandbox.journal(endpoint="catalog/product/upload")) == 1
