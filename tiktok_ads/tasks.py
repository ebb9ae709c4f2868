"""Celery tasks of the Ads section. Thin: they take IDs and call the services."""

from __future__ import annotations

from celery import Task, shared_task
from django.db import transaction

from core.leases import singleton
from core.periodic import periodic_slot_take

from . import services
from .models import RefreshTrigger

RETRY_SECONDS = 60


@shared_task(bind=True, name="tiktok_ads.tasks.refresh_all", ignore_result=True)
def refresh_all(self: Task, beat_slot: int | None = None) -> int:
    """Beat, every 20 minutes: one refresh task per live connection with an ad account."""
    if not periodic_slot_take(self.name, beat_slot, owner=self.request.id):
        return 0
    with singleton("tiktok-ads-refresh-dispatch", ttl_seconds=300) as owner:
        if owner is None:
            return 0
        ids = services.connections_to_refresh()
        for connection_id in ids:
            transaction.on_commit(lambda cid=connection_id: refresh.delay(cid, RefreshTrigger.BEAT))
        return len(ids)


@shared_task(bind=True, name="tiktok_ads.tasks.refresh", ignore_result=True, max_retries=2)
def refresh(self: Task, connection_id: int, trigger: str = RefreshTrigger.BEAT) -> None:
    """Idempotent (upserts). TikTok down or throttling is retried a little later; anything else is not
    (the run row says what happened; the next beat tries again anyway)."""
    outcome = services.ads_refresh(connection_id, trigger=trigger)
    if outcome.retryable and self.request.retries < (self.max_retries or 0):
        raise self.retry(countdown=RETRY_SECONDS)


def refresh_dispatch(connection_id: int, trigger: str) -> None:
    """Queue a refresh once the caller's transaction commits."""
    transaction.on_commit(lambda: refresh.delay(connection_id, trigger))
