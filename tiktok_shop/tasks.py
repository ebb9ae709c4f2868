"""Celery tasks of the TikTok Shop account. Thin: they take IDs and call the services."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from core.leases import singleton

from . import services


@shared_task(name="tiktok_shop.tasks.import_orders_all", ignore_result=True)
def import_orders_all() -> int:
    """Beat, every minute: one import task per live shop connection whose store imports orders."""
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
