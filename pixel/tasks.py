"""Celery tasks of the pixel: they take IDs and re-read state, so a redelivered message is harmless."""

from __future__ import annotations

import logging

from celery import Task, shared_task

from core.periodic import periodic_slot_take

from .dispatch import SEND_OUTBOX_FOR_STORE
from .services import outbox_purge, outbox_send_for_store, outbox_stores_due

logger = logging.getLogger(__name__)


# The name the services dispatch by (pixel.dispatch): "pixel.tasks.send_outbox_for_store".
@shared_task(name=SEND_OUTBOX_FOR_STORE, ignore_result=True)
def send_outbox_for_store(store_id: int) -> None:
    run = outbox_send_for_store(store_id)
    if run is not None and run.requests:
        logger.info(
            "pixel outbox store=%s requests=%s sent=%s retried=%s failed=%s dropped=%s outcome=%s",
            store_id,
            run.requests,
            run.sent,
            run.retried,
            run.failed,
            run.dropped,
            run.outcome,
        )


@shared_task(bind=True, name="pixel.tasks.send_outbox_all", ignore_result=True)
def send_outbox_all(self: Task, beat_slot: int | None = None) -> int:
    """Beat, every minute: one send task per store with due events (catches anything whose on-commit
    dispatch was lost, and retries after backoff)."""
    if not periodic_slot_take(self.name, beat_slot, owner=self.request.id):
        return 0
    store_ids = outbox_stores_due()
    for store_id in store_ids:
        send_outbox_for_store.delay(store_id)
    return len(store_ids)


@shared_task(bind=True, name="pixel.tasks.purge_outbox", ignore_result=True)
def purge_outbox(self: Task, beat_slot: int | None = None) -> int:
    if not periodic_slot_take(self.name, beat_slot, owner=self.request.id):
        return 0
    return outbox_purge()
