from __future__ import annotations

import socket

from celery import shared_task
from django.utils import timezone

from core.models import Heartbeat


@shared_task(name="tiktok_admin.tasks.canary", ignore_result=True)
def canary() -> None:
    """Beat sends this every 30 s; /healthz reports how long ago a worker last consumed it."""
    Heartbeat.objects.update_or_create(
        name="canary", defaults={"seen_at": timezone.now(), "worker": socket.gethostname()}
    )
