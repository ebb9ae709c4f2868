"""Celery tasks: thin wrappers that take IDs and call the engine's steps. Every task is short (one batch, one
feed-log check, or a bounded chunk of classification) and re-dispatches itself when work remains, so a
worker that dies loses at most one step, which redelivery or the reaper gives back."""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import shared_task
from django.utils import timezone

from core.models import Heartbeat
from core.periodic import periodic_slot_take
from integration.models import TikTokConnection

from . import leases
from .engine import (
    entry,
    maintenance,
    nextstep,
    old_catalog,
    reconcile,
    review,
    runs,
    send,
    sweep,
    tunables,
)
from .engine.outcome import StepAction
from .models import SkuState, SyncRun, SyncStatus, Trigger

logger = logging.getLogger(__name__)

# Redis may be restarting while we publish: keep trying for about a minute instead of losing the
# continuation (the DB state is safe either way; beat would pick it up again later).
PUBLISH_RETRY = {"max_retries": 60, "interval_start": 0.5, "interval_step": 0.5, "interval_max": 2.0}
SWEEP_ROWS_PER_TASK = 50_000
RECOVER_SECONDS = 3.0


# From a web request the dispatch is only a nudge (the dirty rows are in the database and beat sweeps them
# within minutes): try briefly, never hang the merchant's request on a broker outage.
NUDGE_RETRY = {"max_retries": 2, "interval_start": 0.1, "interval_step": 0.2, "interval_max": 0.5}
_mode = threading.local()


def publish(task: Any, args: tuple[Any, ...], countdown: float | None = None) -> None:
    """Queue `task` on the broker: every dispatch of this app goes through here, so a test (or the
    benchmark, which plays the worker itself) replaces this one name to record or drop them."""
    policy = NUDGE_RETRY if getattr(_mode, "nudge", False) else PUBLISH_RETRY
    task.apply_async(args, countdown=max(0.0, countdown or 0.0), retry=True, retry_policy=policy)


def _later(task: Any, args: tuple[Any, ...], countdown: float | None = None) -> None:
    # The tasks dispatch through this second name, which finds `publish` by name at each call, so
    # replacing either one intercepts them all: tests/e2e/test_tiktok_shop_disconnect.py replaces _later.
    publish(task, args, countdown)


def nudge(task: Any, args: tuple[Any, ...]) -> None:
    """Queue `task` from a request: a short publish retry, and a broker outage is logged, not raised."""
    _mode.nudge = True
    try:
        _later(task, args)
    except Exception:  # noqa: BLE001 - the work is recorded in the database; beat picks it up
        logger.warning("catalog sync: could not queue %s%s; beat will pick the work up", task.name, args)
    finally:
        _mode.nudge = False


def dispatch_sweep(connection_id: int, trigger: str = Trigger.CHANGE) -> None:
    _later(sweep_catalog, (connection_id, trigger))


def send_next(connection_id: int, countdown: float | None = None) -> None:
    """Queue the send loop's next step, recorded first (engine/nextstep.py): no second chain of steps."""
    token = nextstep.send_next_record(connection_id, countdown)
    try:
        _later(send_batches, (connection_id, token), countdown)
    except Exception:
        nextstep.send_next_forget(connection_id, token)
        raise


def review_next(connection_id: int, countdown: float | None = None) -> None:
    """Queue a review poll unless one is queued already."""
    if not nextstep.review_poll_record(connection_id, countdown):
        return
    try:
        _later(poll_review, (connection_id,), countdown)
    except Exception:
        nextstep.review_poll_forget(connection_id)
        raise


def _owner(task: Any) -> str:
    return str(getattr(task.request, "id", None) or "") or f"local-{timezone.now().timestamp()}"


@shared_task(bind=True, name="catalog_sync.tasks.full_sync", acks_late=True)
def full_sync(self: Any, connection_id: int, trigger: str = Trigger.CONNECT, force: bool = False) -> int:
    marked = entry.connection_full_sync_prepare(connection_id, trigger=trigger, force=force)
    dispatch_sweep(connection_id, trigger)
    return marked


