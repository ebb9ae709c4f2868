"""The catalog sync engine: classify dirty SKUs, send them in batches, follow feed logs and reviews.

Everything here takes IDs, re-reads state, and changes it with compare-and-set updates, so a task that
runs twice (redelivery after a worker died) does no harm. Only one writer per catalog at a time: the
send step holds a lease named after the connection, and TikTok's one-write-per-catalog rule is kept by
never sending the next batch before the previous feed log has finished.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

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

from . import dirty
from .leases import (
    lease_held,
    lease_seconds,
    leases_reap,
    send_lease_name,
)
from .mapping import CatalogContext, context_for_connection, evaluate, load_facts
from .models import (
    BETWEEN_STATES,
    BatchStatus,
    Bucket,
    CatalogCounter,
    RemoteOp,
    RunStatus,
    SkuState,
    SyncBatch,
    SyncRun,
    SyncStatus,
    SyncTarget,
    Trigger,
)
from .state import COUNTED_BUCKETS, counters_apply, counters_ensure, states_lock, states_update

logger = logging.getLogger(__name__)


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def upload_batch_size() -> int:
    return min(5000, int(_setting("CATALOG_SYNC_UPLOAD_BATCH", 5000)))


def delete_batch_size() -> int:
    return min(1000, int(_setting("CATALOG_SYNC_DELETE_BATCH", 1000)))


MAX_ITEM_ATTEMPTS = 3
REVIEW_CHUNK = 1000


def sweep_chunk() -> int:
    return max(1, int(_setting("CATALOG_SYNC_SWEEP_CHUNK", 2000)))


def poll_seconds() -> float:
    return float(_setting("CATALOG_SYNC_POLL_SECONDS", 2))


def review_poll_seconds() -> float:
    return float(_setting("CATALOG_SYNC_REVIEW_POLL_SECONDS", 30))


def max_backoff_seconds() -> float:
    return float(_setting("CATALOG_SYNC_MAX_BACKOFF_SECONDS", 300))


# --- runs ----------------------------------------------------------------------------------------


def run_open(connection_id: int, trigger: str) -> SyncRun:
    """The connection's open run (running and not sealed), or a new one: a sweep adds the rows it
    classifies to it. A sealed run still finishing its rows does not take new ones."""
    existing = SyncRun.objects.filter(
        connection_id=connection_id, status=RunStatus.RUNNING, sealed_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return SyncRun.objects.create(
                connection_id=connection_id, trigger=trigger, started_at=timezone.now()
            )
    except IntegrityError:
        return SyncRun.objects.get(
            connection_id=connection_id, status=RunStatus.RUNNING, sealed_at__isnull=True
        )


def run_seal(run_id: int) -> bool:
    """The run's sweep has passed over every dirty row: its set of rows is closed."""
    return bool(
        SyncRun.objects.filter(pk=run_id, status=RunStatus.RUNNING, sealed_at__isnull=True).update(
            sealed_at=timezone.now()
        )
    )


def run_add(run_id: int | None, **counts: int) -> None:
    if run_id is None:
        return
    values = {k: F(k) + v for k, v in counts.items() if v}
    if values:
        SyncRun.objects.filter(pk=run_id).update(**values)


def run_error(run_id: int | None, message: str) -> None:
    if run_id is None:
        return
    with transaction.atomic():
        run = SyncRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None:
            return
        errors = list(run.errors or [])
        errors.append({"at": timezone.now().isoformat(timespec="seconds"), "message": message[:500]})
        run.errors = errors[-20:]
        run.save(update_fields=["errors"])


def run_rows_open(run_id: int) -> bool:
    """Is any row of this run's set still between states (to check, to send, or waiting for a feed log)?"""
    return SkuState.objects.filter(BETWEEN_STATES, run_id=run_id).exists()


def run_finish_if_idle(connection_id: int) -> SyncRun | None:
    """Complete each running run of the connection whose set is settled. An open run is sealed first,
    once no dirty row waits for a sweep (a sweep mid-chunk still shows its rows as dirty). Returns the
    newest run completed here."""
    finished: SyncRun | None = None
    runs = SyncRun.objects.filter(connection_id=connection_id, status=RunStatus.RUNNING).order_by("id")
    for run in runs:
        if run.sealed_at is None:
            if dirty_rows_waiting(connection_id) or not run_seal(run.pk):
                continue
        if run_rows_open(run.pk):
            continue
        status = RunStatus.SUCCEEDED if not run.failed and not run.errors else RunStatus.PARTIAL
        if SyncRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=status, finished_at=timezone.now()
        ):
            run.status = status
            finished = run
            if status != RunStatus.SUCCEEDED:
                runs_notify_if_failing(connection_id)
    return finished


def run_stop(connection_id: int, *, status: str = RunStatus.STOPPED, message: str = "") -> None:
    """Disconnected (or the token died): cancel what is queued and close the running runs."""
    now = timezone.now()
    batch_ids = list(
        SyncBatch.objects.filter(
            connection_id=connection_id, status__in=[BatchStatus.CLAIMED, BatchStatus.SENT]
        ).values_list("id", flat=True)
    )
    if batch_ids:
        SyncBatch.objects.filter(id__in=batch_ids).update(status=BatchStatus.CANCELLED, finished_at=now)
        SkuState.objects.filter(connection_id=connection_id, batch_id__in=batch_ids).update(batch=None)
    stopped = False
    for run in SyncRun.objects.filter(connection_id=connection_id, status=RunStatus.RUNNING):
        if message:
            run_error(run.pk, message)
        stopped |= bool(
            SyncRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(status=status, finished_at=now)
        )
    if stopped and status == RunStatus.FAILED:
        runs_notify_if_failing(connection_id)


