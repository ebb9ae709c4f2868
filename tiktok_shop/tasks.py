"""Celery tasks of the TikTok Shop account. Thin: they take IDs and call the services."""

from __future__ import annotations

from celery import Task, shared_task
from django.db import transaction

from core.leases import singleton
from core.periodic import periodic_slot_take

from . import services


@shared_task(bind=True, name="tiktok_shop.tasks.import_orders_all", ignore_result=True)
def import_orders_all(self: Task, beat_slot: int | None = None) -> int:
    """Beat, every minute: one import task per live shop connection whose store imports orders."""
    if not periodic_slot_take(self.name, beat_slot, owner=self.request.id):
        return 0
    with singleton("tiktok-shop-import-dispatch", ttl_seconds=50) as owner:
        if owner is None:
            return 0
        ids = services.connections_to_import()
        for connection_id in ids:
            transaction.on_commit(lambda cid=connection_id: import_orders.delay(cid))
        return len(ids)


@shared_task(name="tiktok_shop.tasks.import_orders", ignore_result=True)
def import_orders(connection_id: int) -> None:
    """Idempotent: re-running it (a redelivery after a killed worker, a second poll) re-reads TikTok's
    pages and writes nothing twice. Failures are recorded in the run row; the next poll retries."""
    services.orders_import(connection_id)
