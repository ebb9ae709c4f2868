"""The per-catalog send loop, one short step at a time: finish the batch in flight once its feed log is
done, else claim and send the next batch (deletes first, ≤1,000; then uploads, ≤5,000, mapped afresh at
send time). One write in flight per catalog, under the catalog's send lease; throttling, 5xx and a busy
catalog make the batch wait its backoff."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q

from integration.models import TikTokConnection
from integration.selectors import connection_is_active
from tiktok_api import (
    AuthError,
    CatalogBusyError,
    RetryableError,
    ThrottledError,
    TikTokError,
    WriteOutcomeUnknown,
)

from .. import clock
from ..leases import lease_held, lease_seconds, send_lease_name
from ..mapping import CatalogContext, context_for_connection, evaluate, load_facts
from ..models import (
    BatchStatus,
    Bucket,
    CatalogCounter,
    RemoteOp,
    RunStatus,
    SkuState,
    SyncBatch,
    SyncRun,
    SyncStatus,
    Trigger,
)
from ..state import states_update
from . import filefeed, remote
from .batches import batch_mark_sent
from .feedlog import feed_log_follow
from .outcome import StepAction, StepOutcome
from .runs import (
    connection_auth_failed,
    connection_stopped,
    dirty_rows_waiting,
    run_add,
    run_error,
    run_finish_if_idle,
    run_open,
    run_stop,
)
from .tunables import MAX_ITEM_ATTEMPTS, delete_batch_size, poll_seconds, retry_wait, upload_batch_size

logger = logging.getLogger(__name__)


def connection_send_step(connection_id: int, *, owner: str | None = None) -> StepOutcome:
    """One step of the per-catalog send loop: finish the batch in flight if its feed log is done, else
    send the next batch. Returns when to call again."""
    owner = owner or uuid.uuid4().hex
    with lease_held(send_lease_name(connection_id), owner) as mine:
        if not mine:
            return StepOutcome(StepAction.BUSY)
        return _send_step(connection_id, owner)


def _send_step(connection_id: int, owner: str) -> StepOutcome:
    conn = TikTokConnection.objects.select_related("store").filter(pk=connection_id).first()
    if conn is None or not conn.is_active:
        if conn is not None:
            run_stop(connection_id)
        return StepOutcome(StepAction.STOPPED)
    client = remote.tiktok_client()
    # A big first load goes as one product file (before the in-flight lookup: the file job is a SENT
    # batch of its own, followed by the file route until it completes).
    outcome = filefeed.file_route_step(conn, client, owner)
    if outcome is not None:
        return outcome
    in_flight = (
        SyncBatch.objects.filter(connection_id=connection_id, status=BatchStatus.SENT).order_by("id").first()
    )
    if in_flight is not None:
        outcome = feed_log_follow(conn, in_flight, client)
        if outcome.action != StepAction.COMPLETED:
            return outcome
    now = clock.now()
    # A batch claimed but never sent: ours (this task was redelivered) or a dead worker's (lease expired).
    batch = (
        SyncBatch.objects.filter(connection_id=connection_id, status=BatchStatus.CLAIMED)
        .filter(Q(lease_owner=owner) | Q(lease_owner="") | Q(lease_expires_at__lte=now))
        .order_by("id")
        .first()
    )
    if batch is not None and batch.next_attempt_at is not None and batch.next_attempt_at > now:
        return StepOutcome(
            StepAction.BACKOFF, next_in=(batch.next_attempt_at - now).total_seconds(), batch_id=batch.pk
        )
    if batch is None:
        if SyncBatch.objects.filter(connection_id=connection_id, status=BatchStatus.CLAIMED).exists():
            return StepOutcome(StepAction.CLAIMED_ELSEWHERE, next_in=lease_seconds())
        run = SyncRun.objects.filter(connection_id=connection_id, status=RunStatus.RUNNING).first()
        if (
            run is None
            and SkuState.objects.filter(connection_id=connection_id, batch__isnull=True)
            .exclude(op="")
            .exists()
        ):
            run = run_open(connection_id, Trigger.CHANGE)
        batch = _claim_batch(connection_id, owner, run.pk if run else None)
        if batch is None and dirty_rows_waiting(connection_id):
            # Rows are still being classified (a batch is filling up): look again shortly.
            return StepOutcome(StepAction.WAITING, next_in=poll_seconds())
        if batch is None:
            run_finish_if_idle(connection_id)
            # The pending counter (exact, moved with every state change) answers first: after a full sync it
            # is 0, and the row probe would wade through a million dead row versions until vacuum has run.
            pending = CatalogCounter.objects.filter(connection_id=connection_id, bucket=Bucket.PENDING)
            if (
                pending.filter(value__gt=0).exists()
                and SkuState.objects.filter(
                    connection_id=connection_id, bucket=Bucket.PENDING, status=SyncStatus.IN_REVIEW
                ).exists()
            ):
                return StepOutcome(StepAction.IDLE_REVIEW)
            return StepOutcome(StepAction.IDLE)
    else:
        SyncBatch.objects.filter(pk=batch.pk).update(
            lease_owner=owner, lease_expires_at=now + timedelta(seconds=lease_seconds())
        )
    ctx = context_for_connection(conn)
    try:
        return _send(conn, batch, ctx)
    except AuthError as exc:
        return connection_auth_failed(connection_id, exc)
    except (ThrottledError, CatalogBusyError, RetryableError, WriteOutcomeUnknown) as exc:
        return StepOutcome(StepAction.RETRY, next_in=_retry_later(batch, exc), batch_id=batch.pk)
    except TikTokError as exc:
        # Permanent for this request as built: give the SKUs back (counted) and let a later sweep retry
        # them; after a few rounds they are shown as rejected with TikTok's message.
        logger.warning("catalog sync: batch %s failed permanently: %s", batch.pk, exc)
        rows = list(SkuState.objects.filter(batch=batch).values("id", "attempts"))
        _batch_release(batch, BatchStatus.FAILED, str(exc))
        give_up = [r["id"] for r in rows if r["attempts"] + 1 >= MAX_ITEM_ATTEMPTS]
        states_update(
            connection_id, [r["id"] for r in rows], attempts=F("attempts") + 1, last_error=str(exc)[:1000]
        )
        if give_up:
            states_update(
                connection_id,
                give_up,
                status=SyncStatus.REJECTED,
                op=RemoteOp.NONE,
                reject_reason=str(exc.message or exc)[:2000],
            )
        run_error(batch.run_id, f"{type(exc).__name__}: {exc}")
        run_add(batch.run_id, failed=len(give_up))
        return StepOutcome(StepAction.FAILED, next_in=retry_wait(1), batch_id=batch.pk)


def _claim_batch(connection_id: int, owner: str, run_id: int | None) -> SyncBatch | None:
    """Put the next deletes (first: a SKU gone from the store must leave TikTok before anything else)
    or uploads into a new batch."""
    for kind, size in ((RemoteOp.DELETE, delete_batch_size()), (RemoteOp.UPLOAD, upload_batch_size())):
        with transaction.atomic():
            rows = list(
                SkuState.objects.filter(connection_id=connection_id, op=kind, batch__isnull=True)
                .order_by("id")
                .select_for_update(skip_locked=True)
                .values_list("id", "sku_id", "run_id")[:size]
            )
            if not rows:
                continue
            if kind == RemoteOp.UPLOAD and len(rows) < size and dirty_rows_waiting(connection_id):
                # The sweep is still classifying: wait for a full batch, so a full sync sends exactly
                # ceil(eligible / batch size) uploads. The last, partial batch leaves once nothing is dirty.
                return None
            # The batch's errors go to the oldest run among its rows (the one it mostly serves).
            row_runs = sorted({r for _i, _s, r in rows if r is not None})
            if row_runs:
                oldest = SyncRun.objects.filter(pk__in=row_runs).order_by("id").values_list("pk", flat=True)
                run_id = oldest.first() or run_id
            batch = SyncBatch.objects.create(
                connection_id=connection_id,
                run_id=run_id,
                kind=kind,
                sku_ids=[s for _i, s, _r in rows],
                size=len(rows),
                lease_owner=owner,
                lease_expires_at=clock.now() + timedelta(seconds=lease_seconds()),
            )
            SkuState.objects.filter(id__any=[i for i, _s, _r in rows]).update(batch=batch)
            return batch
    return None


def _batch_release(batch: SyncBatch, status: str, error: str = "") -> None:
    SyncBatch.objects.filter(pk=batch.pk).update(status=status, error=error[:2000], finished_at=clock.now())
    SkuState.objects.filter(batch=batch).update(batch=None)


def _retry_later(batch: SyncBatch, exc: TikTokError) -> float:
    hint = getattr(exc, "retry_after", None)
    attempts = batch.attempts + 1
    wait = retry_wait(attempts, hint)
    SyncBatch.objects.filter(pk=batch.pk).update(
        attempts=attempts,
        next_attempt_at=clock.now() + timedelta(seconds=wait),
        error=str(exc)[:2000],
        lease_owner="",
        lease_expires_at=None,
    )
    run_error(batch.run_id, f"{type(exc).__name__}: {exc}", retried=True)
    return wait


def _prepare_upload(
    ctx: CatalogContext, batch: SyncBatch
) -> tuple[list[dict[str, Any]], list[int], list[str]]:
    """Map the batch's SKUs afresh (the store may have changed since they were queued). SKUs that are no
    longer sendable leave the batch and go back to the sweep."""
    loaded = load_facts(ctx, batch.sku_ids)
    products: list[dict[str, Any]] = []
    kept: list[int] = []
    hashes: list[str] = []
    dropped: list[int] = []
    for sku_id in batch.sku_ids:
        ev = evaluate(ctx, loaded[sku_id])
        if ev.payload is None:
            dropped.append(sku_id)
            continue
        products.append(ev.payload)
        kept.append(sku_id)
        hashes.append(ev.hash)
    if dropped:
        SkuState.objects.filter(batch=batch, sku_id__in=dropped).update(
            batch=None, op=RemoteOp.NONE, dirty=True
        )
    return products, kept, hashes


def _send(conn: TikTokConnection, batch: SyncBatch, ctx: CatalogContext) -> StepOutcome:
    client = remote.tiktok_client()
    if batch.kind == RemoteOp.DELETE:
        sku_ids = [str(s) for s in batch.sku_ids]
        hashes: list[str] = []
        if not connection_is_active(conn.pk):
            return connection_stopped(conn.pk)
        feed_log_id = client.product_delete(
            conn.access_token, bc_id=conn.bc_id, catalog_id=conn.catalog_id, sku_ids=sku_ids
        )
    else:
        products, kept, hashes = _prepare_upload(ctx, batch)
        if not products:
            _batch_release(batch, BatchStatus.CANCELLED)
            return StepOutcome(StepAction.EMPTY, next_in=0, batch_id=batch.pk)
        if kept != batch.sku_ids:
            SyncBatch.objects.filter(pk=batch.pk).update(sku_ids=kept, size=len(kept))
            batch.sku_ids = kept
        if not connection_is_active(conn.pk):
            return connection_stopped(conn.pk)
        feed_log_id = client.product_upload(
            conn.access_token, bc_id=conn.bc_id, catalog_id=conn.catalog_id, products=products
        )
    now = clock.now()
    with transaction.atomic():
        batch_mark_sent(batch.pk, str(feed_log_id), now)
        if batch.kind == RemoteOp.UPLOAD:
            # Status and the hash of what was sent, per row, in one statement: one write per row.
            by_sku = dict(zip(batch.sku_ids, hashes, strict=True))
            rows = dict(SkuState.objects.filter(batch=batch).values_list("id", "sku_id"))
            states_update(
                conn.pk,
                list(rows),
                status=SyncStatus.SENT,
                feed_log_id=str(feed_log_id),
                sent_at=now,
                each={"sent_hash": {i: by_sku.get(s, "") for i, s in rows.items()}},
            )
        else:
            ids = list(SkuState.objects.filter(batch=batch).values_list("id", flat=True))
            states_update(conn.pk, ids, feed_log_id=str(feed_log_id), sent_at=now)
        run_add(batch.run_id, requests=1)
    return StepOutcome(StepAction.SENT, next_in=poll_seconds(), batch_id=batch.pk, sent=len(batch.sku_ids))