def connection_stop_sync(connection_id: int) -> None:
    """For the disconnect service (optional: the workers also notice on their own before each request)."""
    run_stop(connection_id)


FAILING_RUNS_BEFORE_EMAIL = 3


def runs_notify_if_failing(connection_id: int) -> bool:
    """E-mail the store admins once when the last few runs all failed."""
    last = list(
        SyncRun.objects.filter(connection_id=connection_id)
        .exclude(status=RunStatus.RUNNING)
        .order_by("-started_at", "-id")[:FAILING_RUNS_BEFORE_EMAIL]
    )
    if len(last) < FAILING_RUNS_BEFORE_EMAIL:
        return False
    if any(r.status in (RunStatus.SUCCEEDED, RunStatus.STOPPED) for r in last) or any(
        r.notified for r in last
    ):
        return False
    newest = last[0]
    if not SyncRun.objects.filter(pk=newest.pk, notified=False).update(notified=True):
        return False
    from store.models import Membership, Role

    conn = TikTokConnection.objects.select_related("store").get(pk=connection_id)
    emails = sorted(
        {
            e
            for e in Membership.objects.filter(store_id=conn.store_id, role=Role.ADMIN).values_list(
                "user__email", flat=True
            )
            if e
        }
    )
    if not emails:
        return False
    errors = "\n".join(f"- {e.get('message', '')}" for r in last for e in (r.errors or [])[-2:])
    from django.utils import translation

    # In the store's language: the e-mail goes to its admins, not to whoever's request triggered it.
    with translation.override(conn.store.locale or settings.LANGUAGE_CODE):
        subject = _("TikTok catalog sync keeps failing for %(store)s") % {"store": conn.store.name}
        body = _(
            "The last %(n)s catalog syncs with TikTok did not finish cleanly. Open Marketplace > TikTok in "
            "the admin to see the sync history and the products that need attention.\n\n%(errors)s"
        ) % {"n": len(last), "errors": errors}
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, emails)
    return True


# --- classification (the sweep) -------------------------------------------------------------------


@dataclass
class SweepResult:
    checked: int = 0
    queued: int = 0
    unchanged: int = 0
    invalid: int = 0
    excluded: int = 0
    more: bool = False


UNCHANGED_OK = {SyncStatus.AVAILABLE, SyncStatus.IN_REVIEW, SyncStatus.REJECTED, SyncStatus.SENT}


def _dirty_chunk(connection_id: int, after_id: int, limit: int) -> list[dict[str, Any]]:
    """Lock the next dirty rows (skipping rows another transaction holds). Must run inside the transaction
    that classifies them: claim and classification commit together or not at all, so a worker that dies
    in between leaves the rows dirty for the next sweep. An edit committed meanwhile waits for the row lock
    and marks the row dirty again after this transaction commits, so no change slips through."""
    return list(
        SkuState.objects.filter(connection_id=connection_id, dirty=True, batch__isnull=True, id__gt=after_id)
        .order_by("id")
        .select_for_update(skip_locked=True)
        .values("id", "sku_id", "product_id", "status", "remote_present", "accepted_hash")[:limit]
    )


def sweep_chunk_classify(
    connection_id: int,
    ctx: CatalogContext,
    *,
    trigger: str = Trigger.CHANGE,
    after_id: int = 0,
    limit: int | None = None,
) -> tuple[SweepResult, int, int | None]:
    """Claim the next chunk of dirty rows and classify them, in one transaction; the rows join the open
    run's set (opened here, in the same transaction, if there is none). Returns the result, the last id
    claimed (0: nothing was dirty) and the run."""
    with transaction.atomic():
        rows = _dirty_chunk(connection_id, after_id, limit or sweep_chunk())
        if not rows:
            return SweepResult(), 0, None
        run = run_open(connection_id, trigger)
        return classify_rows(connection_id, ctx, rows, run.pk), rows[-1]["id"], run.pk


def classify_rows(
    connection_id: int, ctx: CatalogContext, rows: list[dict[str, Any]], run_id: int | None
) -> SweepResult:
    """Decide each locked row's next state from the store's current data, clear its dirty flag and put it
    in the run's set. The caller's transaction holds the rows' locks."""
    result = SweepResult(checked=len(rows))
    loaded = load_facts(ctx, [r["sku_id"] for r in rows])
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    problems_by_id: dict[int, list[dict[str, Any]]] = {}
    product_ids: dict[int, int | None] = {}
    for row in rows:
        ev = evaluate(ctx, loaded[row["sku_id"]])
        product_ids[row["id"]] = ev.product_id
        if ev.ineligible:
            op = RemoteOp.DELETE if row["remote_present"] else RemoteOp.NONE
            problems_by_id[row["id"]] = [{"field": "eligibility", "code": ev.ineligible, "params": {}}]
            groups[(SyncStatus.EXCLUDED, op)].append(row["id"])
            result.excluded += 1
        elif ev.problems:
            op = RemoteOp.DELETE if row["remote_present"] else RemoteOp.NONE
            problems_by_id[row["id"]] = [p.as_json() for p in ev.problems]
            groups[(SyncStatus.NEEDS_DETAILS, op)].append(row["id"])
            result.invalid += 1
        elif row["accepted_hash"] and ev.hash == row["accepted_hash"] and row["status"] in UNCHANGED_OK:
            groups[(None, RemoteOp.NONE)].append(row["id"])
            result.unchanged += 1
        else:
            groups[(SyncStatus.QUEUED, RemoteOp.UPLOAD)].append(row["id"])
            result.queued += 1
    claimed = {"dirty": False, "run_id": run_id}
    with transaction.atomic():
        states_lock(connection_id, [i for ids in groups.values() for i in ids])
        for (status, op), ids in groups.items():
            if status is None:
                states_update(connection_id, ids, op=op, only_if={"batch__isnull": True}, **claimed)
            elif status in (SyncStatus.EXCLUDED, SyncStatus.NEEDS_DETAILS):
                # Problems differ per SKU: set the status for the group, then the details row by row.
                states_update(
                    connection_id,
                    ids,
                    status=status,
                    op=op,
                    audit_status="",
                    reject_reason="",
                    reject_suggestion="",
                    only_if={"batch__isnull": True},
                    **claimed,
                )
                objs = [SkuState(id=i, problems=problems_by_id[i], product_id=product_ids[i]) for i in ids]
                SkuState.objects.bulk_update(objs, ["problems", "product_id"], batch_size=1000)
            else:
                states_update(
                    connection_id,
                    ids,
                    status=status,
                    op=op,
                    problems=[],
                    only_if={"batch__isnull": True},
                    **claimed,
                )
        run_add(
            run_id,
            checked=result.checked,
            unchanged=result.unchanged,
            invalid=result.invalid,
            excluded=result.excluded,
        )
    return result


