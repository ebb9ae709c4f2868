"""Operations views of the pixel in the Django admin. Outbox rows are read-only: they hold what was
sent to TikTok (hashes only) and change only through the send task."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.admin_rules import ProjectModelAdmin

from .cache import pixel_config_invalidate
from .models import OutboxEvent, OutboxRun, PixelSettings


@admin.register(PixelSettings)
class PixelSettingsAdmin(ProjectModelAdmin):
    list_display = ["store", "purchase_event", "require_consent", "updated_at"]
    list_select_related = ["store"]
    raw_id_fields = ["store"]

    def save_model(self, request: HttpRequest, obj: PixelSettings, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        pixel_config_invalidate(obj.store_id)


class ReadOnlyAdmin(ProjectModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "store", "event", "event_id", "status", "attempts", "created_at", "finished_at"]
    list_filter = ["status", "event"]
    search_fields = ["event_id"]
    raw_id_fields = ["store", "connection"]
    show_full_result_count = False


@admin.register(OutboxRun)
class OutboxRunAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "store",
        "started_at",
        "requests",
        "sent",
        "retried",
        "failed",
        "dropped",
        "outcome",
    ]
    list_filter = ["outcome"]
    raw_id_fields = ["store"]
    show_full_result_count = False
