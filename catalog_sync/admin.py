"""Django admin for ops: exclusions (the same setting as on the TikTok page), runs, batches, states."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_rules import ProjectModelAdmin

from . import dirty, services
from .models import CatalogExclusion, SkuState, SyncBatch, SyncRun


def _exclusion_changed(exclusion: CatalogExclusion) -> None:
    if exclusion.product_id:
        dirty.products_mark_dirty(exclusion.store_id, [exclusion.product_id])
    elif exclusion.category_id:
        dirty.categories_mark_dirty(exclusion.store_id, [exclusion.category_id])


@admin.register(CatalogExclusion)
class CatalogExclusionAdmin(ProjectModelAdmin):
    list_display = ["store", "product", "category", "created_at"]
    list_filter = ["store"]
    raw_id_fields = ["product", "category"]

    def save_model(self, request: HttpRequest, obj: CatalogExclusion, form: ModelForm, change: bool) -> None:
        if change:
            _exclusion_changed(CatalogExclusion.objects.get(pk=obj.pk))
        super().save_model(request, obj, form, change)
        _exclusion_changed(obj)

    def delete_model(self, request: HttpRequest, obj: CatalogExclusion) -> None:
        _exclusion_changed(obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CatalogExclusion]) -> None:
        for exclusion in queryset:
            _exclusion_changed(exclusion)
        super().delete_queryset(request, queryset)


@admin.register(SyncRun)
class SyncRunAdmin(ProjectModelAdmin):
    list_display = ["id", "connection", "trigger", "status", "started_at", "finished_at", "uploaded"]
    list_filter = ["status", "trigger"]
    readonly_fields = [f.name for f in SyncRun._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(SyncBatch)
class SyncBatchAdmin(ProjectModelAdmin):
    list_display = ["id", "connection", "kind", "status", "size", "feed_log_id", "attempts", "created_at"]
    list_filter = ["status", "kind"]
    exclude = ["sku_ids"]
    readonly_fields = [f.name for f in SyncBatch._meta.fields if f.name != "sku_ids"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.action(description=_("Send the selected SKUs to TikTok again"))
def resync_states(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[SkuState]) -> None:
    n = 0
    for connection_id, sku_id in queryset.values_list("connection_id", "sku_id")[:5000]:
        n += services.sku_resync(connection_id, sku_id).found
    modeladmin.message_user(request, ngettext("%d SKU queued again.", "%d SKUs queued again.", n) % n)


@admin.register(SkuState)
class SkuStateAdmin(ProjectModelAdmin):
    list_display = ["sku_id", "connection", "status", "op", "dirty", "audit_status", "attempts", "updated_at"]
    list_filter = ["status", "op", "dirty"]
    search_fields = ["=sku_id", "=product_id"]
    readonly_fields = [f.name for f in SkuState._meta.fields]
    actions = [resync_states]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