@shared_task(bind=True, name="catalog_sync.tasks.sweep_catalog", acks_late=True)
def sweep_catalog(self: Any, connection_id: int, trigger: str = Trigger.CHANGE) -> dict[str, Any]:
    """Classify dirty SKUs of one catalog (one sweeper per catalog: a lease), then start sending."""
    kicked = False

    def kick() -> None:
        nonlocal kicked
        kicked = True
        send_next(connection_id)

    with leases.lease_held(leases.sweep_lease_name(connection_id), _owner(self)) as mine:
        if not mine:
            # Another sweeper has it; it re-checks for dirty rows before it lets go.
            return {"skipped": True}
        try:
            result = sweep.connection_sweep(
                connection_id, trigger=trigger, max_rows=SWEEP_ROWS_PER_TASK, on_first_chunk=kick
            )
        except Exception:
            # An infrastructure failure (database or Redis blip): the rows are still dirty, so come back.
            logger.exception("catalog sweep failed connection=%s", connection_id)
            _later(sweep_catalog, (connection_id, trigger), RECOVER_SECONDS)
            raise
    if result.more:
        dispatch_sweep(connection_id, trigger)
    elif runs.dirty_rows_waiting(connection_id):
        # Marked while we were finishing: go again rather than wait for beat.
        dispatch_sweep(connection_id, trigger)
    if not kicked:
        send_next(connection_id)
    return {"checked": result.checked, "queued": result.queued, "unchanged": result.unchanged}


@shared_task(bind=True, name="catalog_sync.tasks.send_batches", acks_late=True)
def send_batches(self: Any, connection_id: int, token: str = "") -> str:
    """One step of the catalog's send loop; schedules the next step itself. `token`: the record of this
    queued step (engine/nextstep.py); a step superseded by a newer one does nothing, and so does a beat
    nudge (no token) while a step is queued."""
    if not nextstep.send_step_may_run(connection_id, token):
        return StepAction.SCHEDULED.value
    try:
        outcome = send.connection_send_step(connection_id, owner=_owner(self))
    except Exception:
        # Not a TikTok answer (those are handled inside): Redis or the database went away mid-step.
        # The batch state is in the database; keep the loop alive instead of losing it with this message.
        logger.exception("catalog send step failed connection=%s", connection_id)
        send_next(connection_id, RECOVER_SECONDS)
        raise
    if outcome.next_in is not None:
        send_next(connection_id, outcome.next_in)
    if outcome.action in (StepAction.COMPLETED, StepAction.IDLE_REVIEW):
        review_next(connection_id, tunables.review_poll_seconds())
    if outcome.action == StepAction.COMPLETED and runs.dirty_rows_waiting(connection_id):
        dispatch_sweep(connection_id)
    # The plain string, as the result backend always stored it.
    return outcome.action.value


@shared_task(bind=True, name="catalog_sync.tasks.poll_review", acks_late=True)
def poll_review(self: Any, connection_id: int) -> dict[str, int]:
    nextstep.review_poll_started(connection_id)
    with leases.lease_held(leases.review_lease_name(connection_id), _owner(self)) as mine:
        if not mine:
            return {"skipped": 1}
        result = review.connection_poll_review(connection_id)
    if result["left"]:
        review_next(connection_id, tunables.review_poll_seconds())
    return result


# --- beat entry points (names fixed in tiktok_admin/celery.py) -------------------------------------
# Each takes its schedule slot first (core.periodic): a second beat sending the same period does nothing.


def _slot_take(task: Any, beat_slot: int | None) -> bool:
    return periodic_slot_take(task.name, beat_slot, owner=task.request.id)


@shared_task(bind=True, name="catalog_sync.tasks.sweep_all")
def sweep_all(self: Any, beat_slot: int | None = None) -> int:
    """Beat: a delta sweep for every connected catalog (fans out from DB state)."""
    if not _slot_take(self, beat_slot):
        return 0
    Heartbeat.objects.update_or_create(name="catalog-sweep-all", defaults={"seen_at": timezone.now()})
    ids = list(TikTokConnection.objects.filter(status="connected").values_list("id", flat=True))
    stores = dict(TikTokConnection.objects.filter(id__in=ids).values_list("id", "store_id"))
    for cid in ids:
        sweep.trade_policy_follow(cid, stores[cid])
        if not SyncRun.objects.filter(connection_id=cid).exists():
            # Connected but never synced (the first full sync's message was lost): start it now.
            _later(full_sync, (cid, Trigger.CONNECT, False))
        elif runs.dirty_rows_waiting(cid):
            dispatch_sweep(cid, Trigger.SCHEDULE)
        else:
            runs.run_finish_if_idle(cid)
    return len(ids)


