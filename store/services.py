"""Every change to the store goes through these functions: the storefront, the admin shell and the
Django admin call them, so validation, stock rules and catalog dirty-marking live in one place."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils.translation import gettext as _

from pixel import hooks as pixel_hooks

from .models import (
    Cart,
    CartItem,
    InstalledApp,
    Order,
    OrderItem,
    OrderSource,
    Product,
    Sku,
    SkuPrice,
    Store,
    TradePolicy,
)
from .selectors import trade_policy_for_storefront

MAX_LINE_QUANTITY = 999
PHONE_RE = re.compile(r"^\+(\d{1,3})[\s.-]?(?:\(?\d{1,4}\)?[\s.-]?)?\d[\d\s.-]{5,14}\d$")


class StoreServiceError(Exception):
    """A rejected request: `message` is shown to the user, `status` is the HTTP status to answer with.

    Raised before anything is written (or inside the transaction, which is then rolled back)."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFoundError(StoreServiceError):
    status = 404


class OutOfStockError(StoreServiceError):
    status = 409


# --- catalog dirty-marking ---------------------------------------------------------------------


def _skus_changed(store_id: int, sku_ids: Iterable[int]) -> None:
    ids = list(sku_ids)
    if not ids:
        return
    try:
        from catalog_sync.dirty import skus_mark_dirty
    except ModuleNotFoundError as exc:
        # catalog_sync ships its dirty-tracking with the catalog sync issue; before that there is
        # nothing to keep in step with TikTok.
        if exc.name != "catalog_sync.dirty":
            raise
        return
    skus_mark_dirty(store_id, ids)


def _products_changed(store_id: int, product_ids: Iterable[int]) -> None:
    ids = list(product_ids)
    if not ids:
        return
    try:
        from catalog_sync.dirty import products_mark_dirty
    except ModuleNotFoundError as exc:
        if exc.name != "catalog_sync.dirty":
            raise
        return
    products_mark_dirty(store_id, ids)


# --- input parsing -------------------------------------------------------------------------------


def _parse_quantity(value: object) -> int:
    try:
        qty = int(str(value).strip())
    except (TypeError, ValueError):
        raise StoreServiceError(_("Enter a whole number as the quantity."), field="quantity") from None
    if qty < 1:
        raise StoreServiceError(_("The quantity must be at least 1."), field="quantity")
    if qty > MAX_LINE_QUANTITY:
        raise StoreServiceError(
            _("The quantity can be at most %(max)d.") % {"max": MAX_LINE_QUANTITY}, field="quantity"
        )
    return qty


def _parse_id(value: object) -> int:
    try:
        parsed = int(str(value).strip())
    except (TypeError, ValueError):
        raise NotFoundError(_("This product is not available in this store.")) from None
    if parsed < 1:
        raise NotFoundError(_("This product is not available in this store."))
    return parsed


def _sellable_sku(store: Store, sku_id: object, policy: TradePolicy | None) -> tuple[Sku, SkuPrice]:
    """The SKU of *this* store, active and priced in the storefront policy; anything else is 404."""
    pk = _parse_id(sku_id)
    sku = (
        Sku.objects.select_related("product")
        .filter(store=store, pk=pk, is_active=True, product__is_active=True)
        .first()
    )
    price = SkuPrice.objects.filter(trade_policy=policy, sku=sku).first() if sku and policy else None
    if sku is None or price is None:
        raise NotFoundError(_("This product is not available in this store."))
    return sku, price


def _stock_error(sku: Sku) -> OutOfStockError:
    if sku.stock <= 0:
        return OutOfStockError(_("“%(name)s” is out of stock.") % {"name": sku})
    return OutOfStockError(
        _("Only %(stock)d unit(s) of “%(name)s” in stock.") % {"stock": sku.stock, "name": sku},
        field="quantity",
    )


# --- cart --------------------------------------------------------------------------------------


def cart_get_or_create(store: Store, session_key: str) -> Cart:
    if not session_key:
        raise StoreServiceError(_("Your session expired. Reload the page and try again."))
    cart, _created = Cart.objects.get_or_create(store=store, session_key=session_key)
    return cart


