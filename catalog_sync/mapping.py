"""From the store's data to TikTok's product payload (reference/tiktok-api.md §3.2).

`CatalogContext` holds what is the same for every SKU of a connection (trade policy, categories,
exclusions, base URL); `load_facts` reads a chunk of SKUs with a fixed number of queries; `evaluate`
decides, per SKU, whether it is eligible, valid, and what exactly would be sent (and its hash).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage, storages
from django.urls import NoReverseMatch, reverse
from django.utils.encoding import filepath_to_uri

from integration.models import TikTokSetup
from store.models import Category, Sku, SkuImage, SkuPrice

from .models import CatalogExclusion
from .validation import (
    EXTRA_IMAGES_MAX,
    IMAGE_MIN_SIDE,
    Problem,
    SkuFacts,
    color_of,
    plain_text,
    size_of,
    title_of,
    validate,
)

GOOGLE_CATEGORY_LEVELS = 3


@dataclass
class CatalogContext:
    store_id: int
    account: str
    trade_policy_id: int | None
    currency: str
    base_url: str
    require_https: bool
    categories: dict[int, tuple[int | None, str]]  # id -> (parent_id, google_product_category)
    excluded_products: set[int] = field(default_factory=set)
    excluded_categories: set[int] = field(default_factory=set)  # with every descendant
    product_path: str | None = None

    def category_excluded(self, category_id: int | None) -> bool:
        return category_id is not None and category_id in self.excluded_categories

    def google_category(self, category_id: int | None) -> str:
        """The nearest category (itself or an ancestor) that has a Google category, cut to 3 levels."""
        seen: set[int] = set()
        while category_id is not None and category_id not in seen:
            seen.add(category_id)
            parent, gpc = self.categories.get(category_id, (None, ""))
            text = plain_text(gpc, single_line=True)
            if text:
                levels = [p.strip() for p in text.split(">") if p.strip()]
                return " > ".join(levels[:GOOGLE_CATEGORY_LEVELS])
            category_id = parent
        return ""


def catalog_context(
    store_id: int, account: str, trade_policy_id: int | None, currency: str
) -> CatalogContext:
    categories = {
        cid: (parent, gpc or "")
        for cid, parent, gpc in Category.objects.filter(store_id=store_id).values_list(
            "id", "parent_id", "google_product_category"
        )
    }
    excluded_products: set[int] = set()
    excluded_roots: set[int] = set()
    for product_id, category_id in CatalogExclusion.objects.filter(store_id=store_id).values_list(
        "product_id", "category_id"
    ):
        if product_id:
            excluded_products.add(product_id)
        if category_id:
            excluded_roots.add(category_id)
    excluded_categories = set(excluded_roots)
    if excluded_roots:
        children: dict[int | None, list[int]] = {}
        for cid, (parent, _gpc) in categories.items():
            children.setdefault(parent, []).append(cid)
        todo = list(excluded_roots)
        while todo:
            for child in children.get(todo.pop(), []):
                if child not in excluded_categories:
                    excluded_categories.add(child)
                    todo.append(child)
    base_url = settings.PUBLIC_BASE_URL.rstrip("/")
    return CatalogContext(
        store_id=store_id,
        account=account,
        trade_policy_id=trade_policy_id,
        currency=currency,
        base_url=base_url,
        require_https=base_url.startswith("https://"),
        categories=categories,
        excluded_products=excluded_products,
        excluded_categories=excluded_categories,
    )


def context_for_connection(connection: Any) -> CatalogContext:
    """The context of a TikTokConnection: the trade policy is the one picked in the setup form."""
    setup = TikTokSetup.objects.filter(store_id=connection.store_id).select_related("trade_policy").first()
    policy = setup.trade_policy if setup is not None else None
    return catalog_context(
        connection.store_id,
        connection.store.account,
        policy.pk if policy is not None else None,
        policy.currency if policy is not None else "",
    )


@dataclass
class Loaded:
    """A SKU as read from the store, or the reason it is not part of the TikTok catalog at all."""

    sku_id: int
    product_id: int | None
    facts: SkuFacts | None
    ineligible: str = ""  # problem code when the SKU must not be on TikTok (deleted, inactive, excluded...)


def _absolute(ctx: CatalogContext, url: str) -> str:
    if url.startswith(("http://", "https://")):
        return url
    return ctx.base_url + (url if url.startswith("/") else "/" + url)


_SLUG_MARK = "slug-placeholder-0"


def _landing_url(ctx: CatalogContext, slug: str, sku_id: int) -> str:
    if not slug:
        return ""
    if ctx.product_path is None:
        # reverse() once per context, not per SKU: the slug is the only part that varies.
        try:
            kwargs = {"account": ctx.account, "slug": _SLUG_MARK}
            ctx.product_path = reverse("storefront-product", kwargs=kwargs)
        except NoReverseMatch:
            ctx.product_path = ""
    if not ctx.product_path:
        return ""
    return f"{ctx.base_url}{ctx.product_path.replace(_SLUG_MARK, slug)}?skuId={sku_id}"


def load_facts(ctx: CatalogContext, sku_ids: Iterable[int]) -> dict[int, Loaded]:
    """Four queries for any number of SKUs (the caller chunks): SKUs with product, brand and category;
    images; prices in the trade policy."""
    ids = sorted({int(i) for i in sku_ids})
    out: dict[int, Loaded] = {}
    # Plain tuples, not model instances: this runs for every SKU of a million-SKU full sync.
    columns = (
        "id",
        "name",
        "is_active",
        "stock",
        "specifications",
        "ean",
        "product_id",
        "product__name",
        "product__slug",
        "product__description",
        "product__is_active",
        "product__category_id",
        "product__condition",
        "product__brand__name",
    )
    rows = Sku.objects.filter(store_id=ctx.store_id, id__any=ids).values_list(*columns)
    skus = {row[0]: row for row in rows}
    images: dict[int, list[tuple[str, int, int]]] = {}
    # FileSystemStorage.url(name) is MEDIA_URL + the quoted name: build it without a call per image.
    backend = storages["default"]
    simple = type(backend) is FileSystemStorage
    media_url = backend.base_url if simple else ""
    for sku_id, name, width, height in (
        SkuImage.objects.filter(sku_id__any=list(skus))
        .order_by("sku_id", "position", "id")
        .values_list("sku_id", "image", "width", "height")
    ):
        if name:
            url = media_url + filepath_to_uri(name).lstrip("/") if simple else default_storage.url(name)
            images.setdefault(sku_id, []).append((_absolute(ctx, url), width, height))
    prices: dict[int, tuple[Decimal, Decimal | None]] = {}
    if ctx.trade_policy_id is not None:
        prices = {
            sku_id: (price, list_price)
            for sku_id, price, list_price in SkuPrice.objects.filter(
                trade_policy_id=ctx.trade_policy_id, sku_id__any=list(skus)
            ).values_list("sku_id", "price", "list_price")
        }
    for sku_id in ids:
        row = skus.get(sku_id)
        if row is None:
            out[sku_id] = Loaded(sku_id, None, None, "sku_deleted")
            continue
        (
            _id,
            sku_name,
            sku_active,
            stock,
            specifications,
            ean,
            product_id,
            product_name,
            slug,
            description,
            product_active,
            category_id,
            condition,
            brand_name,
        ) = row
        reason = ""
        if not product_active:
            reason = "product_inactive"
        elif not sku_active:
            reason = "sku_inactive"
        elif product_id in ctx.excluded_products:
            reason = "excluded_product"
        elif ctx.category_excluded(category_id):
            reason = "excluded_category"
        elif sku_id not in prices:
            reason = "not_in_trade_policy"
        price, list_price = prices.get(sku_id, (None, None))
        facts = SkuFacts(
            sku_id=sku_id,
            product_id=product_id,
            title=product_name,
            sku_name=sku_name or "",
            description_html=description,
            brand=brand_name or "",
            category_id=category_id,
            google_category=ctx.google_category(category_id),
            condition=condition,
            stock=stock,
            price=price,
            list_price=list_price,
            currency=ctx.currency,
            landing_page_url=_landing_url(ctx, slug, sku_id),
            images=images.get(sku_id, []),
            specifications=specifications if isinstance(specifications, dict) else {},
            ean=ean,
        )
        out[sku_id] = Loaded(sku_id, product_id, facts, reason)
    return out


def _money(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01")))


def payload_for(facts: SkuFacts) -> dict[str, Any]:
    """The product as TikTok receives it. Call only for SKUs without validation problems."""
    price_info: dict[str, Any] = {"currency": "BRL"}
    if facts.list_price is not None and facts.list_price > facts.price:
        price_info["price"] = _money(facts.list_price)
        price_info["sale_price"] = _money(facts.price)
    else:
        price_info["price"] = _money(facts.price)
    detail: dict[str, Any] = {"condition": facts.condition}
    color = color_of(facts.specifications)
    size = size_of(facts.specifications)
    if color:
        detail["color"] = color
    if size:
        detail["size"] = size
    main_url = facts.images[0][0]
    extra = [url for url, w, h in facts.images[1:] if w >= IMAGE_MIN_SIDE and h >= IMAGE_MIN_SIDE]
    payload: dict[str, Any] = {
        "sku_id": str(facts.sku_id),
        "item_group_id": str(facts.product_id),
        "title": title_of(facts),
        "description": plain_text(facts.description_html),
        "availability": "IN_STOCK" if facts.stock > 0 else "OUT_OF_STOCK",
        "brand": plain_text(facts.brand, single_line=True),
        "image_url": main_url,
        "product_detail": detail,
        "price_info": price_info,
        "landing_page": {"landing_page_url": facts.landing_page_url},
    }
    if extra:
        payload["additional_image_urls"] = extra[:EXTRA_IMAGES_MAX]
    if facts.google_category:
        payload["google_product_category"] = facts.google_category
    ean = (facts.ean or "").strip()
    if ean.isdigit() and len(ean) in (8, 12, 13, 14):
        payload["global_trade_item_number"] = ean
    return payload


def payload_hash(payload: dict[str, Any]) -> str:
    """Stable across processes: keys sorted, no whitespace; 128 bits are plenty per catalog.

    orjson at a quarter of the cost, byte for byte the text `json.dumps(sort_keys=True, separators=(",",
    ":"), ensure_ascii=False)` made (so the hashes stored before still match): UTF-8 unescaped, the same
    escapes, and the same float text for every value a price can take (12 digits, 2 decimals: Python's repr
    and orjson differ only in exponent notation, below 1e-4 or from 1e16)."""
    return hashlib.blake2b(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS), digest_size=16).hexdigest()


@dataclass
class Evaluation:
    sku_id: int
    product_id: int | None
    ineligible: str = ""
    problems: list[Problem] = field(default_factory=list)
    payload: dict[str, Any] | None = None
    hash: str = ""


def evaluate(ctx: CatalogContext, loaded: Loaded) -> Evaluation:
    if loaded.ineligible or loaded.facts is None:
        return Evaluation(loaded.sku_id, loaded.product_id, ineligible=loaded.ineligible or "sku_deleted")
    problems = validate(loaded.facts, require_https=ctx.require_https)
    if problems:
        return Evaluation(loaded.sku_id, loaded.product_id, problems=problems)
    payload = payload_for(loaded.facts)
    return Evaluation(loaded.sku_id, loaded.product_id, payload=payload, hash=payload_hash(payload))
