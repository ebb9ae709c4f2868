"""The product file of `catalog/product/file/`: a CSV whose columns are TikTok's feed names (reference §3.2
"File": `image_link`, `link`, `price`...), one row per product, built from the same product dicts
`product_upload` sends.

TikTok documents the column names but not every cell format; the choices below (price as
"<amount> <currency>", Google-feed-style lower-case `availability`/`condition`, comma-separated
`additional_image_link`) are recorded as unverified in docs/tiktok-api-client.md."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

FEED_COLUMNS: tuple[str, ...] = (
    "sku_id",
    "item_group_id",
    "title",
    "description",
    "availability",
    "condition",
    "price",
    "sale_price",
    "link",
    "image_link",
    "additional_image_link",
    "brand",
    "google_product_category",
    "gtin",
    "mpn",
    "color",
    "size",
    "gender",
    "age_group",
    "material",
    "pattern",
    "product_type",
    "video_link",
    "custom_label_0",
    "custom_label_1",
    "custom_label_2",
    "custom_label_3",
    "custom_label_4",
)

# Upload field -> feed column, for the flat fields (the nested objects are spread below).
_FLAT = {
    "sku_id": "sku_id",
    "item_group_id": "item_group_id",
    "title": "title",
    "description": "description",
    "brand": "brand",
    "image_url": "image_link",
    "video_url": "video_link",
    "google_product_category": "google_product_category",
    "global_trade_item_number": "gtin",
    "manufacturer_part_number": "mpn",
}
_DETAIL = ("color", "size", "gender", "age_group", "material", "pattern")


def _money(amount: Any, currency: str) -> str:
    text = f"{float(amount):.2f}"
    return f"{text} {currency}" if currency else text


def _enum(value: Any) -> str:
    return str(value).lower().replace("_", " ") if value else ""


def feed_row(product: Mapping[str, Any]) -> list[str]:
    """One CSV row (in FEED_COLUMNS order) for a product in the upload's shape."""
    cells: dict[str, str] = {}
    for field, column in _FLAT.items():
        value = product.get(field)
        if value not in (None, ""):
            cells[column] = str(value)
    cells["availability"] = _enum(product.get("availability"))
    detail = product.get("product_detail") or {}
    cells["condition"] = _enum(detail.get("condition"))
    for key in _DETAIL:
        if detail.get(key):
            cells[key] = str(detail[key])
    if detail.get("product_category"):
        cells["product_type"] = str(detail["product_category"])
    price = product.get("price_info") or {}
    currency = str(price.get("currency") or "")
    if price.get("price") is not None:
        cells["price"] = _money(price["price"], currency)
    if price.get("sale_price") is not None:
        cells["sale_price"] = _money(price["sale_price"], currency)
    landing = product.get("landing_page") or {}
    if landing.get("landing_page_url"):
        cells["link"] = str(landing["landing_page_url"])
    extra = product.get("additional_image_urls") or []
    if extra:
        # The list separator is a comma, so a comma inside a URL is sent encoded (reference §3.2).
        cells["additional_image_link"] = ",".join(str(u).replace(",", "%2C") for u in extra)
    labels = product.get("extra_info") or {}
    for n in range(5):
        key = f"custom_label_{n}"
        if labels.get(key):
            cells[key] = str(labels[key])
    return [cells.get(column, "") for column in FEED_COLUMNS]
