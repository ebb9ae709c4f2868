"""Django admin for ops to fix store data. Product, SKU, price and image changes go through
store.services, and the other catalog edits (trade policies, categories, brands, deletions) are published
here (`store.changes`), so the channels (the TikTok catalog sync) hear of edits made here too."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core import http
from core.admin_rules import ProjectModelAdmin, ProjectTabularInline

from . import changes, services
from .models import (
    Affiliate,
    Brand,
    Cart,
    CartItem,
    Category,
    InstalledApp,
    Membership,
    Order,
    OrderItem,
    Product,
    Sku,
    SkuImage,
    SkuPrice,
    Store,
    TradePolicy,
)


class TradePolicyInline(ProjectTabularInline):
    model = TradePolicy
    extra = 0


def _trade_policy_changed(policy: TradePolicy) -> None:
    changes.publish(changes.TradePolicyChanged(policy.store_id, policy.pk))


class MembershipInline(ProjectTabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Store)
class StoreAdmin(ProjectModelAdmin):
    list_display = ["account", "name", "country", "currency", "cms_kind", "locale", "time_zone", "created_at"]
    list_filter = ["country", "currency", "cms_kind", "locale"]
    search_fields = ["account", "name", "domain"]
    inlines = [TradePolicyInline, MembershipInline]

    def save_formset(self, request: HttpRequest, form: ModelForm, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        # Like the trade policy's own form: an edited policy may change what TikTok sells at.
        for policy, _fields in getattr(formset, "changed_objects", []):
            if isinstance(policy, TradePolicy):
                _trade_policy_changed(policy)


@admin.register(Affiliate)
class AffiliateAdmin(ProjectModelAdmin):
    list_display = ("store", "code", "name", "created_at")
    search_fields = ("store__account", "code", "name")
    list_select_related = ("store",)


@admin.register(Membership)
class MembershipAdmin(ProjectModelAdmin):
    list_display = ["user", "store", "role", "created_at"]
    list_filter = ["role", "store"]
    search_fields = ["user__username", "user__email", "store__account"]
    autocomplete_fields = ["user", "store"]


@admin.register(TradePolicy)
class TradePolicyAdmin(ProjectModelAdmin):
    list_display = ["code", "name", "store", "currency", "is_active"]
    list_filter = ["is_active", "currency", "store"]
    search_fields = ["code", "name", "store__account"]

    # A trade policy's currency or activity decides which SKUs TikTok gets and at what price.
    def save_model(self, request: HttpRequest, obj: TradePolicy, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change:
            _trade_policy_changed(obj)


@admin.register(Category)
class CategoryAdmin(ProjectModelAdmin):
    list_display = ["name", "slug", "parent", "store", "google_product_category"]
    list_filter = ["store"]
    search_fields = ["name", "slug", "google_product_category"]
    list_select_related = ["parent", "store"]
    autocomplete_fields = ["parent"]

    # Name, parent and Google category go to TikTok with every product of the category (and below).
    def save_model(self, request: HttpRequest, obj: Category, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change:
            changes.publish(changes.CategoriesChanged(obj.store_id, (obj.pk,)))

    # Published before the delete, while the products still point at the category.
    def delete_model(self, request: HttpRequest, obj: Category) -> None:
        changes.publish(changes.CategoriesChanged(obj.store_id, (obj.pk,)))
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Category]) -> None:
        for store_id, pk in queryset.values_list("store_id", "pk"):
            changes.publish(changes.CategoriesChanged(store_id, (pk,)))
        super().delete_queryset(request, queryset)


@admin.register(Brand)
class BrandAdmin(ProjectModelAdmin):
    list_display = ["name", "store"]
    list_filter = ["store"]
    search_fields = ["name"]

    def save_model(self, request: HttpRequest, obj: Brand, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change:
            changes.publish(changes.BrandsChanged(obj.store_id, (obj.pk,)))

    def delete_model(self, request: HttpRequest, obj: Brand) -> None:
        changes.publish(changes.BrandsChanged(obj.store_id, (obj.pk,)))
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Brand]) -> None:
        for store_id, pk in queryset.values_list("store_id", "pk"):
            changes.publish(changes.BrandsChanged(store_id, (pk,)))
        super().delete_queryset(request, queryset)


class SkuInline(ProjectTabularInline):
    model = Sku
    extra = 0
    fields = ["name", "ref_id", "ean", "stock", "is_active"]
    show_change_link = True


@admin.action(description=_("Activate selected products"))
def activate_products(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Product]
) -> None:
    n = services.products_set_active(queryset.values_list("pk", flat=True), True)
    modeladmin.message_user(request, ngettext("%d product activated.", "%d products activated.", n) % n)


@admin.action(description=_("Deactivate selected products"))
def deactivate_products(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Product]
) -> None:
    n = services.products_set_active(queryset.values_list("pk", flat=True), False)
    modeladmin.message_user(request, ngettext("%d product deactivated.", "%d products deactivated.", n) % n)


@admin.register(Product)
class ProductAdmin(ProjectModelAdmin):
    list_display = ["name", "slug", "store", "category", "brand", "is_active", "updated_at"]
    list_filter = [
        "is_active",
        "store",
        "condition",
        ("brand", admin.EmptyFieldListFilter),
        ("category", admin.EmptyFieldListFilter),
    ]
    search_fields = ["name", "slug", "ref_id"]
    list_select_related = ["store", "category", "brand"]
    autocomplete_fields = ["category", "brand"]
    inlines = [SkuInline]
    actions = [activate_products, deactivate_products]
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: Product, form: ModelForm, change: bool) -> None:
        services.product_save(obj)

    def delete_model(self, request: HttpRequest, obj: Product) -> None:
        Product.objects.filter(pk=obj.pk).delete_synced()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        queryset.delete_synced()

    def save_formset(self, request: HttpRequest, form: ModelForm, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            # Published in the deleting transaction: the sync leaves a tombstone so TikTok is told.
            changes.publish(changes.SkusDeleted(obj.store_id, (obj.pk,)))
            obj.delete()
        for sku in instances:
            sku.store_id = form.instance.store_id
            services.sku_save(sku)
        formset.save_m2m()


class SkuPriceInline(ProjectTabularInline):
    model = SkuPrice
    extra = 0


class SkuImageInline(ProjectTabularInline):
    model = SkuImage
    extra = 0
    fields = ["image", "position", "width", "height"]
    readonly_fields = ["width", "height"]


@admin.action(description=_("Set stock to zero"))
def set_stock_zero(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Sku]) -> None:
    n = services.skus_set_stock(queryset.values_list("pk", flat=True), 0)
    modeladmin.message_user(
        request, ngettext("%d SKU set to zero stock.", "%d SKUs set to zero stock.", n) % n
    )


@admin.action(description=_("Activate selected SKUs"))
def activate_skus(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Sku]) -> None:
    n = services.skus_set_active(queryset.values_list("pk", flat=True), True)
    modeladmin.message_user(request, ngettext("%d SKU activated.", "%d SKUs activated.", n) % n)


@admin.action(description=_("Deactivate selected SKUs"))
def deactivate_skus(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Sku]) -> None:
    n = services.skus_set_active(queryset.values_list("pk", flat=True), False)
    modeladmin.message_user(request, ngettext("%d SKU deactivated.", "%d SKUs deactivated.", n) % n)


class InStockFilter(admin.SimpleListFilter):
    title = _("stock")
    parameter_name = "in_stock"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", _("In stock")), ("no", _("Out of stock"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Sku]) -> QuerySet[Sku]:
        if self.value() == "yes":
            return queryset.filter(stock__gt=0)
        if self.value() == "no":
            return queryset.filter(stock__lte=0)
        return queryset


@admin.register(Sku)
class SkuAdmin(ProjectModelAdmin):
    list_display = ["id", "name", "product", "store", "ref_id", "ean", "stock", "is_active", "updated_at"]
    list_filter = ["is_active", InStockFilter, "store"]
    search_fields = ["=id", "name", "ref_id", "ean", "product__name"]
    list_select_related = ["product", "store"]
    raw_id_fields = ["product"]
    inlines = [SkuPriceInline, SkuImageInline]
    actions = [set_stock_zero, activate_skus, deactivate_skus]
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: Sku, form: ModelForm, change: bool) -> None:
        if obj.product_id and not obj.store_id:
            obj.store_id = obj.product.store_id
        try:
            services.sku_save(obj)
        except services.StoreServiceError as exc:
            http.error_message(request, exc)
            raise

    def delete_model(self, request: HttpRequest, obj: Sku) -> None:
        Sku.objects.filter(pk=obj.pk).delete_synced()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Sku]) -> None:
        queryset.delete_synced()

    def save_formset(self, request: HttpRequest, form: ModelForm, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for obj in instances:
            if isinstance(obj, SkuPrice):
                services.sku_price_save(obj)
            else:
                obj.save()
        formset.save_m2m()
        # Images, and prices that were removed, change what TikTok would receive for this SKU.
        if (formset.model is SkuImage and (instances or formset.deleted_objects)) or (
            formset.model is SkuPrice and formset.deleted_objects
        ):
            services.sku_mark_changed(form.instance)


@admin.register(SkuPrice)
class SkuPriceAdmin(ProjectModelAdmin):
    list_display = ["sku", "trade_policy", "price", "list_price"]
    list_filter = ["trade_policy__store", "trade_policy"]
    search_fields = ["=sku__id", "sku__name", "sku__product__name"]
    raw_id_fields = ["sku"]
    list_select_related = ["sku__product", "trade_policy"]
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: SkuPrice, form: ModelForm, change: bool) -> None:
        services.sku_price_save(obj)

    def delete_model(self, request: HttpRequest, obj: SkuPrice) -> None:
        SkuPrice.objects.filter(pk=obj.pk).delete_synced()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[SkuPrice]) -> None:
        queryset.delete_synced()


@admin.register(SkuImage)
class SkuImageAdmin(ProjectModelAdmin):
    list_display = ["id", "sku", "image", "width", "height", "position"]
    search_fields = ["=sku__id", "image"]
    raw_id_fields = ["sku"]
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: SkuImage, form: ModelForm, change: bool) -> None:
        obj.save()
        services.sku_mark_changed(obj.sku)

    def delete_model(self, request: HttpRequest, obj: SkuImage) -> None:
        super().delete_model(request, obj)
        services.sku_mark_changed(obj.sku)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[SkuImage]) -> None:
        pairs = list(queryset.values_list("sku_id", "sku__store_id"))
        super().delete_queryset(request, queryset)
        for store_id, sku_ids in changes.by_store(pairs).items():
            changes.publish(changes.SkusChanged(store_id, sku_ids))


class OrderItemInline(ProjectTabularInline):
    model = OrderItem
    extra = 0
    raw_id_fields = ["sku"]


@admin.register(Order)
class OrderAdmin(ProjectModelAdmin):
    list_display = [
        "number",
        "store",
        "source",
        "status",
        "customer_name",
        "email",
        "total",
        "currency",
        "created_at",
    ]
    list_filter = ["source", "status", "store", "currency"]
    search_fields = ["number", "external_id", "email", "customer_name"]
    date_hierarchy = "created_at"
    inlines = [OrderItemInline]
    list_select_related = ["store"]


class CartItemInline(ProjectTabularInline):
    model = CartItem
    extra = 0
    raw_id_fields = ["sku"]


@admin.register(Cart)
class CartAdmin(ProjectModelAdmin):
    list_display = ["id", "store", "session_key", "created_at", "updated_at"]
    list_filter = ["store"]
    search_fields = ["session_key"]
    inlines = [CartItemInline]


@admin.register(InstalledApp)
class InstalledAppAdmin(ProjectModelAdmin):
    list_display = ["app", "store", "installed_at", "installed_by"]
    list_filter = ["app", "store"]
    search_fields = ["store__account", "app"]