def trade_policy_follow(connection_id: int, store_id: int) -> bool:
    """If the setup's trade policy changed since the catalog was built, mark every SKU dirty (prices and
    eligibility come from it). Compare-and-set, so two sweepers mark once."""
    from integration.models import TikTokSetup

    current = TikTokSetup.objects.filter(store_id=store_id).values_list("trade_policy_id", flat=True).first()
    target, created = SyncTarget.objects.get_or_create(
        connection_id=connection_id, defaults={"trade_policy_id": current}
    )
    if created or target.trade_policy_id == current:
        return False
    with transaction.atomic():
        moved = SyncTarget.objects.filter(
            connection_id=connection_id, trade_policy_id=target.trade_policy_id
        ).update(trade_policy_id=current)
        if moved:
            dirty.connection_mark_all_dirty(connection_id, store_id)
    return bool(moved)


def connection_sweep(
    connection_id: int,
    *,
    trigger: str = Trigger.CHANGE,
    max_rows: int | None = None,
    on_progress: Callable[[int], None] | None = None,
    on_first_chunk: Callable[[], None] | None = None,
) -> SweepResult:
    """Classify the connection's dirty SKUs (no TikTok call), one chunk per transaction. Stops after
    `max_rows` so one task stays short; `more` says whether dirty rows remain. A pass that reaches the
    end seals the run: edits that arrive from then on belong to the next run."""
    total = SweepResult()
    conn = TikTokConnection.objects.select_related("store").filter(pk=connection_id).first()
    if conn is None or not conn.is_active:
        return total
    trade_policy_follow(connection_id, conn.store_id)
    if not dirty_rows_waiting(connection_id):
        return total  # the common case for beat: one indexed probe, nothing else
    ctx = context_for_connection(conn)
    counters_ensure(connection_id)
    run_id: int | None = None
    after = 0
    while True:
        limit = sweep_chunk() if max_rows is None else min(sweep_chunk(), max_rows - total.checked)
        if limit <= 0:
            total.more = dirty_rows_waiting(connection_id)
            break
        part, last_id, chunk_run = sweep_chunk_classify(
            connection_id, ctx, trigger=trigger, after_id=after, limit=limit
        )
        if not last_id:
            break
        after, run_id = last_id, chunk_run
        for name in ("checked", "queued", "unchanged", "invalid", "excluded"):
            setattr(total, name, getattr(total, name) + getattr(part, name))
        if on_progress is not None:
            on_progress(total.checked)
        if on_first_chunk is not None and part.queued:
            on_first_chunk()
            on_first_chunk = None
    if run_id is not None and not total.more:
        run_seal(run_id)
    return total


# --- sending -------------------------------------------------------------------------------------


@dataclass
class StepOutcome:
    """What the send step did, and when to run it again (None: nothing left to do)."""

    action: str
    next_in: float | None = None
    batch_id: int | None = None
    sent: int = 0


def _client() -> Any:
    from tiktok_admin.tiktok import client

    return client()


def _backoff(attempts: int, hint: float | None = None) -> float:
    base = min(max_backoff_seconds(), 2.0 ** min(attempts, 10))
    wait = base / 2 + random.uniform(0, base / 2)  # noqa: S311 - jitter
    if hint:
        wait = max(wait, hint)
    return min(wait, max_backoff_seconds())


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
                lease_expires_at=timezone.now() + timedelta(seconds=lease_seconds()),
            )
            SkuState.objects.filter(id__in=[i for i, _s, _r in rows]).update(batch=batch)
            return batch
    return None


def _batch_release(batch: SyncBatch, status: str, error: str = "") -> None:
    SyncBatch.objects.filter(pk=batch.pk).update(
        status=status, error=error[:2000], finished_at=timezone.now()
    )
    SkuState.objects.filter(batch=batch).update(batch=None)


def _retry_later(batch: SyncBatch, exc: TikTokError) -> float:
    hint = getattr(exc, "retry_after", None)
    attempts = batch.attempts + 1
    wait = _backoff(attempts, hint)
    SyncBatch.objects.filter(pk=batch.pk).update(
        attempts=attempts,
        next_attempt_at=timezone.now() + timedelta(seconds=wait),
        error=str(exc)[:2000],
        lease_owner="",
        lease_expires_at=None,
    )
    run_error(batch.run_id, f"{type(exc).__name__}: {exc}")
    return wait


