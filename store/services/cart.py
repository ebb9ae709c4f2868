"""The shopper's cart: add, change quantity, remove. Lines are checked against the storefront trade policy
and the stock."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from .. import changes
from ..models import Cart, CartItem, Sku, SkuPrice, Store, TradePolicy
from ..selectors import trade_policy_for_storefront
from .errors import NotFoundError, OutOfStockError, StoreServiceError

MAX_LINE_QUANTITY = 999


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


def stock_error(sku: Sku) -> OutOfStockError:
    if sku.stock <= 0:
        return OutOfStockError(_("“%(name)s” is out of stock.") % {"name": sku})
    return OutOfStockError(
        _("Only %(stock)d unit(s) of “%(name)s” in stock.") % {"stock": sku.stock, "name": sku},
        field="quantity",
    )


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
            raise stock_error(sku)
        if new_quantity > MAX_LINE_QUANTITY:
            raise StoreServiceError(
                _("The quantity can be at most %(max)d.") % {"max": MAX_LINE_QUANTITY}, field="quantity"
            )
        if item is None:
            item = CartItem.objects.create(cart=cart, sku=sku, quantity=new_quantity)
        else:
            item.quantity = new_quantity
            item.save(update_fields=["quantity"])
        changes.publish(changes.CartItemAdded(store, sku, quantity, price.price, request=request))
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
            raise stock_error(item.sku)
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
