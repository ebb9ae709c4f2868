"""Operations views of the TikTok Shop account. Read-only: state changes go through the services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin_rules import ProjectModelAdmin

from . import services
from .models import ShopConnectAttempt, ShopConnection, ShopImportRun, StoreChannelSettings


class ReadOnlyAdmin(ProjectModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ShopConnection)
class ShopConnectionAdmin(ReadOnlyAdmin):
    list_display = ("store", "shop_name", "shop_id", "region", "seller_name", "status", "connected_at",
                    "disconnected_at", "orders_imported", "last_import_at")  # fmt: skip
    list_filter = ("status", "region")
    search_fields = ("store__account", "store__name", "shop_id", "shop_name", "seller_name")
    list_select_related = ("store",)
    actions = ("disconnect_selected",)

    @admin.action(description=_("Disconnect the selected TikTok Shops (ops)"))
    def disconnect_selected(self, request: HttpRequest, queryset: QuerySet[ShopConnection]) -> None:
        done = 0
        for connection in queryset.live():
            result = services.shop_disconnect(connection.pk, actor=request.user)
            done += result.disconnected
            if result.remote_error:
                self.message_user(
                    request, f"{connection.shop_name}: TikTok said {result.remote_error}", messages.WARNING
                )
        self.message_user(request, _("%(n)d TikTok Shop connection(s) disconnected.") % {"n": done})

    def get_actions(self, request: HttpRequest) -> dict:
        # Read-only admin still offers this one action to superusers.
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            actions.pop("disconnect_selected", None)
        return actions


@admin.register(ShopImportRun)
class ShopImportRunAdmin(ReadOnlyAdmin):
    list_display = ("connection", "started_at", "finished_at", "status", "fetched", "created", "updated",
                    "error_code", "error_message")  # fmt: skip
    list_filter = ("status",)
    search_fields = ("connection__store__account", "connection__shop_id", "error_message")
    list_select_related = ("connection",)


@admin.register(StoreChannelSettings)
class StoreChannelSettingsAdmin(ReadOnlyAdmin):
    list_display = (
        "store",
        "shop_order_import",
        "shop_stock_reservation",
        "shop_setup_started_at",
        "updated_at",
    )
    search_fields = ("store__account", "store__name")
    list_select_related = ("store",)


@admin.register(ShopConnectAttempt)
class ShopConnectAttemptAdmin(ReadOnlyAdmin):
    list_display = ("store", "user", "created_at", "expires_at", "used_at", "outcome")
    list_filter = ("outcome",)
    search_fields = ("store__account",)
    exclude = ("state_hash",)