def _auth_failed(connection_id: int, exc: AuthError) -> StepOutcome:
    from integration.services import connection_auto_disconnect

    logger.warning("catalog sync: auth error, disconnecting connection=%s code=%s", connection_id, exc.code)
    run_stop(connection_id, status=RunStatus.FAILED, message=f"{type(exc).__name__}: {exc}")
    connection_auto_disconnect(connection_id, error=exc)
    return StepOutcome("auth_failed")


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
    client = _client()
    if batch.kind == RemoteOp.DELETE:
        sku_ids = [str(s) for s in batch.sku_ids]
        hashes: list[str] = []
        if not connection_is_active(conn.pk):
            return _stopped(conn.pk)
        feed_log_id = client.product_delete(
            conn.access_token, bc_id=conn.bc_id, catalog_id=conn.catalog_id, sku_ids=sku_ids
        )
    else:
        products, kept, hashes = _prepare_upload(ctx, batch)
        if not products:
            _batch_release(batch, BatchStatus.CANCELLED)
            return StepOutcome("empty", next_in=0, batch_id=batch.pk)
        if kept != batch.sku_ids:
            SyncBatch.objects.filter(pk=batch.pk).update(sku_ids=kept, size=len(kept))
            batch.sku_ids = kept
        if not connection_is_active(conn.pk):
            return _stopped(conn.pk)
        feed_log_id = client.product_upload(
            conn.access_token, bc_id=conn.bc_id, catalog_id=conn.catalog_id, products=products
        )
    now = timezone.now()
    with transaction.atomic():
        SyncBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.SENT,
            feed_log_id=str(feed_log_id),
            sent_at=now,
            lease_owner="",
            lease_expires_at=None,
            error="",
        )
        ids = list(SkuState.objects.filter(batch=batch).values_list("id", flat=True))
        if batch.kind == RemoteOp.UPLOAD:
            states_update(conn.pk, ids, status=SyncStatus.SENT, feed_log_id=str(feed_log_id), sent_at=now)
            by_sku = dict(zip(batch.sku_ids, hashes, strict=True))
            _set_sent_hashes(
                [
                    (i, by_sku.get(s, ""))
                    for i, s in SkuState.objects.filter(batch=batch).values_list("id", "sku_id")
                ]
            )
        else:
            states_update(conn.pk, ids, feed_log_id=str(feed_log_id), sent_at=now)
        run_add(batch.run_id, requests=1)
    return StepOutcome("sent", next_in=poll_seconds(), batch_id=batch.pk, sent=len(batch.sku_ids))


def _set_sent_hashes(pairs: list[tuple[int, str]]) -> None:
    """One UPDATE ... FROM (VALUES ...) per 1,000 rows (bulk_update's CASE per row is far slower)."""
    from django.db import connection as db

    table = SkuState._meta.db_table
    for start in range(0, len(pairs), 1000):
        chunk = pairs[start : start + 1000]
        params: list[Any] = [v for pair in chunk for v in pair]
        rows = ", ".join(["(%s, %s)"] * len(chunk))
        if db.vendor == "postgresql":
            sql = (
                f"UPDATE {table} AS t SET sent_hash = v.h FROM (VALUES {rows}) AS v(id, h) "  # noqa: S608
                "WHERE t.id = v.id::bigint"
            )
        else:
            sql = (
                f"UPDATE {table} SET sent_hash = v.column2 FROM (VALUES {rows}) AS v "  # noqa: S608
                f"WHERE {table}.id = v.column1"
            )
        with db.cursor() as cursor:
            cursor.execute(sql, params)


def _stopped(connection_id: int) -> StepOutcome:
    run_stop(connection_id)
    return StepOutcome("stopped")


def _failed_skus(batch: SyncBatch, log: Any) -> dict[int, tuple[str, str, str]]:
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


def _complete(conn: TikTokConnection, batch: SyncBatch, log: Any) -> StepOutcome:
    failed = _failed_skus(batch, log)
    unexplained = batch.kind == RemoteOp.UPLOAD and log.error_count > len(failed)
    if unexplained and log.process_status != "FAILED":
        # TikTok lists at most 5 SKUs per issue: ask which of the batch it actually kept.
        client = _client()
        present: set[str] = set()
        for start in range(0, len(batch.sku_ids), 1000):
            if not connection_is_active(conn.pk):
                return _stopped(conn.pk)
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
    now = timezone.now()
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
    return StepOutcome("completed", next_in=0, batch_id=batch.pk)


def feed_log_give_up_seconds() -> float:
    return float(_setting("CATALOG_SYNC_FEED_LOG_GIVE_UP_SECONDS", 1800))


def _feed_log_overdue(batch: SyncBatch) -> bool:
    return batch.sent_at is not None and timezone.now() - batch.sent_at > timedelta(
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
            status=BatchStatus.FAILED, error=reason[:2000], finished_at=timezone.now()
        )
        run_error(batch.run_id, reason)


def connection_send_step(connection_id: int, *, owner: str | None = None) -> StepOutcome:
    """One step of the per-catalog send loop: finish the batch in flight if its feed log is done, else
    send the next batch. Returns when to call again."""
    owner = owner or uuid.uuid4().hex
    with lease_held(send_lease_name(connection_id), owner) as mine:
        if not mine:
            return StepOutcome("busy")
        return _send_step(connection_id, owner)


