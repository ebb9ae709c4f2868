"""Catalog edits (the admin shell and the Django admin): each one is published to the channels in its own
transaction, so the TikTok catalog sync sees every change."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from .. import changes
from ..models import Product, Sku, SkuPrice, TradePolicy
from .errors import StoreServiceError

PRODUCT_EDITABLE = {"name", "slug", "ref_id", "description", "category", "brand", "condition", "is_active"}
SKU_EDITABLE = {"name", "ref_id", "ean", "specifications", "stock", "is_active"}


def _skus_changed(store_id: int, sku_ids: Iterable[int]) -> None:
    ids = tuple(sku_ids)
    if ids:
        changes.publish(changes.SkusChanged(store_id, ids))


def _products_changed(store_id: int, product_ids: Iterable[int]) -> None:
    ids = tuple(product_ids)
    if ids:
        changes.publish(changes.ProductsChanged(store_id, ids))


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
    """Set `field` on the rows that differ, then tell the channels which rows changed, per store: unchanged
    rows are neither written nor published."""
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
