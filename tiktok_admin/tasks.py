from __future__ import annotations

import socket

from celery import Task, shared_task
from django.utils import timezone

from core.models import Heartbeat
from core.periodic import periodic_slot_take


@shared_task(bind=True, name="tiktok_admin.tasks.canary", ignore_result=True)
def canary(self: Task, beat_slot: int | None = None) -> None:
    """Beat sends this every 30 s; /healthz reports how long ago a worker last consumed it."""
    if not periodic_slot_take(self.name, beat_slot, owner=self.request.id):
        return
    Heartbeat.objects.update_or_create(
        name="canary", defaults={"seen_at": timezone.now(), "worker": socket.gethostname()}
    )