def _send_step(connection_id: int, owner: str) -> StepOutcome:
    conn = TikTokConnection.objects.select_related("store").filter(pk=connection_id).first()
    if conn is None or not conn.is_active:
        if conn is not None:
            run_stop(connection_id)
        return StepOutcome("stopped")
    client = _client()
    in_flight = (
        SyncBatch.objects.filter(connection_id=connection_id, status=BatchStatus.SENT).order_by("id").first()
    )
    if in_flight is not None:
        try:
            log = client.product_log(
                conn.access_token,
                bc_id=conn.bc_id,
                catalog_id=conn.catalog_id,
                feed_log_id=in_flight.feed_log_id,
            )
        except AuthError as exc:
            return _auth_failed(connection_id, exc)
        except (RetryableError, WriteOutcomeUnknown) as exc:
            log = None
            if not _feed_log_overdue(in_flight):
                return StepOutcome("log_retry", next_in=_backoff(1, getattr(exc, "retry_after", None)))
        except TikTokError as exc:
            # TikTok does not know this feed log (or refuses to show it): send the batch's SKUs again.
            _requeue_in_flight(conn.pk, in_flight, f"{type(exc).__name__}: {exc}")
            return StepOutcome("requeued", next_in=0, batch_id=in_flight.pk)
        if log is None or (log.in_progress and _feed_log_overdue(in_flight)):
            _requeue_in_flight(conn.pk, in_flight, "the feed log did not finish in time")
            return StepOutcome("requeued", next_in=0, batch_id=in_flight.pk)
        if log.in_progress:
            return StepOutcome("waiting", next_in=poll_seconds(), batch_id=in_flight.pk)
        try:
            outcome = _complete(conn, in_flight, log)
        except AuthError as exc:
            return _auth_failed(connection_id, exc)
        except RetryableError as exc:
            return StepOutcome("log_retry", next_in=_backoff(1, getattr(exc, "retry_after", None)))
        except TikTokError as exc:
            _requeue_in_flight(conn.pk, in_flight, f"{type(exc).__name__}: {exc}")
            return StepOutcome("requeued", next_in=0, batch_id=in_flight.pk)
        if outcome.action == "stopped":
            return outcome
    now = timezone.now()
    # A batch claimed but never sent: ours (this task was redelivered) or a dead worker's (lease expired).
    batch = (
        SyncBatch.objects.filter(connection_id=connection_id, status=BatchStatus.CLAIMED)
        .filter(Q(lease_owner=owner) | Q(lease_owner="") | Q(lease_expires_at__lte=now))
        .order_by("id")
        .first()
    )
    if batch is not None and batch.next_attempt_at is not None and batch.next_attempt_at > now:
        return StepOutcome(
            "backoff", next_in=(batch.next_attempt_at - now).total_seconds(), batch_id=batch.pk
        )
    if batch is None:
        if SyncBatch.objects.filter(connection_id=connection_id, status=BatchStatus.CLAIMED).exists():
            return StepOutcome("claimed_elsewhere", next_in=lease_seconds())
        run = SyncRun.objects.filter(connection_id=connection_id, status=RunStatus.RUNNING).first()
        if (
            run is None
            and SkuState.objects.filter(connection_id=connection_id, batch__isnull=True)
            .exclude(op="")
            .exists()
        ):
            run = run_open(connection_id, Trigger.CHANGE)
        batch = _claim_batch(connection_id, owner, run.pk if run else None)
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
                return StepOutcome("idle_review")
            return StepOutcome("idle")
    else:
        SyncBatch.objects.filter(pk=batch.pk).update(
            lease_owner=owner, lease_expires_at=now + timedelta(seconds=lease_seconds())
        )
    ctx = context_for_connection(conn)
    try:
        return _send(conn, batch, ctx)
    except AuthError as exc:
        return _auth_failed(connection_id, exc)
    except (ThrottledError, CatalogBusyError, RetryableError, WriteOutcomeUnknown) as exc:
        return StepOutcome("retry", next_in=_retry_later(batch, exc), batch_id=batch.pk)
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
        return StepOutcome("failed", next_in=_backoff(1), batch_id=batch.pk)


# --- review status --------------------------------------------------------------------------------


def _apply_review(
    connection_id: int, products: Iterable[Any], asked: dict[str, int]
) -> tuple[int, list[int]]:
    """Apply product/get results, grouped so 1,000 SKUs cost a handful of statements. Returns
    (rows changed, ids TikTok did not return)."""
    now = timezone.now()
    seen: set[str] = set()
    groups: dict[tuple[str, str, str, str, str], list[int]] = defaultdict(list)
    for p in products:
        row_id = asked.get(p.sku_id)
        if row_id is None:
            continue
        seen.add(p.sku_id)
        audit = (p.audit_status or "").lower()
        image = (p.image_status or "").upper()
        if audit == "approved":
            groups[(SyncStatus.AVAILABLE, audit, image, "", "")].append(row_id)
        elif audit == "rejected":
            info = p.rejected_info[0] if p.rejected_info else None
            reason = (info.reason if info else "")[:2000]
            suggestion = (info.suggestion if info else "")[:2000]
            groups[(SyncStatus.REJECTED, audit, image, reason, suggestion)].append(row_id)
        elif image == "FILTERED":
            groups[(SyncStatus.NEEDS_DETAILS, audit, image, "", "")].append(row_id)
        else:
            groups[("", audit, image, "", "")].append(row_id)
    changed = 0
    with transaction.atomic():
        states_lock(connection_id, [i for ids in groups.values() for i in ids])
        for (status, audit, image, reason, suggestion), ids in groups.items():
            common: dict[str, Any] = {"audit_status": audit, "image_status": image, "reviewed_at": now}
            if status == SyncStatus.REJECTED:
                common.update(reject_reason=reason, reject_suggestion=suggestion)
            if status == SyncStatus.NEEDS_DETAILS:
                common["problems"] = [{"field": "image", "code": "image_filtered", "params": {}}]
            if status:
                # Only rows still in review move (a newer edit may have re-queued one meanwhile).
                changed += states_update(
                    connection_id,
                    ids,
                    status=status,
                    only_if={
                        "batch__isnull": True,
                        "status__in": [SyncStatus.IN_REVIEW, SyncStatus.AVAILABLE],
                    },
                    **common,
                )
            else:
                states_update(connection_id, ids, only_if={"batch__isnull": True}, **common)
    missing = [row_id for sku, row_id in asked.items() if sku not in seen]
    return changed, missing


