"""Reads for Catalog > Products and SKUs in the admin shell. The list is keyset-paginated on
(store_id, id): a page costs the same few queries on page 1 and page 20,000, with 100 or 1,000,000 SKUs."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from .models import Brand, Category, Product, Sku, SkuImage, SkuPrice, Store, TradePolicy
from .querysets import MISSING_FIELDS

PAGE_SIZE = 50
# The filter lists show at most this many brands and categories (a store with more types the name).
CHOICES_MAX = 500


@dataclass(frozen=True)
class ProductFilters:
    q: str = ""
    category: int | None = None
    brand: int | None = None
    active: bool | None = None
    missing: str = ""  # "", "any" or one of MISSING_FIELDS


@dataclass
class ProductRow:
    product: Product
    sku_count: int
    missing: list[str] = field(default_factory=list)


@dataclass
class ProductPage:
    rows: list[ProductRow]
    next_after: int | None
    has_previous: bool


def products_filtered(store: Store, filters: ProductFilters) -> QuerySet[Product]:
    qs = Product.objects.filter(store=store)
    if filters.category is not None:
        qs = qs.filter(category_id=filters.category)
    if filters.brand is not None:
        qs = qs.filter(brand_id=filters.brand)
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    if filters.missing:
        qs = qs.missing(filters.missing)
    text = filters.q.strip()
    if text:
        skus = Sku.objects.filter(product=OuterRef("pk")).filter(Q(ean=text) | Q(ref_id=text))
        condition = Q(name__icontains=text) | Q(ref_id=text) | Q(Exists(skus))
        if text.isdigit() and len(text) <= 18:
            number = int(text)
            condition |= Q(pk=number) | Q(Exists(Sku.objects.filter(product=OuterRef("pk"), pk=number)))
        qs = qs.filter(condition)
    return qs


def product_page(
    store: Store, filters: ProductFilters, *, after: int = 0, size: int = PAGE_SIZE
) -> ProductPage:
    """One page of products: the ids by keyset, then the rows of those ids only, with what each misses
    (the per-product subqueries run for the page's rows, never for the rows before it)."""
    ids = list(
        products_filtered(store, filters)
        .filter(pk__gt=after)
        .order_by("pk")
        .values_list("pk", flat=True)[: size + 1]
    )
    more = len(ids) > size
    ids = ids[:size]
    rows = _rows(ids)
    return ProductPage(rows=rows, next_after=ids[-1] if more and ids else None, has_previous=after > 0)


def _rows(ids: list[int]) -> list[ProductRow]:
    if not ids:
        return []
    sku_count = (
        Sku.objects.filter(product=OuterRef("pk"))
        .order_by()
        .values("product")
        .annotate(n=Count("pk"))
        .values("n")
    )
    has_image = SkuImage.objects.filter(sku__product=OuterRef("pk"))
    has_price = SkuPrice.objects.filter(
        sku__product=OuterRef("pk"), price__gt=0, trade_policy__is_active=True
    )
    products = (
        Product.objects.filter(pk__in=ids)
        .select_related("brand", "category")
        .annotate(
            sku_count=Coalesce(Subquery(sku_count, output_field=IntegerField()), 0),
            has_image=Exists(has_image),
            has_price=Exists(has_price),
        )
    )
    by_id = {p.pk: p for p in products}
    rows = []
    for pk in ids:
        p = by_id.get(pk)
        if p is not None:
            rows.append(ProductRow(product=p, sku_count=p.sku_count, missing=missing_of(p)))  # type: ignore[attr-defined]
    return rows


def missing_of(product: Product) -> list[str]:
    """What `product` (annotated with has_image and has_price) misses, in MISSING_FIELDS' order."""
    present = {
        "brand": product.brand_id is not None,
        "category": product.category_id is not None,
        "description": bool((product.description or "").strip()),
        "image": bool(getattr(product, "has_image", True)),
        "price": bool(getattr(product, "has_price", True)),
    }
    return [name for name in MISSING_FIELDS if not present[name]]


def brand_choices(store: Store) -> list[Brand]:
    return list(Brand.objects.filter(store=store).order_by("name", "id")[:CHOICES_MAX])


def category_choices(store: Store) -> list[Category]:
    return list(Category.objects.filter(store=store).order_by("name", "id")[:CHOICES_MAX])


def product_for_store(store: Store, product_id: int) -> Product | None:
    return Product.objects.filter(store=store, pk=product_id).select_related("brand", "category").first()


def sku_for_store(store: Store, sku_id: int) -> Sku | None:
    return Sku.objects.filter(store=store, pk=sku_id).select_related("product").first()


def skus_of(product: Product) -> list[Sku]:
    return list(Sku.objects.filter(product=product).order_by("pk"))


def trade_policies_of(store: Store) -> list[TradePolicy]:
    return list(TradePolicy.objects.filter(store=store).order_by("code", "pk"))


def sku_images(sku: Sku) -> list[SkuImage]:
    return list(SkuImage.objects.filter(sku=sku).order_by("position", "id"))


def sku_prices_by_policy(sku: Sku) -> dict[int, SkuPrice]:
    return {p.trade_policy_id: p for p in SkuPrice.objects.filter(sku=sku)}
