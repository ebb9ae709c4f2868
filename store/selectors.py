"""Read-only queries on the store that other packages and the storefront share."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from .models import (
    Cart,
    Category,
    InstalledApp,
    Membership,
    Product,
    Role,
    Sku,
    SkuImage,
    SkuPrice,
    Store,
    TradePolicy,
)


def app_is_installed(store: Store, app: str) -> bool:
    return InstalledApp.objects.filter(store=store, app=app).exists()


def store_admin_emails(store_id: int) -> list[str]:
    """Who gets the store's e-mails (e.g. TikTok disconnected it, the catalog sync keeps failing): its
    admins whose account is active and has an e-mail address, each address once, sorted."""
    emails = Membership.objects.filter(store_id=store_id, role=Role.ADMIN, user__is_active=True).values_list(
        "user__email", flat=True
    )
    return sorted({e for e in emails if e})


def trade_policy_for_storefront(store: Store) -> TradePolicy | None:
    """The storefront sells through the store's first active trade policy in the store currency."""
    return (
        TradePolicy.objects.filter(store=store, is_active=True, currency=store.currency)
        .order_by("code", "id")
        .first()
    )


def sku_prices(policy: TradePolicy | None, sku_ids: Iterable[int]) -> dict[int, SkuPrice]:
    if policy is None:
        return {}
    return {p.sku_id: p for p in SkuPrice.objects.filter(trade_policy=policy, sku_id__in=list(sku_ids))}


def products_for_storefront(store: Store, policy: TradePolicy | None) -> QuerySet[Product]:
    """Active products that have a sellable SKU, annotated with the lowest price and a cover image."""
    sellable = Sku.objects.filter(product=OuterRef("pk"), is_active=True, prices__trade_policy=policy)
    cheapest = SkuPrice.objects.filter(
        trade_policy=policy, sku__product=OuterRef("pk"), sku__is_active=True
    ).order_by("price")
    # Ordered by the image's own columns only: ordering by sku_id lets PostgreSQL pick a scan of the
    # whole SKU primary key per product (seconds at 100k SKUs).
    cover = SkuImage.objects.filter(sku__product=OuterRef("pk")).order_by("position", "id")
    in_stock = Sku.objects.filter(product=OuterRef("pk"), is_active=True, stock__gt=0)
    return (
        Product.objects.filter(store=store, is_active=True)
        .filter(Exists(sellable))
        .annotate(
            min_price=Subquery(cheapest.values("price")[:1]),
            min_list_price=Subquery(cheapest.values("list_price")[:1]),
            cover_image=Subquery(cover.values("image")[:1]),
            any_in_stock=Exists(in_stock),
        )
        .select_related("brand")
    )


def products_page(products: QuerySet[Product], ids: list[int]) -> list[Product]:
    """The annotated rows for one page of ids, in the page's order: the per-product subqueries run for
    these rows only, not for every row an OFFSET skips."""
    by_id = {p.pk: p for p in products.filter(pk__in=ids)}
    return [by_id[pk] for pk in ids if pk in by_id]


def categories_for_storefront(store: Store) -> QuerySet[Category]:
    return Category.objects.filter(store=store, parent__isnull=True).order_by("name")


def cart_for_session(store: Store, session_key: str | None) -> Cart | None:
    if not session_key:
        return None
    return Cart.objects.filter(store=store, session_key=session_key).first()


def cart_lines(cart: Cart | None, policy: TradePolicy | None) -> tuple[list[dict[str, object]], Decimal]:
    """The cart's lines with their current unit price and line total, and the cart total."""
    if cart is None:
        return [], Decimal("0.00")
    items = list(cart.items.select_related("sku__product").order_by("id"))
    prices = sku_prices(policy, [i.sku_id for i in items])
    covers: dict[int, str] = {}
    for img in SkuImage.objects.filter(sku_id__in=[i.sku_id for i in items]).order_by("position", "id"):
        covers.setdefault(img.sku_id, img.image.url)
    lines: list[dict[str, object]] = []
    total = Decimal("0.00")
    for item in items:
        price = prices.get(item.sku_id)
        unit = price.price if price else None
        line_total = unit * item.quantity if unit is not None else None
        if line_total is not None:
            total += line_total
        lines.append(
            {
                "item": item,
                "sku": item.sku,
                "unit_price": unit,
                "line_total": line_total,
                "image": covers.get(item.sku_id),
            }
        )
    return lines, total
