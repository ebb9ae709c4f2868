"""Orders: the storefront checkout, and orders a channel took elsewhere (e.g. TikTok Shop) written into
the store. Either way the stock taken and the order itself are published to the channels."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.http import HttpRequest
from django.utils.translation import gettext as _

from core.phones import PhoneCharactersError, PhoneError, phone_e164

from .. import changes
from ..models import Cart, CartItem, Order, OrderItem, OrderSource, Sku, SkuPrice, Store
from ..selectors import trade_policy_for_storefront
from .cart import stock_error
from .errors import CheckoutError, NotFoundError, StoreServiceError


def _clean_checkout(store: Store, email: str, phone: str, name: str) -> tuple[str, str, str]:
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
    try:
        # A number typed without +: the store's country (a Brazilian store's shoppers type "11 9...").
        phone = phone_e164(phone, store.country or None)
    except PhoneCharactersError as exc:
        errors["phone"] = exc.message
    except PhoneError:
        errors["phone"] = _("Enter the phone number with the country code, e.g. +55 11 91234-5678.")
    if errors:
        raise CheckoutError(errors)
    return email.lower(), phone, name


def checkout_place_order(
    store: Store, cart: Cart | None, email: str, phone: str, name: str, *, request: HttpRequest | None = None
) -> Order:
    """Turn the cart into an order: prices from the storefront trade policy, stock taken with a
    compare-and-set (never below zero), the cart emptied, all in one transaction."""
    email, phone, name = _clean_checkout(store, email, phone, name)
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
                raise stock_error(sku)
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
        changes.publish(changes.SkusChanged(store.pk, tuple(i.sku_id for i in items)))
        changes.publish(changes.OrderPlaced(order, request=request))
    return order


# --- orders taken by a channel ---------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelOrderLine:
    """`sku_code` is the channel's seller SKU: the store's SKU id (what the catalog sends) when known."""

    sku_code: str
    name: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class ChannelOrder:
    source: str
    external_id: str
    number: str
    external_status: str
    status: str
    customer_name: str
    email: str
    phone: str
    currency: str
    total: Decimal
    lines: Sequence[ChannelOrderLine]


def _sku_for(store_id: int, sku_code: str) -> Sku | None:
    if not sku_code.isdigit():
        return None
    return Sku.objects.filter(store_id=store_id, pk=int(sku_code)).first()


def channel_order_create(store_id: int, data: ChannelOrder, *, reserve_stock: bool) -> Order:
    """Write an order a channel took, with its items, in one transaction (a savepoint inside the caller's).
    With `reserve_stock`, each line of a known SKU takes its quantity from the stock (never below zero):
    only here, so an order re-read by the channel is never reserved twice. Raises IntegrityError, having
    written nothing, when the store already has the order (store, source, external id) or its number."""
    with transaction.atomic():
        order = Order.objects.create(
            store_id=store_id,
            number=data.number,
            source=data.source,
            external_id=data.external_id,
            external_status=data.external_status,
            status=data.status,
            customer_name=data.customer_name,
            email=data.email,
            phone=data.phone,
            currency=data.currency,
            total=data.total,
        )
        reserved: list[int] = []
        for line in data.lines:
            sku = _sku_for(store_id, line.sku_code)
            OrderItem.objects.create(
                order=order,
                sku=sku,
                sku_code=line.sku_code,
                name=line.name[:500],
                quantity=line.quantity,
                unit_price=line.unit_price,
                total=line.unit_price * line.quantity,
            )
            if reserve_stock and sku is not None:
                Sku.objects.filter(pk=sku.pk).update(stock=Greatest(F("stock") - line.quantity, 0))
                reserved.append(sku.pk)
        if reserved:
            changes.publish(changes.SkusChanged(store_id, tuple(reserved)))
        changes.publish(changes.OrderPlaced(order))
    return order


def channel_order_set_status(order: Order, *, external_status: str, status: str) -> None:
    """The channel reports a new status for an order it took."""
    Order.objects.filter(pk=order.pk).update(external_status=external_status, status=status)
    order.external_status, order.status = external_status, status
