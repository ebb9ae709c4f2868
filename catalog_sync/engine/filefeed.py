"""The file route for a big first load: instead of ceil(N/5,000) JSON uploads, one `catalog/product/file/`
request; TikTok fetches the CSV from the store (catalog_sync/views_feed.py) at a signed, expiring URL.

Chosen only for a connection's first full sync (nothing ever sent, a "connect" run open) with more than
CATALOG_SYNC_FILE_ROUTE_MIN SKUs queued for upload (0: never); deltas keep the JSON uploads. While that
first sweep is still classifying a catalog big enough, the JSON route is held back so the file can list
every SKU. update_mode is INCREMENTAL: OVERWRITE would wipe a catalog reused on reconnect.

The file job is a SyncBatch of kind "file" (its `sku_ids` keep the file's row order, so a feed-log
error's index maps back to its SKU). It is followed and applied by feedlog.py as an upload batch, so
per-row results land on the state rows exactly as an upload's do; rows that failed go back to the queue
and are retried as JSON uploads.

The send step calls `file_route_step` first (see the hook in send.py); None means "not the file route's
business: go on with the JSON route"."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import connection as db
from django.db import transaction
from django.urls import reverse

from integration.models import TikTokConnection
from integration.selectors import connection_is_active
from tiktok_api import AuthError, RetryableError, TikTokClient, TikTokError, WriteOutcomeUnknown
from tiktok_api.feedfile import FEED_COLUMNS, feed_row

from .. import clock
from ..leases import lease_seconds
from ..mapping import context_for_connection, evaluate, load_facts
from ..models import BatchStatus, RemoteOp, RunStatus, SkuState, SyncBatch, SyncRun, SyncStatus, Trigger
from .batches import batch_mark_sent
from .feedlog import feed_log_follow
from .outcome import StepAction, StepOutcome
from .runs import connection_auth_failed, connection_stopped, run_add, run_error
from .tunables import poll_seconds, retry_wait

logger = logging.getLogger(__name__)

FILE_KIND = "file"
PAGE = 5000
TOKEN_SALT = "catalog_sync.filefeed"
# TikTok fetches the file asynchronously (about 5M rows an hour, reference §3.2); a day covers a slow start.
TOKEN_MAX_AGE = 24 * 3600
LIVE = (BatchStatus.CLAIMED, BatchStatus.SENT)


def file_route_min() -> int:
    return int(getattr(settings, "CATALOG_SYNC_FILE_ROUTE_MIN", 50_000))


# ---------------------------------------------------------------------------------------- signed URL


def file_token(batch_id: int) -> str:
    return signing.TimestampSigner(salt=TOKEN_SALT).sign(str(batch_id))


def file_token_valid(token: str, batch_id: int) -> bool:
    try:
        value = signing.TimestampSigner(salt=TOKEN_SALT).unsign(token, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is one
        return False
    return value == str(batch_id)


def file_url(conn: TikTokConnection, batch_id: int) -> str:
    path = reverse("catalog-file-feed", kwargs={"account": conn.store.account, "batch_id": batch_id})
    return f"{settings.PUBLIC_BASE_URL}{path}?feed_token={file_token(batch_id)}"


# ---------------------------------------------------------------------------------------- the file


def file_batch_live(account: str, batch_id: int) -> SyncBatch | None:
    """The file job the URL names, while TikTok may still fetch it."""
    return (
        SyncBatch.objects.select_related("connection__store")
        .filter(pk=batch_id, kind=FILE_KIND, status__in=LIVE, connection__store__account=account)
        .first()
    )


def file_rows(batch: SyncBatch) -> Iterator[list[str]]:
    """The CSV's header and rows: the batch's SKUs in its `sku_ids` order, each mapped as a JSON upload
    would be, read in keyset pages so memory stays flat. A SKU no longer sendable is left out (the change
    that made it so marked it dirty; TikTok echoes sku_id in its errors, so indexes still map)."""
    yield list(FEED_COLUMNS)
    ctx = context_for_connection(batch.connection)
    after = 0
    while True:
        page = list(
            SkuState.objects.filter(batch_id=batch.pk, id__gt=after)
            .order_by("id")
            .values_list("id", "sku_id")[:PAGE]
        )
        if not page:
            return
        after = page[-1][0]
        loaded = load_facts(ctx, [s for _i, s in page])
        for _i, sku_id in page:
            ev = evaluate(ctx, loaded[sku_id])
            if ev.payload is not None:
                yield feed_row(ev.payload)


# ---------------------------------------------------------------------------------------- the step


def file_route_step(conn: TikTokConnection, client: TikTokClient, owner: str) -> StepOutcome | None:
    """The file route's part of one send step (the caller holds the catalog's send lease). None: nothing
    for the file route to do; the JSON route goes on."""
    batch = SyncBatch.objects.filter(connection_id=conn.pk, kind=FILE_KIND, status__in=LIVE).first()
    if batch is not None and batch.status == BatchStatus.SENT:
        batch.kind = RemoteOp.UPLOAD  # in memory only: feedlog.py applies it exactly as an upload batch
        outcome = feed_log_follow(conn, batch, client)
        return None if outcome.action == StepAction.COMPLETED else outcome
    if batch is None:
        decision = file_route_wanted(conn.pk)
        if decision is None:
            return None
        if decision == "wait":
            return StepOutcome(StepAction.WAITING, next_in=poll_seconds())
        batch = file_batch_claim(conn, owner)
        if batch is None:
            return None
    now = clock.now()
    if batch.next_attempt_at is not None and batch.next_attempt_at > now:
        return StepOutcome(
            StepAction.BACKOFF, next_in=(batch.next_attempt_at - now).total_seconds(), batch_id=batch.pk
        )
    return file_send(conn, batch, client)


def file_route_wanted(connection_id: int) -> str | None:
    """ "claim" when the connection's first full sync should go as one file, "wait" while its sweep is
    still classifying a catalog big enough for it, None for the JSON route."""
    threshold = file_route_min()
    if threshold <= 0 or SyncBatch.objects.filter(connection_id=connection_id).exists():
        return None
    run = SyncRun.objects.filter(
        connection_id=connection_id, status=RunStatus.RUNNING, trigger=Trigger.CONNECT
    ).first()
    if run is None:
        return None
    if run.sealed_at is None:
        big = SkuState.objects.filter(connection_id=connection_id)[threshold : threshold + 1].exists()
        return "wait" if big else None
    queued = SkuState.objects.filter(connection_id=connection_id, op=RemoteOp.UPLOAD, batch__isnull=True)
    return "claim" if queued[threshold : threshold + 1].exists() else None


def file_batch_claim(conn: TikTokConnection, owner: str) -> SyncBatch | None:
    """Put every SKU queued for upload into one file batch, mapping each once to record the hash sent
    (one UPDATE per page). All or nothing: a worker killed here leaves the rows queued."""
    ctx = context_for_connection(conn)
    run_id = (
        SyncRun.objects.filter(connection_id=conn.pk, status=RunStatus.RUNNING, trigger=Trigger.CONNECT)
        .values_list("pk", flat=True)
        .first()
    )
    with transaction.atomic():
        batch = SyncBatch.objects.create(
            connection_id=conn.pk,
            run_id=run_id,
            kind=FILE_KIND,
            lease_owner=owner,
            lease_expires_at=clock.now() + timedelta(seconds=lease_seconds()),
        )
        order: list[int] = []
        after = 0
        while True:
            page = list(
                SkuState.objects.filter(
                    connection_id=conn.pk, op=RemoteOp.UPLOAD, batch__isnull=True, id__gt=after
                )
                .order_by("id")
                .select_for_update(skip_locked=True)
                .values_list("id", "sku_id")[:PAGE]
            )
            if not page:
                break
            after = page[-1][0]
            loaded = load_facts(ctx, [s for _i, s in page])
            kept: list[tuple[int, str]] = []
            dropped: list[int] = []
            for row_id, sku_id in page:
                ev = evaluate(ctx, loaded[sku_id])
                if ev.payload is None:
                    dropped.append(row_id)
                else:
                    kept.append((row_id, ev.hash))
                    order.append(sku_id)
            _claim_rows(batch.pk, kept)
            if dropped:
                # Not sendable any more: back to the sweep, as the JSON route's send does.
                SkuState.objects.filter(id__in=dropped).update(op=RemoteOp.NONE, dirty=True)
        if not order:
            SyncBatch.objects.filter(pk=batch.pk).update(
                status=BatchStatus.CANCELLED, finished_at=clock.now()
            )
            return None
        SyncBatch.objects.filter(pk=batch.pk).update(sku_ids=order, size=len(order))
    batch.sku_ids, batch.size = order, len(order)
    return batch


def _claim_rows(batch_id: int, rows: list[tuple[int, str]]) -> None:
    if not rows:
        return
    table = SkuState._meta.db_table
    if db.vendor == "postgresql":
        with db.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS t SET batch_id = %s, sent_hash = v.h "  # noqa: S608
                "FROM unnest(%s::bigint[], %s::text[]) AS v(id, h) WHERE t.id = v.id",
                [batch_id, [i for i, _h in rows], [h for _i, h in rows]],
            )
        return
    objs = [SkuState(id=i, batch_id=batch_id, sent_hash=h) for i, h in rows]
    SkuState.objects.bulk_update(objs, ["batch", "sent_hash"], batch_size=1000)


def file_send(conn: TikTokConnection, batch: SyncBatch, client: TikTokClient) -> StepOutcome:
    """Send the file request for a claimed file batch."""
    if not connection_is_active(conn.pk):
        return connection_stopped(conn.pk)
    try:
        feed_log_id = client.product_file(
            conn.access_token,
            bc_id=conn.bc_id,
            catalog_id=conn.catalog_id,
            file_url=file_url(conn, batch.pk),
            update_mode="INCREMENTAL",
        )
    except AuthError as exc:
        return connection_auth_failed(conn.pk, exc)
    except (RetryableError, WriteOutcomeUnknown) as exc:
        # Sent again later (an unknown outcome waits out the catalog lock first); the rows stay claimed.
        attempts = batch.attempts + 1
        wait = retry_wait(attempts, getattr(exc, "retry_after", None))
        SyncBatch.objects.filter(pk=batch.pk).update(
            attempts=attempts,
            next_attempt_at=clock.now() + timedelta(seconds=wait),
            error=str(exc)[:2000],
            lease_owner="",
            lease_expires_at=None,
        )
        run_error(batch.run_id, f"{type(exc).__name__}: {exc}", retried=True)
        return StepOutcome(StepAction.RETRY, next_in=wait, batch_id=batch.pk)
    except TikTokError as exc:
        # Refused as built: the rows go back to the queue and the JSON route sends them.
        logger.warning("catalog sync: file batch %s refused: %s", batch.pk, exc)
        with transaction.atomic():
            SyncBatch.objects.filter(pk=batch.pk).update(
                status=BatchStatus.FAILED, error=str(exc)[:2000], finished_at=clock.now()
            )
            SkuState.objects.filter(batch_id=batch.pk).update(batch=None)
        run_error(batch.run_id, f"{type(exc).__name__}: {exc}", retried=True)
        return StepOutcome(StepAction.FAILED, next_in=0, batch_id=batch.pk)
    now = clock.now()
    with transaction.atomic():
        batch_mark_sent(batch.pk, str(feed_log_id), now)
        # QUEUED and SENT share the PENDING bucket, so no counter moves: one set-based UPDATE.
        SkuState.objects.filter(batch_id=batch.pk).update(
            status=SyncStatus.SENT, feed_log_id=str(feed_log_id), sent_at=now, updated_at=now
        )
        run_add(batch.run_id, requests=1)
    return StepOutcome(StepAction.SENT, next_in=poll_seconds(), batch_id=batch.pk, sent=batch.size)
