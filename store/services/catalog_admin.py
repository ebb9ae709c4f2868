"""What Catalog > Products and SKUs saves: a product with the brand or category typed next to it, and a
SKU with its prices per trade policy and images, each in one transaction that publishes the change to the
channels once (so a bad value anywhere leaves everything as it was)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .. import changes
from ..models import Brand, Category, Product, Sku, SkuImage, SkuPrice, Store, TradePolicy
from .errors import StoreServiceError
from .images import PreparedImage


@dataclass(frozen=True)
class ProductInput:
    name: str
    description: str
    brand: Brand | None
    category: Category | None
    is_active: bool
    new_brand: str = ""
    new_category: str = ""


@dataclass(frozen=True)
class SkuInput:
    name: str
    ref_id: str
    ean: str
    specifications: dict[str, Any]
    stock: int
    is_active: bool


@dataclass(frozen=True)
class PriceInput:
    trade_policy: TradePolicy
    price: Decimal | None  # None: not sold in this trade policy
    list_price: Decimal | None


def _unique_slug(model: type[Product] | type[Category], store: Store, name: str, max_length: int) -> str:
    base = (slugify(name) or "item")[: max_length - 12]
    slug, n = base, 1
    while model.objects.filter(store=store, slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def brand_get_or_create(store: Store, name: str) -> Brand:
    """The store's brand of that name (case-insensitive), created if there is none."""
    name = " ".join(name.split())
    brand = Brand.objects.filter(store=store, name__iexact=name).first()
    if brand is None:
        brand = Brand(store=store, name=name)
        _full_clean(brand)
        brand.save()
    return brand


def category_get_or_create(store: Store, name: str) -> Category:
    name = " ".join(name.split())
    category = Category.objects.filter(store=store, name__iexact=name).first()
    if category is None:
        category = Category(store=store, name=name, slug=_unique_slug(Category, store, name, 160))
        _full_clean(category)
        category.save()
    return category


def catalog_product_save(store: Store, product: Product | None, data: ProductInput) -> Product:
    """Create (`product` None) or change a product of `store`, with a brand or category typed inline."""
    for obj, what in ((data.brand, _("brand")), (data.category, _("category"))):
        if obj is not None and obj.store_id != store.pk:
            raise StoreServiceError(_("The %(what)s belongs to another store.") % {"what": what})
    if product is not None and product.store_id != store.pk:
        raise StoreServiceError(_("The product belongs to another store."))
    with transaction.atomic():
        brand = brand_get_or_create(store, data.new_brand) if data.new_brand.strip() else data.brand
        category = (
            category_get_or_create(store, data.new_category) if data.new_category.strip() else data.category
        )
        if product is None:
            product = Product(store=store, slug=_unique_slug(Product, store, data.name, 200))
        product.name = data.name
        product.description = data.description
        product.brand = brand
        product.category = category
        product.is_active = data.is_active
        _full_clean(product, validate_unique=True, validate_constraints=True)
        product.save()
        changes.publish(changes.ProductsChanged(store.pk, (product.pk,)))
    return product


def sku_duplicate_field(store: Store, sku: Sku | None, *, ean: str, ref_id: str) -> str | None:
    """ "ean" or "ref_id" when another SKU of the store already has that value, else None."""
    others = Sku.objects.filter(store=store)
    if sku is not None and sku.pk:
        others = others.exclude(pk=sku.pk)
    if ean and others.filter(ean=ean).exists():
        return "ean"
    if ref_id and others.filter(ref_id=ref_id).exists():
        return "ref_id"
    return None


def duplicate_message(field: str) -> str:
    if field == "ean":
        return _("Another SKU of this store already has this EAN.")
    return _("Another SKU of this store already has this reference code.")


def _check_prices(store: Store, prices: list[PriceInput]) -> None:
    for row in prices:
        if row.trade_policy.store_id != store.pk:
            raise StoreServiceError(_("The trade policy belongs to another store."))
        field = f"price_{row.trade_policy.pk}"
        if row.price is None:
            if row.list_price is not None:
                raise StoreServiceError(
                    _("Enter the selling price too, or clear the list price."), field=field
                )
            continue
        if row.price < 0:
            raise StoreServiceError(_("The price cannot be negative."), field=field)
        if row.list_price is not None and row.list_price < row.price:
            raise StoreServiceError(
                _("The list price cannot be lower than the selling price."),
                field=f"list_price_{row.trade_policy.pk}",
            )


