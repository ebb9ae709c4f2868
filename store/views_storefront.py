"""The public storefront of each store, under /s/<account>/. Thin views over store.services."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import changes, selectors, services
from .access import call_in_store_time_zone
from .forms import CartLineForm, CheckoutForm
from .models import Category, Order, Product, Sku, SkuImage, Store

PAGE_SIZE = 24
SESSION_ORDERS = "storefront_orders"


def storefront_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Resolve the store; speak its language (unless the shopper chose one) and use its time zone."""

    @wraps(view)
    def wrapped(request: HttpRequest, account: str, *args: Any, **kwargs: Any) -> HttpResponse:
        store = get_object_or_404(Store, account=account)
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            translation.activate(store.locale)
            request.LANGUAGE_CODE = translation.get_language()
        request.storefront_store = store  # type: ignore[attr-defined]
        return call_in_store_time_zone(store, view, request, store, *args, **kwargs)

    return wrapped


def _session_key(request: HttpRequest) -> str:
    if not request.session.session_key:
        request.session.save()
    return request.session.session_key or ""


def _base_context(request: HttpRequest, store: Store) -> dict[str, Any]:
    cart = selectors.cart_for_session(store, request.session.session_key)
    count = sum(cart.items.values_list("quantity", flat=True)) if cart else 0
    return {
        "store": store,
        "cart_count": count,
        "top_categories": list(selectors.categories_for_storefront(store)[:12]),
    }


@require_GET
@storefront_view
def home(request: HttpRequest, store: Store) -> HttpResponse:
    policy = selectors.trade_policy_for_storefront(store)
    products = selectors.products_for_storefront(store, policy)
    featured = list(products.filter(any_in_stock=True, min_list_price__gt=F("min_price")).order_by("id")[:8])
    latest = list(products.order_by("-id")[:12])
    context = _base_context(request, store) | {"featured": featured, "latest": latest}
    return render(request, "store/storefront/home.html", context)


@require_GET
@storefront_view
def category(request: HttpRequest, store: Store, slug: str) -> HttpResponse:
    cat = get_object_or_404(Category, store=store, slug=slug)
    policy = selectors.trade_policy_for_storefront(store)
    products = selectors.products_for_storefront(store, policy)
    in_category = products.filter(Q(category=cat) | Q(category__parent=cat)).order_by("name", "id")
    page = Paginator(in_category.values_list("pk", flat=True), PAGE_SIZE).get_page(request.GET.get("page"))
    context = _base_context(request, store) | {
        "category": cat,
        "subcategories": list(cat.children.order_by("name")),
        "page": page,
        "page_products": selectors.products_page(products, list(page.object_list)),
    }
    return render(request, "store/storefront/category.html", context)


def _spec_picker(skus: list[Sku], selected: Sku) -> list[dict[str, Any]]:
    """For each specification (color, size...), its values, each linked to the SKU that keeps the
    other choices and changes only this one (or any SKU with that value)."""
    keys: list[str] = []
    for sku in skus:
        for key in sku.specifications or {}:
            if key not in keys:
                keys.append(key)
    current = selected.specifications or {}
    groups = []
    for key in keys:
        values: list[str] = []
        for sku in skus:
            value = (sku.specifications or {}).get(key)
            if value is not None and str(value) not in values:
                values.append(str(value))
        options = []
        for value in values:
            wanted = {**{k: str(v) for k, v in current.items()}, key: value}
            match = next(
                (s for s in skus if {k: str(v) for k, v in (s.specifications or {}).items()} == wanted), None
            ) or next((s for s in skus if str((s.specifications or {}).get(key)) == value), None)
            options.append(
                {
                    "value": value,
                    "sku": match,
                    "selected": str(current.get(key)) == value,
                    "in_stock": bool(match and match.stock > 0),
                }
            )
        groups.append({"key": key, "options": options})
    return groups


@require_GET
@storefront_view
def product(request: HttpRequest, store: Store, slug: str) -> HttpResponse:
    prod = get_object_or_404(
        Product.objects.select_related("brand", "category"), store=store, slug=slug, is_active=True
    )
    policy = selectors.trade_policy_for_storefront(store)
    all_skus = list(prod.skus.filter(is_active=True).order_by("id"))
    prices = selectors.sku_prices(policy, [s.pk for s in all_skus])
    skus = [s for s in all_skus if s.pk in prices]
    if not skus:
        raise Http404
    # `skuId` is VTEX's own parameter, used in the landing page URLs sent to TikTok.
    wanted = request.GET.get("sku") or request.GET.get("skuId", "")
    selected = next((s for s in skus if str(s.pk) == wanted), None)
    selected = selected or next((s for s in skus if s.stock > 0), skus[0])
    images = list(SkuImage.objects.filter(sku=selected).order_by("position", "id"))
    if not images:
        images = list(SkuImage.objects.filter(sku__product=prod).order_by("sku_id", "position", "id")[:6])
    # Subscribers (the pixel's ViewContent) get the prices this page shows, without a query of their own.
    for sku in skus:
        sku.storefront_price = prices[sku.pk].price  # type: ignore[attr-defined]
    changes.publish(changes.ProductViewed(request, store, prod, skus))
    context = _base_context(request, store) | {
        "product": prod,
        "skus": skus,
        "selected": selected,
        "price": prices[selected.pk],
        "images": images,
        "picker": _spec_picker(skus, selected),
    }
    return render(request, "store/storefront/product.html", context)