def connection_poll_review(
    connection_id: int, *, statuses: Iterable[str] = (SyncStatus.IN_REVIEW,)
) -> dict[str, int]:
    """Ask TikTok for the review status of SKUs still in review (≤1,000 per call)."""
    conn = TikTokConnection.objects.filter(pk=connection_id).first()
    result = {"asked": 0, "changed": 0, "missing": 0, "left": 0}
    if conn is None or not conn.is_active:
        return result
    client = _client()
    after = 0
    while True:
        rows = list(
            SkuState.objects.filter(
                connection_id=connection_id, status__in=list(statuses), batch__isnull=True, id__gt=after
            )
            .order_by("id")
            .values_list("id", "sku_id")[:REVIEW_CHUNK]
        )
        if not rows:
            break
        after = rows[-1][0]
        if not connection_is_active(connection_id):
            run_stop(connection_id)
            break
        asked = {str(s): i for i, s in rows}
        try:
            page = client.product_get(
                conn.access_token,
                bc_id=conn.bc_id,
                catalog_id=conn.catalog_id,
                sku_ids=list(asked),
                page_size=500,
            )
            products = list(page.products)
            if len(asked) > 500 and page.page_info.total_page > 1:
                for number in range(2, page.page_info.total_page + 1):
                    more = client.product_get(
                        conn.access_token,
                        bc_id=conn.bc_id,
                        catalog_id=conn.catalog_id,
                        sku_ids=list(asked),
                        page=number,
                        page_size=500,
                    )
                    products.extend(more.products)
        except AuthError as exc:
            _auth_failed(connection_id, exc)
            break
        except RetryableError:
            break
        changed, missing = _apply_review(connection_id, products, asked)
        result["asked"] += len(asked)
        result["changed"] += changed
        if missing:
            # TikTok's feed log said SUCCESS but the product is not there: send it again.
            result["missing"] += len(missing)
            states_update(
                connection_id,
                missing,
                status=SyncStatus.QUEUED,
                accepted_hash="",
                dirty=True,
                # Out of the finished run's set: the next sweep puts it in the run that sends it again.
                run_id=None,
                only_if={"batch__isnull": True},
            )
            dirty.sweep_dispatch_on_commit(connection_id)
    result["left"] = SkuState.objects.filter(connection_id=connection_id, status=SyncStatus.IN_REVIEW).count()
    return result


# --- reconciliation -------------------------------------------------------------------------------


def counters_recount(connection_id: int) -> dict[int, int]:
    """Rebuild the counters from the rows (nightly; a safety net, never on a page render)."""
    with transaction.atomic():
        counters_ensure(connection_id)
        list(CatalogCounter.objects.select_for_update().filter(connection_id=connection_id))
        actual = dict(
            SkuState.objects.filter(connection_id=connection_id)
            .values_list("bucket")
            .annotate(n=Count("id"))
            .values_list("bucket", "n")
        )
        for bucket in COUNTED_BUCKETS:
            CatalogCounter.objects.filter(connection_id=connection_id, bucket=bucket).update(
                value=actual.get(bucket, 0)
            )
    return actual


def connection_reconcile(connection_id: int) -> dict[str, Any]:
    """Nightly: cross-check with TikTok's copy. SKUs we believe are there but TikTok lacks are sent
    again; review states are refreshed; totals are compared with TikTok's overview."""
    conn = TikTokConnection.objects.filter(pk=connection_id).first()
    report: dict[str, Any] = {"checked": 0, "missing": 0}
    if conn is None or not conn.is_active:
        return report
    run = run_open(connection_id, Trigger.RECONCILE)
    report["recovered"] = states_recover(connection_id)
    counters_recount(connection_id)
    client = _client()
    after = 0
    try:
        while True:
            rows = list(
                SkuState.objects.filter(
                    connection_id=connection_id, remote_present=True, batch__isnull=True, id__gt=after
                )
                .order_by("id")
                .values_list("id", "sku_id")[:REVIEW_CHUNK]
            )
            if not rows:
                break
            after = rows[-1][0]
            if not connection_is_active(connection_id):
                run_stop(connection_id)
                return report
            asked = {str(s): i for i, s in rows}
            products: list[Any] = []
            number = 1
            while True:
                page = client.product_get(
                    conn.access_token,
                    bc_id=conn.bc_id,
                    catalog_id=conn.catalog_id,
                    sku_ids=list(asked),
                    page=number,
                    page_size=500,
                )
                products.extend(page.products)
                if number >= max(1, page.page_info.total_page):
                    break
                number += 1
            run_add(run.pk, requests=number)
            _changed, missing = _apply_review(connection_id, products, asked)
            report["checked"] += len(asked)
            if missing:
                report["missing"] += len(missing)
                states_update(
                    connection_id,
                    missing,
                    status=SyncStatus.QUEUED,
                    accepted_hash="",
                    remote_present=False,
                    dirty=True,
                    run_id=None,
                    only_if={"batch__isnull": True},
                )
        overview = client.catalog_overview(conn.access_token, bc_id=conn.bc_id, catalog_id=conn.catalog_id)
        run_add(run.pk, requests=1)
        local = dict(
            CatalogCounter.objects.filter(connection_id=connection_id).values_list("bucket", "value")
        )
        report["tiktok_approved"] = overview.approved
        report["local_available"] = local.get(Bucket.AVAILABLE, 0)
        if overview.approved != report["local_available"]:
            run_error(
                run.pk,
                _("TikTok reports %(tiktok)s approved products; this store counts %(local)s available.")
                % {"tiktok": overview.approved, "local": report["local_available"]},
            )
    except AuthError as exc:
        _auth_failed(connection_id, exc)
        return report
    except RetryableError as exc:
        run_error(run.pk, f"{type(exc).__name__}: {exc}")
    if report["missing"]:
        dirty.sweep_dispatch_on_commit(connection_id, Trigger.RECONCILE)
    run_finish_if_idle(connection_id)
    return report


