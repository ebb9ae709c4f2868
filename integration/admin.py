"""Operations view of the integration. The access token is never shown (not even encrypted), and state
changes go through the services (the disconnect action), never through a raw edit."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin_rules import ProjectModelAdmin
from core.models import AuditEvent

from . import services
from .models import ConnectAttempt, DisconnectReason, HealthCheckRun, TikTokConnection, TikTokSetup


class ReadOnlyAdmin(ProjectModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(TikTokConnection)
class TikTokConnectionAdmin(ReadOnlyAdmin):
    list_display = ("store", "status", "connected_at", "connected_by", "disconnected_at", "disconnect_reason")
    list_filter = ("status", "disconnect_reason")
    search_fields = ("store__account", "store__name", "bc_id", "adv_id", "pixel_code", "catalog_id")
    list_select_related = ("store", "connected_by")
    exclude = ("access_token",)
    actions = ["disconnect_selected"]

    @admin.action(description=_("Disconnect from TikTok (ops)"))
    def disconnect_selected(self, request: HttpRequest, queryset: QuerySet[TikTokConnection]) -> None:
        done = 0
        for pk in queryset.active().values_list("pk", flat=True):
            result = services.connection_disconnect(
                pk, reason=DisconnectReason.OPS, actor=request.user, detail="Django admin"
            )
            done += int(result.disconnected)
        self.message_user(
            request, _("%(count)d connection(s) disconnected.") % {"count": done}, messages.SUCCESS
        )

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # The action needs change permission to show; the change form itself shows read-only fields.
        return bool(request.user.is_superuser)

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return [f.name for f in TikTokConnection._meta.fields if f.name != "access_token"]


@admin.register(TikTokSetup)
class TikTokSetupAdmin(ReadOnlyAdmin):
    list_display = ("store", "affiliate_id", "store_name", "website", "confirmed_at")
    search_fields = ("store__account", "affiliate_id", "store_name")
    list_select_related = ("store",)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "store", "action", "actor", "actor_label")
    list_filter = ("action",)
    search_fields = ("store__account",)
    list_select_related = ("store", "actor")
    date_hierarchy = "at"


@admin.register(ConnectAttempt)
class ConnectAttemptAdmin(ReadOnlyAdmin):
    list_display = ("store", "user", "created_at", "expires_at", "used_at", "outcome")
    list_select_related = ("store", "user")
    exclude = ("state_hash",)


@admin.register(HealthCheckRun)
class HealthCheckRunAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "finished_at", "trigger", "checked", "healthy", "disconnected", "errors")