def cart_add(
    store: Store, session_key: str, sku_id: object, qty: object, *, request: HttpRequest | None = None
) -> CartItem:
    """Add `qty` of the SKU to the session's cart (adding to a line already there)."""
    quantity = _parse_quantity(qty)
    policy = trade_policy_for_storefront(store)
    with transaction.atomic():
        sku, price = _sellable_sku(store, sku_id, policy)
        cart = cart_get_or_create(store, session_key)
        item = CartItem.objects.select_for_update().filter(cart=cart, sku=sku).first()
        new_quantity = quantity + (item.quantity if item else 0)
        if new_quantity > sku.stock:
            raise _stock_error(sku)
        if new_quantity > MAX_LINE_QUANTITY:
            raise StoreServiceError(
                _("The quantity can be at most %(max)d.") % {"max": MAX_LINE_QUANTITY}, field="quantity"
            )
        if item is None:
            item = CartItem.objects.create(cart=cart, sku=sku, quantity=new_quantity)
        else:
            item.quantity = new_quantity
            item.save(update_fields=["quantity"])
        if request is not None:
            pixel_hooks.on_add_to_cart(request, store, sku, quantity, price.price)
    return item


def cart_set_quantity(store: Store, session_key: str, sku_id: object, qty: object) -> CartItem:
    quantity = _parse_quantity(qty)
    pk = _parse_id(sku_id)
    with transaction.atomic():
        item = (
            # Lock the cart line only, not the joined SKU and product rows.
            CartItem.objects.select_for_update(of=("self",))
            .select_related("sku__product")
            .filter(cart__store=store, cart__session_key=session_key, sku_id=pk)
            .first()
        )
        if item is None or not session_key:
            raise NotFoundError(_("This product is not in your cart."))
        if quantity > item.sku.stock:
            raise _stock_error(item.sku)
        item.quantity = quantity
        item.save(update_fields=["quantity"])
    return item


def cart_remove(store: Store, session_key: str, sku_id: object) -> None:
    pk = _parse_id(sku_id)
    deleted, _detail = CartItem.objects.filter(
        cart__store=store, cart__session_key=session_key, sku_id=pk
    ).delete()
    if not deleted or not session_key:
        raise NotFoundError(_("This product is not in your cart."))


# --- checkout ----------------------------------------------------------------------------------


def _clean_checkout(email: str, phone: str, name: str) -> tuple[str, str, str]:
    errors: dict[str, str] = {}
    name = (name or "").strip()
    email = (email or "").strip()
    phone = (phone or "").strip()
    if not name:
        errors["name"] = _("Enter your name.")
    elif len(name) > 200:
        errors["name"] = _("The name can have at most 200 characters.")
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = _("Enter a valid e-mail address.")
    if not PHONE_RE.match(phone):
        errors["phone"] = _("Enter the phone number with the country code, e.g. +55 11 91234-5678.")
    if errors:
        raise CheckoutError(errors)
    digits = re.sub(r"\D", "", phone)
    return email.lower(), f"+{digits}", name