# --- entry points other packages and the page call -------------------------------------------------


def connection_start_full_sync(
    connection_id: int, *, trigger: str = Trigger.CONNECT, force: bool = False
) -> None:
    """Called by the integration right after connecting: every SKU of the store is checked and the
    eligible ones sent. The heavy part runs in a worker after the caller's transaction commits."""

    def go() -> None:
        from . import tasks

        tasks.nudge(tasks.full_sync, (connection_id, trigger, force))

    transaction.on_commit(go)


def connection_full_sync_prepare(
    connection_id: int, *, trigger: str = Trigger.CONNECT, force: bool = False
) -> int:
    """Create state rows for every SKU and mark them all dirty (two set-based statements)."""
    conn = TikTokConnection.objects.filter(pk=connection_id).first()
    if conn is None or not conn.is_active:
        return 0
    counters_ensure(connection_id)
    run_open(connection_id, trigger)
    with transaction.atomic():
        return dirty.connection_mark_all_dirty(connection_id, conn.store_id, force=force)


class SyncRateLimited(Exception):
    def __init__(self, wait_seconds: int) -> None:
        super().__init__(f"wait {wait_seconds}s")
        self.wait_seconds = wait_seconds


def sync_now_interval() -> int:
    return int(_setting("CATALOG_SYNC_NOW_INTERVAL_SECONDS", 60))


def connection_request_sync(connection_id: int, *, actor: Any = None) -> None:
    """*Sync now*: check every SKU again (unchanged ones are still not re-sent). At most once a minute."""
    conn = TikTokConnection.objects.get(pk=connection_id)
    key = f"catalog-sync-now:{connection_id}"
    interval = sync_now_interval()
    now = timezone.now().timestamp()
    if not cache.add(key, now, timeout=interval):
        started = float(cache.get(key) or now)
        raise SyncRateLimited(max(1, int(interval - (now - started))))
    from integration.models import AuditAction
    from integration.services import audit_record

    audit_record(conn.store_id, AuditAction.SYNC_REQUESTED, actor=actor, detail={"connection": connection_id})
    connection_start_full_sync(connection_id, trigger=Trigger.MANUAL)


@dataclass(frozen=True)
class ResyncResult:
    found: bool
    # What still keeps the SKU from being sent (stored problems: field, code, params); empty: it goes.
    blockers: list[dict[str, Any]]
    # The SKU must not be on TikTok at all (deleted, inactive, excluded, no price): not a detail to fix.
    ineligible: bool = False


def sku_resync(connection_id: int, sku_id: int) -> ResyncResult:
    """Per-SKU *Resync*: forget what TikTok accepted and send this SKU again.

    The SKU is evaluated now, against the store's current data, so the merchant is told the truth: a SKU that
    still fails validation (or is excluded, inactive...) is not sent, and the answer says why."""
    row = (
        SkuState.objects.filter(connection_id=connection_id, sku_id=sku_id)
        .select_related("connection")
        .first()
    )
    if row is None:
        return ResyncResult(found=False, blockers=[])
    states_update(connection_id, [row.pk], accepted_hash="", dirty=True, attempts=0)
    dirty.sweep_dispatch_on_commit(connection_id, Trigger.RESYNC)
    ctx = context_for_connection(row.connection)
    ev = evaluate(ctx, load_facts(ctx, [sku_id])[sku_id])
    if ev.ineligible:
        return ResyncResult(
            found=True, blockers=[{"field": "", "code": ev.ineligible, "params": {}}], ineligible=True
        )
    return ResyncResult(found=True, blockers=[problem.as_json() for problem in ev.problems])


def retention_days() -> int:
    return int(_setting("CATALOG_SYNC_RETENTION_DAYS", 30))


