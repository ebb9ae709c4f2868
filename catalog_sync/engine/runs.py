"""Runs (`SyncRun`): each row the sweep classifies joins the open run; the run is sealed once the sweep
has passed over every dirty row, and completes only when no row of its own set is between states."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext as _

from integration.models import TikTokConnection
from integration.services import connection_auto_disconnect
from store.selectors import store_admin_emails
from tiktok_api import AuthError

from .. import clock
from ..models import BETWEEN_STATES, BatchStatus, RunStatus, SkuState, SyncBatch, SyncRun
from .outcome import StepAction, StepOutcome

logger = logging.getLogger(__name__)

FAILING_RUNS_BEFORE_EMAIL = 3


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
                connection_id=connection_id, trigger=trigger, started_at=clock.now()
            )
    except IntegrityError:
        return SyncRun.objects.get(
            connection_id=connection_id, status=RunStatus.RUNNING, sealed_at__isnull=True
        )


def run_seal(run_id: int) -> bool:
    """The run's sweep has passed over every dirty row: its set of rows is closed."""
    return bool(
        SyncRun.objects.filter(pk=run_id, status=RunStatus.RUNNING, sealed_at__isnull=True).update(
            sealed_at=clock.now()
        )
    )


def run_add(run_id: int | None, **counts: int) -> None:
    if run_id is None:
        return
    values = {k: F(k) + v for k, v in counts.items() if v}
    if values:
        SyncRun.objects.filter(pk=run_id).update(**values)


def run_error(run_id: int | None, message: str, *, retried: bool = False) -> None:
    """Keep `message` in the run's log. `retried`: a transient fault whose work is tried again (a throttle,
    a 5xx, a malformed reply, a write whose outcome is unknown); it is shown in the log but does not make
    the run "finished with errors" or count towards the failing-syncs e-mail. The newest 20 of each kind
    are kept, so a burst of retries never pushes a real error out of the log."""
    if run_id is None:
        return
    entry: dict[str, object] = {"at": clock.now().isoformat(timespec="seconds"), "message": message[:500]}
    if retried:
        entry["retried"] = True
    with transaction.atomic():
        run = SyncRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None:
            return
        errors = [*(run.errors or []), entry]
        real = [e for e in errors if not e.get("retried")][-20:]
        transient = [e for e in errors if e.get("retried")][-20:]
        keep = {id(e) for e in (*real, *transient)}
        run.errors = [e for e in errors if id(e) in keep]
        run.save(update_fields=["errors"])


def run_real_errors(run: SyncRun) -> list[dict[str, object]]:
    """The errors that made the run end with errors (not the transient faults that were retried)."""
    return [e for e in (run.errors or []) if not e.get("retried")]


def run_rows_open(run_id: int) -> bool:
    """Is any row of this run's set still between states (to check, to send, or waiting for a feed log)?"""
    return SkuState.objects.filter(BETWEEN_STATES, run_id=run_id).exists()


def dirty_rows_waiting(connection_id: int) -> bool:
    return SkuState.objects.filter(connection_id=connection_id, dirty=True, batch__isnull=True).exists()


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
        status = RunStatus.SUCCEEDED if not run.failed and not run_real_errors(run) else RunStatus.PARTIAL
        if SyncRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=status, finished_at=clock.now()
        ):
            run.status = status
            finished = run
            if status != RunStatus.SUCCEEDED:
                runs_notify_if_failing(connection_id)
    return finished


def run_stop(connection_id: int, *, status: str = RunStatus.STOPPED, message: str = "") -> None:
    """Disconnected (or the token died): cancel what is queued and close the running runs."""
    now = clock.now()
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


def connection_stopped(connection_id: int) -> StepOutcome:
    """The connection went inactive under a step: stop its runs before the next request."""
    run_stop(connection_id)
    return StepOutcome(StepAction.STOPPED)


def connection_auth_failed(connection_id: int, exc: AuthError) -> StepOutcome:
    """TikTok refused the token: fail the runs and let the integration decide whether to disconnect."""
    logger.warning("catalog sync: auth error, disconnecting connection=%s code=%s", connection_id, exc.code)
    run_stop(connection_id, status=RunStatus.FAILED, message=f"{type(exc).__name__}: {exc}")
    connection_auto_disconnect(connection_id, error=exc)
    return StepOutcome(StepAction.AUTH_FAILED)


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
    conn = TikTokConnection.objects.select_related("store").get(pk=connection_id)
    emails = store_admin_emails(conn.store_id)
    if not emails:
        return False
    errors = "\n".join(f"- {e.get('message', '')}" for r in last for e in run_real_errors(r)[-2:])
    # In the store's language: the e-mail goes to its admins, not to whoever's request triggered it.
    with translation.override(conn.store.locale or settings.LANGUAGE_CODE):
        subject = _("TikTok catalog sync keeps failing for %(store)s") % {"store": conn.store.name}
        body = _(
            "The last %(n)s catalog syncs with TikTok did not finish cleanly. Open Marketplace > TikTok in "
            "the admin to see the sync history and the products that need attention.\n\n%(errors)s"
        ) % {"n": len(last), "errors": errors}
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, emails)
    return True
