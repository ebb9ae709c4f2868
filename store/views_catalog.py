"""Catalog > Products and SKUs in the admin shell. Store admins edit; viewers read the same pages without
a form, and any POST of theirs is refused (403). Every save goes through store.services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from . import selectors_catalog as catalog
from . import services
from .access import store_for_request, store_member_required
from .forms_catalog import ProductFilterForm, ProductForm, SkuForm
from .models import Product, Sku, Store
from .uploads import upload_cap_install


def _can_edit(request: HttpRequest) -> bool:
    return bool(request.membership.is_admin)  # type: ignore[attr-defined]


def _refuse_viewer_post(request: HttpRequest) -> None:
    if request.method == "POST" and not _can_edit(request):
        raise PermissionDenied


def _next_url(request: HttpRequest) -> str:
    """Where to go after saving (the channel list the merchant came from), when it is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return ""


def _focus(form: Any, request: HttpRequest) -> str:
    """`?focus=brand` puts the cursor in that field (the channel's lists link to the field to fix)."""
    name = request.GET.get("focus", "")
    if name in form.fields:
        form.fields[name].widget.attrs["autofocus"] = True
        return name
    return ""


def _apply_service_error(form: Any, exc: services.StoreServiceError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@store_member_required()
@require_GET
def product_list(request: HttpRequest) -> HttpResponse:
    store = store_for_request(request)
    brands = catalog.brand_choices(store)
    categories = catalog.category_choices(store)
    form = ProductFilterForm(request.GET or None, brands=brands, categories=categories)
    filters = catalog.ProductFilters()
    after = 0
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        active = {"1": True, "0": False}.get(d.get("active") or "")
        filters = catalog.ProductFilters(
            q=d.get("q") or "",
            category=d.get("category"),
            brand=d.get("brand"),
            active=active,
            missing=d.get("missing") or "",
        )
        after = d.get("after") or 0
    page = catalog.product_page(store, filters, after=after) if not form.errors else None
    base = {k: v for k, v in request.GET.items() if k != "after" and v}
    return render(
        request,
        "store/catalog/product_list.html",
        {
            "nav": "catalog",
            "form": form,
            "page": page,
            "base_query": urlencode(base),
            "can_edit": _can_edit(request),
        },
        status=400 if form.errors else 200,
    )


def _product_or_404(store: Store, product_id: int) -> Product:
    product = catalog.product_for_store(store, product_id)
    if product is None:
        raise Http404
    return product


def _product_page(request: HttpRequest, store: Store, product: Product | None) -> HttpResponse:
    _refuse_viewer_post(request)
    form = ProductForm(request.POST or None, instance=product, store=store)
    focus = _focus(form, request)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services.catalog_product_save(store, product, form.product_input())
            except services.StoreServiceError as exc:
                _apply_service_error(form, exc)
            else:
                messages.success(request, _("Product saved. The sales channels check it again."))
                return redirect(
                    _next_url(request) or reverse("catalog-product", args=[store.account, saved.pk])
                )
        status = 400
    context = {
        "nav": "catalog",
        "form": form,
        "product": product,
        "skus": catalog.skus_of(product) if product is not None else [],
        "can_edit": _can_edit(request),
        "next": _next_url(request),
        "focus": focus,
    }
    return render(request, "store/catalog/product_form.html", context, status=status)


@store_member_required()
@require_http_methods(["GET", "POST"])
def product_new(request: HttpRequest) -> HttpResponse:
    if not _can_edit(request):
        raise PermissionDenied
    return _product_page(request, store_for_request(request), None)


@store_member_required()
@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, product_id: int) -> HttpResponse:
    store = store_for_request(request)
    return _product_page(request, store, _product_or_404(store, product_id))


def _sku_page(request: HttpRequest, store: Store, product: Product, sku: Sku | None) -> HttpResponse:
    # Before anything reads the body: an image past the cap is dropped as it streams in.
    cap = upload_cap_install(request, services.image_max_bytes())
    return _sku_page_checked(request, store, product, sku, cap.refused)


@csrf_protect
def _sku_page_checked(
    request: HttpRequest, store: Store, product: Product, sku: Sku | None, refused: list[str]
) -> HttpResponse:
    _refuse_viewer_post(request)
    policies = catalog.trade_policies_of(store)
    form = SkuForm(
        request.POST or None,
        request.FILES or None,
        product=product,
        sku=sku,
        policies=policies,
        refused_uploads=refused,
    )
    focus = _focus(form, request)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            removed = [img.pk for img in form.cleaned_data.get("remove_images") or []]
            try:
                saved = services.catalog_sku_save(
                    product,
                    sku,
                    form.sku_input(),
                    form.price_inputs(),
                    image=form.cleaned_data.get("image"),
                    remove_image_ids=removed,
                )
            except services.StoreServiceError as exc:
                _apply_service_error(form, exc)
            else:
                messages.success(request, _("SKU saved. The sales channels check it again."))
                return redirect(_next_url(request) or reverse("catalog-sku", args=[store.account, saved.pk]))
        status = 400
    prices = catalog.sku_prices_by_policy(sku) if sku is not None else {}
    context = {
        "nav": "catalog",
        "form": form,
        "product": product,
        "sku": sku,
        "images": catalog.sku_images(sku) if sku is not None else [],
        "price_rows": [(p, prices.get(p.pk)) for p in policies],
        "image_rule_min": services.IMAGE_RULE_MIN_SIDE,
        "image_max_mb": services.image_max_bytes() // (1024 * 1024),
        "can_edit": _can_edit(request),
        "next": _next_url(request),
        "focus": focus,
    }
    return render(request, "store/catalog/sku_form.html", context, status=status)


@csrf_exempt  # checked by _sku_page_checked, after the upload cap is installed
@store_member_required()
@require_http_methods(["GET", "POST"])
def sku_new(request: HttpRequest, product_id: int) -> HttpResponse:
    if not _can_edit(request):
        raise PermissionDenied
    store = store_for_request(request)
    return _sku_page(request, store, _product_or_404(store, product_id), None)


@csrf_exempt  # checked by _sku_page_checked, after the upload cap is installed
@store_member_required()
@require_http_methods(["GET", "POST"])
def sku_edit(request: HttpRequest, sku_id: int) -> HttpResponse:
    store = store_for_request(request)
    sku = catalog.sku_for_store(store, sku_id)
    if sku is None:
        raise Http404
    return _sku_page(request, store, sku.product, sku)
