"""Operations views of the Ads copy. Read-only: the copy is TikTok's, refreshed by the services."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from core.admin_rules import ProjectModelAdmin

from .models import AdAccount, RefreshRun


class ReadOnlyAdmin(ProjectModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AdAccount)
class AdAccountAdmin(ReadOnlyAdmin):
    list_display = (
        "connection",
        "adv_id",
        "currency",
        "timezone",
        "refreshed_at",
        "last_error_at",
        "last_error_code",
    )
    search_fields = ("adv_id", "connection__store__account")
    list_select_related = ("connection",)


@admin.register(RefreshRun)
class RefreshRunAdmin(ReadOnlyAdmin):
    list_display = (
        "connection",
        "trigger",
        "status",
        "started_at",
        "finished_at",
        "campaigns",
        "days",
        "error_code",
    )
    list_filter = ("status", "trigger")
    search_fields = ("connection__store__account",)
    list_select_related = ("connection",)