def _render_cart(request: HttpRequest, store: Store, *, error: str = "", status: int = 200) -> HttpResponse:
    policy = selectors.trade_policy_for_storefront(store)
    cart = selectors.cart_for_session(store, request.session.session_key)
    lines, total = selectors.cart_lines(cart, policy)
    context = _base_context(request, store) | {"lines": lines, "total": total, "error": error}
    return render(request, "store/storefront/cart.html", context, status=status)


def _cart_refused(request: HttpRequest, store: Store, error: services.StoreServiceError) -> HttpResponse:
    """The one answer to a refused cart change: the cart again, with the error's message above it and its
    HTTP status (404 for a SKU not sold here, 409 out of stock, 400 otherwise)."""
    return _render_cart(request, store, error=error.message, status=error.http_status)


@require_GET
@storefront_view
def cart(request: HttpRequest, store: Store) -> HttpResponse:
    return _render_cart(request, store)


def _cart_line(request: HttpRequest, store: Store) -> tuple[CartLineForm, HttpResponse | None]:
    """The posted cart line, or the cart again with the form's message (400) when the form refuses it."""
    form = CartLineForm(request.POST)
    if form.is_valid():
        return form, None
    message = " ".join(str(e) for errors in form.errors.values() for e in errors)
    return form, _render_cart(request, store, error=message, status=400)


@require_POST
@storefront_view
def cart_add(request: HttpRequest, store: Store) -> HttpResponse:
    form, refused = _cart_line(request, store)
    if refused is not None:
        return refused
    # Without a quantity the button adds one unit (an empty quantity posted is refused by the service).
    quantity = form.cleaned_data["quantity"] if "quantity" in request.POST else "1"
    try:
        item = services.cart_add(
            store, _session_key(request), form.cleaned_data["sku_id"], quantity, request=request
        )
    except services.StoreServiceError as exc:
        return _cart_refused(request, store, exc)
    messages.success(request, _("“%(name)s” was added to your cart.") % {"name": item.sku})
    return redirect("storefront-cart", account=store.account)


@require_POST
@storefront_view
def cart_update(request: HttpRequest, store: Store) -> HttpResponse:
    form, refused = _cart_line(request, store)
    if refused is not None:
        return refused
    try:
        services.cart_set_quantity(
            store,
            request.session.session_key or "",
            form.cleaned_data["sku_id"],
            form.cleaned_data["quantity"],
        )
    except services.StoreServiceError as exc:
        return _cart_refused(request, store, exc)
    messages.success(request, _("Your cart was updated."))
    return redirect("storefront-cart", account=store.account)


@require_POST
@storefront_view
def cart_remove(request: HttpRequest, store: Store) -> HttpResponse:
    form, refused = _cart_line(request, store)
    if refused is not None:
        return refused
    try:
        services.cart_remove(store, request.session.session_key or "", form.cleaned_data["sku_id"])
    except services.StoreServiceError as exc:
        return _cart_refused(request, store, exc)
    messages.success(request, _("The product was removed from your cart."))
    return redirect("storefront-cart", account=store.account)


@require_http_methods(["GET", "POST"])
@storefront_view
def checkout(request: HttpRequest, store: Store) -> HttpResponse:
    policy = selectors.trade_policy_for_storefront(store)
    cart_obj = selectors.cart_for_session(store, request.session.session_key)
    lines, total = selectors.cart_lines(cart_obj, policy)
    values = {"name": "", "email": "", "phone": "+55 "}
    errors: dict[str, str] = {}
    error = ""
    status = 200
    if request.method == "POST":
        form = CheckoutForm(request.POST)
        valid = form.is_valid()
        # A refused field is shown again empty (its raw bytes are never echoed into the page).
        values = {k: form.cleaned_data.get(k, "") for k in values}
        if not valid:
            errors, status = {name: str(errs[0]) for name, errs in form.errors.items()}, 400
        else:
            try:
                order = services.checkout_place_order(
                    store, cart_obj, values["email"], values["phone"], values["name"], request=request
                )
            except services.CheckoutError as exc:
                errors, status = exc.errors, exc.http_status
            except services.StoreServiceError as exc:
                error, status = exc.message, exc.http_status
            else:
                placed = request.session.get(SESSION_ORDERS, [])
                request.session[SESSION_ORDERS] = [*placed[-19:], order.number]
                return redirect("storefront-order", account=store.account, number=order.number)
    elif not lines:
        return redirect("storefront-cart", account=store.account)
    context = _base_context(request, store) | {
        "lines": lines,
        "total": total,
        "values": values,
        "errors": errors,
        "error": error,
    }
    return render(request, "store/storefront/checkout.html", context, status=status)


@require_GET
@storefront_view
def order(request: HttpRequest, store: Store, number: str) -> HttpResponse:
    # Only the browser session that placed the order can see it (order numbers are guessable).
    if number not in request.session.get(SESSION_ORDERS, []):
        raise Http404
    placed = get_object_or_404(Order.objects.prefetch_related("items"), store=store, number=number)
    context = _base_context(request, store) | {"order": placed, "items": list(placed.items.order_by("id"))}
    return render(request, "store/storefront/order.html", context)