def catalog_sku_save(
    product: Product,
    sku: Sku | None,
    data: SkuInput,
    prices: list[PriceInput],
    *,
    image: PreparedImage | None = None,
    remove_image_ids: list[int] | None = None,
) -> Sku:
    """Create (`sku` None) or change a SKU of `product` with its prices, images removed and a new main
    image, in one transaction that publishes SkusChanged once."""
    store = product.store
    if sku is not None and sku.product_id != product.pk:
        raise StoreServiceError(_("The SKU belongs to another product."))
    if data.stock < 0:
        raise StoreServiceError(_("The stock cannot be negative."), field="stock")
    _check_prices(store, prices)
    removed: list[str] = []
    stored: list[str] = []
    try:
        sku = _sku_write(product, sku, data, prices, image, remove_image_ids or [], removed, stored)
    except Exception:
        # Rolled back: the new image's file, written before the row, must not stay behind.
        for name in stored:
            default_storage.delete(name)
        raise
    return sku


def _sku_write(
    product: Product,
    sku: Sku | None,
    data: SkuInput,
    prices: list[PriceInput],
    image: PreparedImage | None,
    remove_image_ids: list[int],
    removed: list[str],
    stored: list[str],
) -> Sku:
    store = product.store
    with transaction.atomic():
        # Serialise saves of the store's SKUs so two of them cannot take the same EAN at once.
        Store.objects.select_for_update().filter(pk=store.pk).first()
        duplicate = sku_duplicate_field(store, sku, ean=data.ean, ref_id=data.ref_id)
        if duplicate:
            raise StoreServiceError(duplicate_message(duplicate), field=duplicate)
        if sku is None:
            sku = Sku(store=store, product=product)
        for key, value in data.__dict__.items():
            setattr(sku, key, value)
        _full_clean(sku, exclude=["product", "store"])
        sku.save()
        for row in prices:
            if row.price is None:
                SkuPrice.objects.filter(trade_policy=row.trade_policy, sku=sku).delete()
            else:
                SkuPrice.objects.update_or_create(
                    trade_policy=row.trade_policy,
                    sku=sku,
                    defaults={"price": row.price, "list_price": row.list_price},
                )
        if remove_image_ids:
            doomed = SkuImage.objects.filter(sku=sku, pk__in=remove_image_ids)
            removed.extend(name for name in doomed.values_list("image", flat=True) if name)
            doomed.delete()
        if image is not None:
            # The new image becomes the main one (position 0): the others move one place down.
            SkuImage.objects.filter(sku=sku).update(position=F("position") + 1)
            row = SkuImage(sku=sku, position=0)
            row.image.save(
                f"sku{sku.pk}-{uuid.uuid4().hex[:12]}.{image.extension}",
                ContentFile(image.content),
                save=False,
            )
            stored.append(row.image.name)
            row.width, row.height = image.width, image.height
            row.save()
        changes.publish(changes.SkusChanged(store.pk, (sku.pk,)))
        transaction.on_commit(lambda: _delete_unused_files(removed))
    return sku


def _delete_unused_files(names: list[str]) -> None:
    """Delete the removed images' files that no other image row uses (the demo shares one file
    between many SKUs)."""
    used = set(SkuImage.objects.filter(image__in=names).values_list("image", flat=True))
    for name in names:
        if name not in used:
            default_storage.delete(name)


def _full_clean(obj: Any, **kwargs: Any) -> None:
    """The model's own rules, raised as the service's error on the first field at fault."""
    try:
        obj.full_clean(**kwargs)
    except ValidationError as exc:
        field, errors = next(iter(exc.message_dict.items()))
        raise StoreServiceError(" ".join(errors), field=None if field == NON_FIELD_ERRORS else field) from exc
