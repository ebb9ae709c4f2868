"""`manage.py tiktok_check_connections`: the health check Celery beat runs, on demand."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from core.leases import singleton
from integration import services
from integration.tasks import CHECK_LOCK, CHECK_LOCK_TTL_SECONDS


class Command(BaseCommand):
    help = "Ask TikTok about every connected store; disconnect revoked, suspended or gone connections."

    def handle(self, *args: Any, **options: Any) -> None:
        with singleton(CHECK_LOCK, CHECK_LOCK_TTL_SECONDS) as owner:
            if owner is None:
                self.stdout.write(self.style.WARNING("Another health check is running; try again later."))
                return
            run = services.connections_check_all(trigger="command")
        self.stdout.write(
            f"checked={run.checked} healthy={run.healthy} disconnected={run.disconnected} errors={run.errors}"
        )
