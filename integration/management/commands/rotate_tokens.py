"""`manage.py rotate_tokens`: re-encrypt stored TikTok tokens with the newest FIELD_ENCRYPTION_KEYS key.

Rotation: put the new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it), deploy, run this
command, then drop the old keys."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from core.models import AuditAction
from integration import services
from integration.models import TikTokConnection


class Command(BaseCommand):
    help = "Re-encrypt every stored TikTok token with the first key of FIELD_ENCRYPTION_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        rotated, current = services.tokens_rotate()
        if rotated:
            for store_id in TikTokConnection.objects.exclude(access_token="").values_list(
                "store_id", flat=True
            ):
                services.audit_record(store_id, AuditAction.TOKENS_ROTATED, actor_label="ops")
        self.stdout.write(f"rotated={rotated} already_current={current}")