def prune(*, now: Any = None) -> dict[str, int]:
    """Old runs, finished batches, tombstones, and the state of long-disconnected connections."""
    from .models import SkuTombstone

    now = now or timezone.now()
    cutoff = now - timedelta(days=retention_days())
    out = {}
    out["runs"] = SyncRun.objects.filter(finished_at__lt=cutoff).exclude(status=RunStatus.RUNNING).delete()[0]
    out["batches"] = SyncBatch.objects.filter(
        created_at__lt=cutoff, status__in=[BatchStatus.DONE, BatchStatus.FAILED, BatchStatus.CANCELLED]
    ).delete()[0]
    out["tombstones"] = SkuTombstone.objects.filter(deleted_at__lt=cutoff).delete()[0]
    from django.db.models import Exists, OuterRef

    from store.models import Sku

    # State rows of SKUs deleted long ago whose removal TikTok already knows (nothing counted, nothing owed).
    gone = SkuState.objects.filter(
        status=SyncStatus.EXCLUDED, remote_present=False, op="", batch__isnull=True, updated_at__lt=cutoff
    ).filter(~Exists(Sku.objects.filter(pk=OuterRef("sku_id"))))
    out["deleted_skus"] = 0
    while True:
        ids = list(gone.values_list("id", flat=True)[:5000])
        if not ids:
            break
        out["deleted_skus"] += SkuState.objects.filter(id__in=ids).delete()[0]
    old = list(
        TikTokConnection.objects.exclude(status="connected")
        .filter(disconnected_at__lt=cutoff)
        .values_list("id", flat=True)
    )
    states = 0
    for cid in old:
        while True:
            ids = list(SkuState.objects.filter(connection_id=cid).values_list("id", flat=True)[:5000])
            if not ids:
                break
            states += SkuState.objects.filter(id__in=ids).delete()[0]
        CatalogCounter.objects.filter(connection_id=cid).delete()
    out["states"] = states
    return out


@dataclass
class Reaped:
    """What the reaper freed, by connection, so each one's work can be started again."""

    batches: int = 0
    leases: int = 0
    send: set[int] = field(default_factory=set)
    sweep: set[int] = field(default_factory=set)
    review: set[int] = field(default_factory=set)
    reconcile: set[int] = field(default_factory=set)

    def as_dict(self) -> dict[str, int]:
        return {"batches": self.batches, "leases": self.leases, "connections": len(self.send)}


def reap(*, now: Any = None) -> Reaped:
    """Free what dead workers held: expired batch claims go back to their connection's send loop,
    expired leases are dropped. A live holder's heartbeat keeps both from expiring."""
    now = now or timezone.now()
    expired = list(
        SyncBatch.objects.filter(status=BatchStatus.CLAIMED, lease_expires_at__lte=now).values_list(
            "id", "connection_id"
        )
    )
    SyncBatch.objects.filter(id__in=[b for b, _c in expired], lease_expires_at__lte=now).update(
        lease_owner="", lease_expires_at=None
    )
    out = Reaped(batches=len(expired), send={c for _b, c in expired})
    names = leases_reap(now)
    out.leases = len(names)
    kinds = {"send": out.send, "sweep": out.sweep, "review": out.review, "reconcile": out.reconcile}
    for name in names:
        kind, _sep, cid = name.removeprefix("catalog-").partition(":")
        if kind in kinds and cid.isdigit():
            kinds[kind].add(int(cid))
    return out


def states_recover(connection_id: int) -> int:
    """Find rows left between states with nothing that will move them (no dirty flag, no queued op, no
    live batch) and mark them dirty so the next sweep decides again. The claim-and-classify transaction
    leaves none of these behind; this is the nightly safety net for anything else that could."""
    stranded = list(
        SkuState.objects.filter(
            connection_id=connection_id,
            status__in=[SyncStatus.NEW, SyncStatus.QUEUED, SyncStatus.SENT],
            dirty=False,
            batch__isnull=True,
            op=RemoteOp.NONE,
        ).values_list("id", flat=True)
    )
    orphaned = list(
        SkuState.objects.filter(connection_id=connection_id, batch__isnull=False)
        .exclude(batch__status__in=[BatchStatus.CLAIMED, BatchStatus.SENT])
        .values_list("id", flat=True)
    )
    with transaction.atomic():
        states_lock(connection_id, stranded + orphaned)
        # Forgetting the accepted hash makes the sweep queue the row rather than call it unchanged.
        moved = states_update(
            connection_id,
            stranded,
            accepted_hash="",
            dirty=True,
            run_id=None,
            only_if={"batch__isnull": True},
        )
        moved += states_update(
            connection_id,
            orphaned,
            batch=None,
            accepted_hash="",
            dirty=True,
            run_id=None,
            only_if={"batch__isnull": False},
        )
    if moved:
        logger.warning("catalog sync: %s stranded rows marked dirty connection=%s", moved, connection_id)
        dirty.sweep_dispatch_on_commit(connection_id, Trigger.RECONCILE)
    return moved


def dirty_rows_waiting(connection_id: int) -> bool:
    return SkuState.objects.filter(connection_id=connection_id, dirty=True, batch__isnull=True).exists()


def connections_with_work() -> list[int]:
    """Active connections that have something queued, claimed or in flight."""
    active = TikTokConnection.objects.filter(status="connected")
    busy_batches = set(
        SyncBatch.objects.filter(
            connection__in=active, status__in=[BatchStatus.CLAIMED, BatchStatus.SENT]
        ).values_list("connection_id", flat=True)
    )
    todo = set(
        SkuState.objects.filter(connection__in=active, batch__isnull=True)
        .exclude(op="")
        .values_list("connection_id", flat=True)
        .distinct()
    )
    return sorted(busy_batches | todo)


__all__ = [
    "SyncRateLimited",
    "connection_poll_review",
    "connection_reconcile",
    "connection_request_sync",
    "connection_send_step",
    "connection_start_full_sync",
    "connection_stop_sync",
    "connection_sweep",
    "counters_apply",
    "prune",
    "reap",
    "sku_resync",
]