class CheckoutError(StoreServiceError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


def checkout_place_order(
    store: Store, cart: Cart | None, email: str, phone: str, name: str, *, request: HttpRequest | None = None
) -> Order:
    """Turn the cart into an order: prices from the storefront trade policy, stock taken with a
    compare-and-set (never below zero), the cart emptied, all in one transaction."""
    email, phone, name = _clean_checkout(email, phone, name)
    if cart is None or cart.store_id != store.pk:
        raise StoreServiceError(_("Your cart is empty."))
    policy = trade_policy_for_storefront(store)
    if policy is None:
        raise StoreServiceError(_("This store is not selling right now."))
    with transaction.atomic():
        items = list(
            CartItem.objects.select_for_update(of=("self",)).filter(cart=cart).select_related("sku__product")
        )
        if not items:
            raise StoreServiceError(_("Your cart is empty."))
        prices = {
            p.sku_id: p
            for p in SkuPrice.objects.filter(trade_policy=policy, sku_id__in=[i.sku_id for i in items])
        }
        order = Order.objects.create(
            store=store,
            number=f"pending-{uuid.uuid4().hex}",
            source=OrderSource.STOREFRONT,
            status="created",
            customer_name=name,
            email=email,
            phone=phone,
            currency=policy.currency,
            trade_policy=policy,
        )
        total = Decimal("0.00")
        lines: list[OrderItem] = []
        for item in items:
            sku = item.sku
            price = prices.get(sku.pk)
            if price is None or not sku.is_active or not sku.product.is_active:
                raise NotFoundError(
                    _("“%(name)s” is no longer available. Remove it from your cart.") % {"name": sku}
                )
            taken = Sku.objects.filter(pk=sku.pk, stock__gte=item.quantity).update(
                stock=F("stock") - item.quantity
            )
            if not taken:
                sku.refresh_from_db(fields=["stock"])
                raise _stock_error(sku)
            line_total = price.price * item.quantity
            total += line_total
            lines.append(
                OrderItem(
                    order=order,
                    sku=sku,
                    sku_code=str(sku.pk),
                    name=str(sku)[:500],
                    quantity=item.quantity,
                    unit_price=price.price,
                    total=line_total,
                )
            )
        OrderItem.objects.bulk_create(lines)
        order.number = f"{order.pk + 1000000}-01"
        order.total = total
        order.save(update_fields=["number", "total"])
        CartItem.objects.filter(cart=cart).delete()
        _skus_changed(store.pk, [i.sku_id for i in items])
        if request is not None:
            pixel_hooks.on_order_placed(request, store, order)
    return order


# --- catalog editing (admin) --------------------------------------------------------------------

PRODUCT_EDITABLE = {"name", "slug", "ref_id", "description", "category", "brand", "condition", "is_active"}
SKU_EDITABLE = {"name", "ref_id", "ean", "specifications", "stock", "is_active"}


def _check_store(store_id: int, obj: Any, what: str) -> None:
    if obj is not None and getattr(obj, "store_id", store_id) != store_id:
        raise StoreServiceError(_("The %(what)s belongs to another store.") % {"what": what})


def product_update(product: Product, **fields: Any) -> Product:
    unknown = set(fields) - PRODUCT_EDITABLE
    if unknown:
        raise StoreServiceError(
            _("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    _check_store(product.store_id, fields.get("category"), _("category"))
    _check_store(product.store_id, fields.get("brand"), _("brand"))
    for key, value in fields.items():
        setattr(product, key, value)
    product.full_clean(validate_unique=True, validate_constraints=True)
    with transaction.atomic():
        product.save()
        _products_changed(product.store_id, [product.pk])
    return product


def product_save(product: Product) -> Product:
    """Save a product built or edited elsewhere (e.g. the Django admin form) and mark it changed."""
    with transaction.atomic():
        product.save()
        _products_changed(product.store_id, [product.pk])
    return product


def _bulk_set(
    model: type[Product] | type[Sku],
    ids: Iterable[int],
    field: str,
    value: object,
    changed: Callable[[int, list[int]], None],
) -> int:
    """Set `field` on the rows that differ, then tell the sync which rows changed, per store: unchanged rows
    are neither written nor marked dirty."""
    with transaction.atomic():
        by_store: dict[int, list[int]] = {}
        rows = model.objects.filter(pk__in=list(ids)).exclude(**{field: value}).values_list("pk", "store_id")
        for pk, store_id in rows:
            by_store.setdefault(store_id, []).append(pk)
        count = model.objects.filter(pk__in=[p for ps in by_store.values() for p in ps]).update(
            **{field: value}
        )
        for store_id, pks in by_store.items():
            changed(store_id, pks)
    return count


def products_set_active(product_ids: Iterable[int], active: bool) -> int:
    return _bulk_set(Product, product_ids, "is_active", active, _products_changed)


def sku_update(sku: Sku, **fields: Any) -> Sku:
    unknown = set(fields) - SKU_EDITABLE
    if unknown:
        raise StoreServiceError(
            _("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    if "stock" in fields:
        _validate_stock(fields["stock"])
    for key, value in fields.items():
        setattr(sku, key, value)
    sku.full_clean(exclude=["product", "store"])
    with transaction.atomic():
        sku.save()
        _skus_changed(sku.store_id, [sku.pk])
    return sku


def sku_save(sku: Sku) -> Sku:
    """Save a SKU built or edited elsewhere (e.g. the Django admin form) and mark it changed."""
    if sku.product_id and sku.store_id and sku.product.store_id != sku.store_id:
        raise StoreServiceError(_("The product belongs to another store."))
    with transaction.atomic():
        sku.save()
        _skus_changed(sku.store_id, [sku.pk])
    return sku


def _validate_stock(stock: object) -> int:
    if isinstance(stock, bool) or not isinstance(stock, int):
        raise StoreServiceError(_("Enter a whole number as the stock."), field="stock")
    if stock < 0:
        raise StoreServiceError(_("The stock cannot be negative."), field="stock")
    return stock


def sku_set_stock(sku: Sku, stock: int) -> Sku:
    stock = _validate_stock(stock)
    with transaction.atomic():
        Sku.objects.filter(pk=sku.pk).update(stock=stock)
        sku.stock = stock
        _skus_changed(sku.store_id, [sku.pk])
    return sku


def skus_set_stock(sku_ids: Iterable[int], stock: int) -> int:
    stock = _validate_stock(stock)
    return _bulk_set(Sku, sku_ids, "stock", stock, _skus_changed)


def skus_set_active(sku_ids: Iterable[int], active: bool) -> int:
    return _bulk_set(Sku, sku_ids, "is_active", active, _skus_changed)


def _parse_money(value: object, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise StoreServiceError(_("Enter a valid amount."), field=field) from None
    if amount < 0 or not amount.is_finite():
        raise StoreServiceError(_("The amount cannot be negative."), field=field)
    return amount


def sku_set_price(
    sku: Sku, trade_policy: TradePolicy, price: object, list_price: object | None = None
) -> SkuPrice:
    if trade_policy.store_id != sku.store_id:
        raise StoreServiceError(_("The trade policy belongs to another store."))
    amount = _parse_money(price, "price")
    list_amount = _parse_money(list_price, "list_price") if list_price not in (None, "") else None
    with transaction.atomic():
        row, _created = SkuPrice.objects.update_or_create(
            trade_policy=trade_policy, sku=sku, defaults={"price": amount, "list_price": list_amount}
        )
        _skus_changed(sku.store_id, [sku.pk])
    return row


def sku_price_save(row: SkuPrice) -> SkuPrice:
    if row.trade_policy.store_id != row.sku.store_id:
        raise StoreServiceError(_("The trade policy belongs to another store."))
    with transaction.atomic():
        row.save()
        _skus_changed(row.sku.store_id, [row.sku_id])
    return row


def sku_mark_changed(sku: Sku) -> None:
    """For edits saved outside these services (e.g. an image in the Django admin) that change what
    TikTok receives for the SKU."""
    _skus_changed(sku.store_id, [sku.pk])


# --- apps --------------------------------------------------------------------------------------


def app_install(store: Store, app: str, *, actor: Any = None) -> InstalledApp:
    from integration.models import AuditAction, AuditEvent

    from .app_catalog import app_listing

    if app_listing(app) is None:
        raise NotFoundError(_("This app does not exist in the App Store."))
    with transaction.atomic():
        row, created = InstalledApp.objects.get_or_create(
            store=store, app=app, defaults={"installed_by": actor if getattr(actor, "pk", None) else None}
        )
        if not created:
            raise StoreServiceError(_("This app is already installed."))
        AuditEvent.objects.create(
            store=store,
            actor=actor if getattr(actor, "pk", None) else None,
            action=AuditAction.APP_INSTALLED,
            detail={"app": app},
        )
    return row


def app_uninstall(store: Store, app: str, *, actor: Any = None) -> None:
    """Uninstalling while TikTok is connected is refused: disconnecting is its own, explicit step
    (it stops the pixel and the sync and may fail on TikTok's side), so the merchant does it first."""
    from integration.models import AuditAction, AuditEvent
    from integration.selectors import connection_active_for_store

    with transaction.atomic():
        row = InstalledApp.objects.select_for_update().filter(store=store, app=app).first()
        if row is None:
            raise NotFoundError(_("This app is not installed."))
        if app == "tiktok" and connection_active_for_store(store.pk) is not None:
            raise StoreServiceError(
                _("Disconnect TikTok first (Marketplace > TikTok > Disconnect), then uninstall the app.")
            )
        row.delete()
        AuditEvent.objects.create(
            store=store,
            actor=actor if getattr(actor, "pk", None) else None,
            action=AuditAction.APP_UNINSTALLED,
            detail={"app": app},
        )
