"""Celery tasks of the connection. They take no secrets and no objects, only IDs (or nothing)."""

from __future__ import annotations

import logging

from celery import Task, shared_task

from core.leases import singleton
from core.periodic import periodic_slot_take

from . import services

logger = logging.getLogger(__name__)

CHECK_LOCK = "integration.check_connections"
# Longer than a pass over every store can take, so a second beat tick never overlaps a slow pass.
CHECK_LOCK_TTL_SECONDS = 14 * 60


@shared_task(bind=True, name="integration.tasks.check_connections", ignore_result=True)
def check_connections(self: Task, beat_slot: int | None = None) -> None:
    """Beat's health check: ask TikTok about every connected store; revoked tokens, suspended accounts and
    gone profiles disconnect (with the reason, an audit entry and an e-mail to the store's admins)."""
    if not periodic_slot_take(self.name, beat_slot, owner=self.request.id):
        return
    with singleton(CHECK_LOCK, CHECK_LOCK_TTL_SECONDS) as owner:
        if owner is None:
            logger.info("tiktok health check skipped: another pass is running")
            return
        run = services.connections_check_all(trigger="beat")
        logger.info(
            "tiktok health check done checked=%s healthy=%s disconnected=%s errors=%s",
            run.checked,
            run.healthy,
            run.disconnected,
            run.errors,
        )
