"""A sent batch's feed log: followed until TikTok finishes it, then applied to the batch's rows.

Feed-log errors are mapped back to SKUs by index (TikTok lists at most 5 per issue, so unlisted ones are
found with product/get); only the failed SKUs are retried, and after `MAX_ITEM_ATTEMPTS` they are shown
as rejected with TikTok's words. A feed log TikTok does not know, or that never finishes, sends the
batch's SKUs again.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from integration.models import TikTokConnection
from integration.selectors import connection_is_active
from tiktok_api import AuthError, FeedLog, RetryableError, TikTokClient, TikTokError, WriteOutcomeUnknown

from .. import clock
from ..models import BatchStatus, RemoteOp, SkuState, SyncBatch, SyncStatus
from ..state import states_lock, states_update
from . import remote
from .outcome import StepAction, StepOutcome
from .runs import connection_auth_failed, connection_stopped, run_add, run_error
from .tunables import MAX_ITEM_ATTEMPTS, feed_log_give_up_seconds, poll_seconds, retry_wait


def feed_log_follow(conn: TikTokConnection, batch: SyncBatch, client: TikTokClient) -> StepOutcome:
    """Ask TikTok for the batch's feed log and act on it. COMPLETED means the batch is done and the
    send loop may go on to the next batch in the same step; any other outcome ends the step."""
    try:
        log = client.product_log(
            conn.access_token, bc_id=conn.bc_id, catalog_id=conn.catalog_id, feed_log_id=batch.feed_log_id
        )
    except AuthError as exc:
        return connection_auth_failed(conn.pk, exc)
    except (RetryableError, WriteOutcomeUnknown) as exc:
        log = None
        if not _feed_log_overdue(batch):
            return StepOutcome(StepAction.LOG_RETRY, next_in=retry_wait(1, getattr(exc, "retry_after", None)))
    except TikTokError as exc:
        # TikTok does not know this feed log (or refuses to show it): send the batch's SKUs again.
        _requeue_in_flight(conn.pk, batch, f"{type(exc).__name__}: {exc}")
        return StepOutcome(StepAction.REQUEUED, next_in=0, batch_id=batch.pk)
    if log is None or (log.in_progress and _feed_log_overdue(batch)):
        _requeue_in_flight(conn.pk, batch, "the feed log did not finish in time")
        return StepOutcome(StepAction.REQUEUED, next_in=0, batch_id=batch.pk)
    if log.in_progress:
        return StepOutcome(StepAction.WAITING, next_in=poll_seconds(), batch_id=batch.pk)
    try:
        return batch_complete(conn, batch, log)
    except AuthError as exc:
        return connection_auth_failed(conn.pk, exc)
    except RetryableError as exc:
        return StepOutcome(StepAction.LOG_RETRY, next_in=retry_wait(1, getattr(exc, "retry_after", None)))
    except TikTokError as exc:
        _requeue_in_flight(conn.pk, batch, f"{type(exc).__name__}: {exc}")
        return StepOutcome(StepAction.REQUEUED, next_in=0, batch_id=batch.pk)


def _feed_log_overdue(batch: SyncBatch) -> bool:
    return batch.sent_at is not None and clock.now() - batch.sent_at > timedelta(
        seconds=feed_log_give_up_seconds()
    )


def _requeue_in_flight(connection_id: int, batch: SyncBatch, reason: str) -> None:
    """A write whose outcome we will never learn: its SKUs go back to the queue (uploads are upserts and
    deleting an unknown SKU is harmless, so sending again is safe)."""
    with transaction.atomic():
        ids = list(SkuState.objects.filter(batch=batch).values_list("id", flat=True))
        if batch.kind == RemoteOp.UPLOAD:
            states_update(connection_id, ids, status=SyncStatus.QUEUED, batch=None, last_error=reason[:1000])
        else:
            states_update(connection_id, ids, batch=None, last_error=reason[:1000])
        SyncBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.FAILED, error=reason[:2000], finished_at=clock.now()
        )
        run_error(batch.run_id, reason, retried=True)


def _failed_skus(batch: SyncBatch, log: FeedLog) -> dict[int, tuple[str, str, str]]:
    """Feed-log errors mapped back to SKUs: by the 1-based index into what was sent, checked against the
    sku_id TikTok echoes when it does."""
    failed: dict[int, tuple[str, str, str]] = {}
    sent = batch.sku_ids
    for issue in log.errors:
        for item in issue.items:
            sku: int | None = None
            if 1 <= item.index <= len(sent):
                sku = sent[item.index - 1]
            if item.sku_id and (sku is None or str(sku) != item.sku_id):
                try:
                    candidate = int(item.sku_id)
                except ValueError:
                    candidate = None
                sku = candidate if candidate in set(sent) else sku
            if sku is not None:
                failed[sku] = (issue.field, issue.issue, issue.suggestion)
    return failed


def batch_complete(conn: TikTokConnection, batch: SyncBatch, log: FeedLog) -> StepOutcome:
    """Apply a finished feed log to the batch's rows: the accepted ones go to review (uploads) or leave
    TikTok's copy (deletes), the failed ones are retried or, after their last attempt, rejected."""
    failed = _failed_skus(batch, log)
    unexplained = batch.kind == RemoteOp.UPLOAD and log.error_count > len(failed)
    if unexplained and log.process_status != "FAILED":
        # TikTok lists at most 5 SKUs per issue: ask which of the batch it actually kept.
        client = remote.tiktok_client()
        present: set[str] = set()
        for start in range(0, len(batch.sku_ids), 1000):
            if not connection_is_active(conn.pk):
                return connection_stopped(conn.pk)
            page = client.product_get(
                conn.access_token,
                bc_id=conn.bc_id,
                catalog_id=conn.catalog_id,
                sku_ids=[str(s) for s in batch.sku_ids[start : start + 1000]],
                page_size=500,
            )
            present.update(p.sku_id for p in page.products)
        first = log.errors[0] if log.errors else None
        for s in batch.sku_ids:
            if str(s) not in present and s not in failed:
                failed[s] = (
                    (first.field, first.issue, first.suggestion) if first else ("", log.process_status, "")
                )
    elif log.process_status == "FAILED" and not failed:
        failed = {s: ("", "FAILED", "") for s in batch.sku_ids}
    now = clock.now()
    rows = list(SkuState.objects.filter(batch=batch).values("id", "sku_id", "attempts", "run_id"))
    ok_ids = [r["id"] for r in rows if r["sku_id"] not in failed]
    # Each row's outcome is counted in the run whose set it belongs to.
    ok_by_run = Counter(r["run_id"] or batch.run_id for r in rows if r["sku_id"] not in failed)
    with transaction.atomic():
        states_lock(conn.pk, [r["id"] for r in rows])
        if batch.kind == RemoteOp.UPLOAD:
            states_update(
                conn.pk,
                ok_ids,
                status=SyncStatus.IN_REVIEW,
                remote_present=True,
                op=RemoteOp.NONE,
                batch=None,
                attempts=0,
                last_error="",
                accepted_hash=F("sent_hash"),
                audit_status="processing",
                reject_reason="",
                reject_suggestion="",
                only_if={"batch": batch},
            )
            retry: dict[tuple[str, str, str], list[int]] = defaultdict(list)
            give_up: dict[tuple[str, str, str], list[int]] = defaultdict(list)
            for r in rows:
                if r["sku_id"] in failed:
                    target = give_up if r["attempts"] + 1 >= MAX_ITEM_ATTEMPTS else retry
                    target[failed[r["sku_id"]]].append(r["id"])
            for (field_name, issue, _sugg), ids in retry.items():
                states_update(
                    conn.pk,
                    ids,
                    status=SyncStatus.QUEUED,
                    op=RemoteOp.UPLOAD,
                    batch=None,
                    attempts=F("attempts") + 1,
                    last_error=f"{field_name}: {issue}"[:1000],
                    only_if={"batch": batch},
                )
            given_up: Counter[int | None] = Counter()
            run_of = {r["id"]: r["run_id"] or batch.run_id for r in rows}
            for (field_name, issue, suggestion), ids in give_up.items():
                given_up.update(run_of[i] for i in ids)
                states_update(
                    conn.pk,
                    ids,
                    status=SyncStatus.REJECTED,
                    op=RemoteOp.NONE,
                    batch=None,
                    attempts=F("attempts") + 1,
                    accepted_hash=F("sent_hash"),
                    reject_reason=(f"{field_name}: {issue}" if field_name else issue)[:2000],
                    reject_suggestion=suggestion[:2000],
                    last_error=issue[:1000],
                    only_if={"batch": batch},
                )
            for run_id in set(ok_by_run) | set(given_up):
                run_add(run_id, uploaded=ok_by_run[run_id], failed=given_up[run_id])
        else:
            states_update(
                conn.pk,
                ok_ids,
                remote_present=False,
                accepted_hash="",
                sent_hash="",
                op=RemoteOp.NONE,
                batch=None,
                audit_status="",
                only_if={"batch": batch},
            )
            retry_ids = [r["id"] for r in rows if r["sku_id"] in failed]
            states_update(
                conn.pk, retry_ids, batch=None, attempts=F("attempts") + 1, only_if={"batch": batch}
            )
            for run_id, deleted in ok_by_run.items():
                run_add(run_id, deleted=deleted)
        SyncBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.DONE if not failed else BatchStatus.FAILED,
            item_errors=len(failed),
            finished_at=now,
        )
        if failed:
            sample = next(iter(failed.values()))
            run_error(
                batch.run_id,
                _("%(n)s SKUs failed at TikTok: %(issue)s") % {"n": len(failed), "issue": sample[1]},
            )
    return StepOutcome(StepAction.COMPLETED, next_in=0, batch_id=batch.pk)