@shared_task(bind=True, name="catalog_sync.tasks.poll_feed_logs")
def poll_feed_logs(self: Any, beat_slot: int | None = None) -> int:
    """Beat: nudge every catalog that has a batch in flight or SKUs waiting to be sent and no step of its
    send loop queued (a stranded loop)."""
    if not _slot_take(self, beat_slot):
        return 0
    ids = maintenance.connections_stranded()
    for cid in ids:
        _later(send_batches, (cid,))
    return len(ids)


@shared_task(bind=True, name="catalog_sync.tasks.poll_review_status")
def poll_review_status(self: Any, beat_slot: int | None = None) -> int:
    if not _slot_take(self, beat_slot):
        return 0
    # Per connection on the (connection, status) index: never a scan of every SKU of every store.
    ids = [
        cid
        for cid in TikTokConnection.objects.filter(status="connected").values_list("id", flat=True)
        if SkuState.objects.filter(connection_id=cid, status=SyncStatus.IN_REVIEW).exists()
    ]
    for cid in ids:
        review_next(cid)
    return len(ids)


@shared_task(bind=True, name="catalog_sync.tasks.reap_leases")
def reap_leases(self: Any, beat_slot: int | None = None) -> dict[str, int]:
    """Beat: free what dead workers held and start their work again at once (a live holder's heartbeat
    keeps its leases from expiring, so only a dead one's are freed)."""
    if not _slot_take(self, beat_slot):
        return {"skipped": 1}
    reaped = maintenance.reap()
    for cid in sorted(reaped.sweep):
        dispatch_sweep(cid)
    for cid in sorted(reaped.review):
        review_next(cid)
    for cid in sorted(reaped.reconcile):
        _later(reconcile_catalog, (cid,))
    for cid in maintenance.connections_stranded():
        _later(send_batches, (cid,))
    return reaped.as_dict()


@shared_task(bind=True, name="catalog_sync.tasks.reconcile_all")
def reconcile_all(self: Any, beat_slot: int | None = None) -> int:
    if not _slot_take(self, beat_slot):
        return 0
    ids = list(TikTokConnection.objects.filter(status="connected").values_list("id", flat=True))
    for cid in ids:
        _later(reconcile_catalog, (cid,))
    return len(ids)


@shared_task(bind=True, name="catalog_sync.tasks.reconcile_catalog", acks_late=True)
def reconcile_catalog(self: Any, connection_id: int) -> dict[str, Any]:
    with leases.lease_held(leases.reconcile_lease_name(connection_id), _owner(self)) as mine:
        if not mine:
            return {"skipped": True}
        return reconcile.connection_reconcile(connection_id)


@shared_task(bind=True, name="catalog_sync.tasks.old_catalog_remove", acks_late=True)
def old_catalog_remove(self: Any, old_catalog_id: int) -> dict[str, Any]:
    """The merchant chose to remove our products from an earlier catalog: delete them, batch by batch;
    come back later when TikTok asks to wait. Running it again after the end sends nothing."""
    outcome = old_catalog.old_catalog_remove_step(old_catalog_id, owner=_owner(self))
    if outcome.retry_in is not None:
        _later(old_catalog_remove, (old_catalog_id,), outcome.retry_in)
    return {"status": outcome.status, "deleted": outcome.deleted, "requests": outcome.requests}


@shared_task(bind=True, name="catalog_sync.tasks.old_catalogs_describe", acks_late=True)
def old_catalogs_describe(self: Any, store_id: int) -> int:
    """After a reconnect: TikTok's names for the store's earlier catalogs, for the page."""
    return old_catalog.old_catalogs_describe(store_id)


@shared_task(bind=True, name="catalog_sync.tasks.prune")
def prune(self: Any, beat_slot: int | None = None) -> dict[str, int]:
    if not _slot_take(self, beat_slot):
        return {"skipped": 1}
    return maintenance.prune()
