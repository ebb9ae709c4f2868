"""The worker side of the server-side outbox: which stores have due events, sending them to TikTok's
event/track in batches (one sender per store, retries with backoff), and purging finished rows."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from core.leases import singleton
from integration.selectors import connection_active_for_store, connection_is_active
from integration.services import connection_auto_disconnect
from integration.tiktok_client import client as make_client
from tiktok_api import TikTokClient, backoff_delay
from tiktok_api.errors import AuthError, TikTokError

from ..models import OutboxEvent, OutboxRun, OutboxStatus

MAX_EVENTS_PER_REQUEST = 1000
MAX_ATTEMPTS = 10
BACKOFF_BASE_SECONDS = 30.0
BACKOFF_MAX_SECONDS = 3600.0
OUTBOX_LEASE_SECONDS = 600.0
HELD_MAX_AGE_HOURS = 24


def outbox_stores_due() -> list[int]:
    now = timezone.now()
    due = OutboxEvent.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
    stale = OutboxEvent.objects.filter(
        status=OutboxStatus.SENDING, claimed_at__lt=now - timedelta(seconds=OUTBOX_LEASE_SECONDS)
    )
    ids = set(due.values_list("store_id", flat=True).distinct())
    ids |= set(stale.values_list("store_id", flat=True).distinct())
    return sorted(ids)


def _drop_inactive(store_id: int, active_connection_id: int | None, now: datetime) -> int:
    rows = OutboxEvent.objects.filter(
        store_id=store_id, status__in=[OutboxStatus.HELD, OutboxStatus.PENDING, OutboxStatus.SENDING]
    )
    if active_connection_id is not None:
        rows = rows.exclude(connection_id=active_connection_id)
    return rows.update(
        status=OutboxStatus.DROPPED, finished_at=now, last_error="disconnected", claim_token=""
    )


def _release_for_retry(token: str, error: str, now: datetime) -> tuple[int, int]:
    """Put a claimed batch back with backoff; rows past MAX_ATTEMPTS fail for good."""
    retried = failed = 0
    for row in OutboxEvent.objects.filter(claim_token=token, status=OutboxStatus.SENDING):
        attempts = row.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            status, next_at, finished = OutboxStatus.FAILED, row.next_attempt_at, now
            failed += 1
        else:
            wait = backoff_delay(attempts, base=BACKOFF_BASE_SECONDS, cap=BACKOFF_MAX_SECONDS)
            status, next_at, finished = OutboxStatus.PENDING, now + timedelta(seconds=wait), None
            retried += 1
        OutboxEvent.objects.filter(pk=row.pk, claim_token=token).update(
            status=status,
            attempts=attempts,
            next_attempt_at=next_at,
            finished_at=finished,
            last_error=error[:500],
            claim_token="",
        )
    return retried, failed


def outbox_send_for_store(
    store_id: int, *, client: TikTokClient | None = None, batch_size: int = MAX_EVENTS_PER_REQUEST
) -> OutboxRun | None:
    """Send the store's due events to event/track in batches of at most 1,000. One sender per store
    (a lease); rows are claimed with a compare-and-set. Returns the run, or None if another worker is
    sending for this store."""
    batch_size = max(1, min(batch_size, MAX_EVENTS_PER_REQUEST))
    with singleton(f"pixel-outbox:{store_id}", OUTBOX_LEASE_SECONDS) as owner:
        if owner is None:
            return None
        now = timezone.now()
        run = OutboxRun.objects.create(store_id=store_id, started_at=now)
        # Under the lease nobody else sends for this store: any row still "sending" is from a dead worker.
        OutboxEvent.objects.filter(store_id=store_id, status=OutboxStatus.SENDING).update(
            status=OutboxStatus.PENDING, claim_token=""
        )
        connection = connection_active_for_store(store_id)
        run.connection_id = connection.pk if connection else None
        run.dropped += _drop_inactive(store_id, connection.pk if connection else None, now)
        outcome = "idle"
        while connection is not None:
            if not connection_is_active(connection.pk):
                run.dropped += _drop_inactive(store_id, None, timezone.now())
                outcome = "disconnected"
                break
            now = timezone.now()
            ids = list(
                OutboxEvent.objects.due(now)
                .filter(store_id=store_id, connection_id=connection.pk)
                .order_by("id")
                .values_list("id", flat=True)[:batch_size]
            )
            if not ids:
                break
            token = uuid.uuid4().hex
            OutboxEvent.objects.filter(pk__in=ids, status=OutboxStatus.PENDING).update(
                status=OutboxStatus.SENDING, claim_token=token, claimed_at=now
            )
            rows = list(
                OutboxEvent.objects.filter(claim_token=token, status=OutboxStatus.SENDING).order_by("id")
            )
            if not rows:
                continue
            if client is None:
                client = make_client()
            run.requests += 1
            try:
                client.event_track(
                    connection.access_token,
                    pixel_code=connection.pixel_code,
                    events=[r.payload for r in rows],
                    partner_name=settings.TIKTOK_BUSINESS_PLATFORM,
                )
            except AuthError as exc:
                disconnected = connection_auto_disconnect(connection.pk, error=exc)
                if disconnected or not connection_is_active(connection.pk):
                    run.dropped += _drop_inactive(store_id, None, timezone.now())
                    outcome = "disconnected"
                else:
                    retried, failed = _release_for_retry(token, str(exc), timezone.now())
                    run.retried += retried
                    run.failed += failed
                    outcome = "auth_error"
                run.error = str(exc)[:500]
                break
            except TikTokError as exc:
                run.error = str(exc)[:500]
                if exc.retryable:
                    retried, failed = _release_for_retry(token, str(exc), timezone.now())
                    run.retried += retried
                    run.failed += failed
                    outcome = "retry"
                else:
                    # TikTok refused the batch itself (e.g. 40002): sending it again changes nothing.
                    run.failed += OutboxEvent.objects.filter(claim_token=token).update(
                        status=OutboxStatus.FAILED,
                        attempts=1,
                        finished_at=timezone.now(),
                        last_error=str(exc)[:500],
                        claim_token="",
                    )
                    outcome = "failed"
                break
            run.sent += OutboxEvent.objects.filter(claim_token=token).update(
                status=OutboxStatus.SENT, finished_at=timezone.now(), claim_token="", last_error=""
            )
            outcome = "sent"
        run.outcome = outcome if connection is not None else "no_connection"
        run.finished_at = timezone.now()
        run.save()
        return run


def outbox_purge(retention_days: int | None = None, chunk: int = 5000) -> int:
    """Delete finished outbox rows (and run rows) older than the retention period."""
    days = (
        retention_days if retention_days is not None else getattr(settings, "PIXEL_OUTBOX_RETENTION_DAYS", 7)
    )
    cutoff = timezone.now() - timedelta(days=days)
    deleted = 0
    while True:
        ids = list(
            OutboxEvent.objects.finished().filter(finished_at__lt=cutoff).values_list("id", flat=True)[:chunk]
        )
        if not ids:
            break
        deleted += OutboxEvent.objects.filter(pk__in=ids).delete()[0]
    OutboxRun.objects.filter(started_at__lt=cutoff).delete()
    # Held rows whose shopper never answered the banner are never sent.
    unanswered = timezone.now() - timedelta(hours=HELD_MAX_AGE_HOURS)
    deleted += OutboxEvent.objects.filter(status=OutboxStatus.HELD, created_at__lt=unanswered).delete()[0]
    return deleted
