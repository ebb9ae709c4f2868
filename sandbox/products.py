"""Product validation and normalisation for catalog writes (§3.2), shaped like TikTok's feed-log errors."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

AVAILABILITY = ("IN_STOCK", "AVAILABLE_FOR_ORDER", "PREORDER", "OUT_OF_STOCK", "DISCONTINUED")
ELIGIBLE_AVAILABILITY = ("IN_STOCK", "AVAILABLE_FOR_ORDER", "PREORDER")
CONDITIONS = ("NEW", "REFURBISHED", "USED")
AGE_GROUPS = ("NEW_BORN", "INFANT", "TODDLER", "KIDS", "ADULT")
GENDERS = ("MALE", "FEMALE", "UNISEX")
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f]")

# v1.2 names still sent by some plugins (§3.2 renames) → the v1.3 names the sandbox stores and emits.
V12_RENAMES = {
    "image_link": "image_url",
    "video_link": "video_url",
    "additional_image_link": "additional_image_urls",
    "gtin": "global_trade_item_number",
    "mpn": "manufacturer_part_number",
    "profession": "product_detail",
    "price": "price_info",
    "ext": "extra_info",
}


@dataclass(frozen=True)
class Problem:
    field: str
    issue: str
    suggestion: str
    value: Any = None


def normalize(raw: dict[str, Any]) -> dict[str, Any]:
    product = {}
    for key, value in raw.items():
        product[V12_RENAMES.get(key, key)] = value
    landing = product.pop("landing_url", None)
    if isinstance(landing, dict) and "landing_page" not in product:
        product["landing_page"] = {"landing_page_url": landing.get("link")}
    if isinstance(product.get("additional_image_urls"), str):
        product["additional_image_urls"] = [product["additional_image_urls"]]
    if (
        "sku_id" in product
        and isinstance(product["sku_id"], int | float)
        and not isinstance(product["sku_id"], bool)
    ):
        product["sku_id"] = str(product["sku_id"])
    return product


def _missing(field: str) -> Problem:
    return Problem(
        field, f"Missing value: {field}", f'The "{field}" field is required. Add a value and try again.'
    )


def _too_long(field: str, limit: int, value: Any) -> Problem:
    return Problem(
        field, f"Value too long: {field}", f'The "{field}" field must be {limit} characters or fewer.', value
    )


def _invalid(field: str, allowed: tuple[str, ...], value: Any) -> Problem:
    return Problem(
        field,
        f"Invalid value: {field}",
        f'The "{field}" field is using an invalid value. Supported values only include: {"/".join(allowed)}',
        value,
    )


def _text(
    product: dict[str, Any], field: str, limit: int, out: list[Problem], *, required: bool, emoji: bool = True
) -> None:
    value = product.get(field)
    if value is None or value == "":
        if required:
            out.append(_missing(field))
        return
    if not isinstance(value, str):
        out.append(Problem(field, f"Invalid value: {field}", f'The "{field}" field must be text.', value))
    elif len(value) > limit:
        out.append(_too_long(field, limit, value[:100]))
    elif not emoji and _EMOJI.search(value):
        out.append(
            Problem(field, f"Invalid value: {field}", f'Remove emoji from the "{field}" field.', value)
        )


def _url_problem(field: str, value: Any, allow_http: bool) -> Problem | None:
    if not isinstance(value, str) or not value:
        return _missing(field)
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return Problem(field, f"Invalid value: {field}", f'The "{field}" field must be a valid URL.', value)
    if parsed.scheme != "https" and not allow_http:
        return Problem(field, f"Invalid value: {field}", f'The "{field}" field must use https.', value)
    return None


def validate(product: dict[str, Any], *, currency: str, allow_http_images: bool) -> list[Problem]:
    """Every problem of one (normalised, complete) product; empty = acceptable."""
    out: list[Problem] = []
    sku = product.get("sku_id")
    if sku is None or sku == "":
        out.append(_missing("sku_id"))
    elif not isinstance(sku, str):
        out.append(Problem("sku_id", "Invalid value: sku_id", 'The "sku_id" field must be text.', sku))
    elif len(sku) > 100:
        out.append(_too_long("sku_id", 100, sku[:100]))
    elif _EMOJI.search(sku):
        out.append(Problem("sku_id", "Invalid value: sku_id", 'Remove emoji from the "sku_id" field.', sku))
    _text(product, "title", 500, out, required=True, emoji=False)
    _text(product, "description", 10000, out, required=True)
    _text(product, "brand", 150, out, required=True)
    _text(product, "item_group_id", 100, out, required=False)
    availability = product.get("availability")
    if availability in (None, ""):
        out.append(_missing("availability"))
    elif availability not in AVAILABILITY:
        out.append(_invalid("availability", AVAILABILITY, availability))
    problem = _url_problem("image_url", product.get("image_url"), allow_http_images)
    if problem:
        out.append(problem)
    extra_images = product.get("additional_image_urls")
    if extra_images is not None:
        if not isinstance(extra_images, list) or len(extra_images) > 10:
            out.append(
                Problem(
                    "additional_image_urls",
                    "Invalid value: additional_image_urls",
                    "Provide at most 10 additional image URLs.",
                    None,
                )
            )
        else:
            for url in extra_images:
                problem = _url_problem("additional_image_urls", url, allow_http_images)
                if problem:
                    out.append(problem)
                    break
    detail = product.get("product_detail")
    if not isinstance(detail, dict):
        out.append(_missing("product_detail"))
    else:
        condition = detail.get("condition")
        if condition in (None, ""):
            out.append(_missing("condition"))
        elif condition not in CONDITIONS:
            out.append(_invalid("condition", CONDITIONS, condition))
        if detail.get("age_group") not in (None, "") and detail["age_group"] not in AGE_GROUPS:
            out.append(_invalid("age_group", AGE_GROUPS, detail["age_group"]))
        if detail.get("gender") not in (None, "") and detail["gender"] not in GENDERS:
            out.append(_invalid("gender", GENDERS, detail["gender"]))
        for name, limit in (("color", 100), ("material", 200), ("pattern", 100)):
            value = detail.get(name)
            if isinstance(value, str) and len(value) > limit:
                out.append(_too_long(name, limit, value[:100]))
    price_info = product.get("price_info")
    if not isinstance(price_info, dict):
        out.append(_missing("price"))
    else:
        price = price_info.get("price")
        if price is None or price == "":
            out.append(_missing("price"))
        elif isinstance(price, bool) or not _is_number(price) or float(price) < 0:
            out.append(
                Problem(
                    "price", "Invalid value: price", 'The "price" field must be a positive number.', price
                )
            )
        sale = price_info.get("sale_price")
        if sale not in (None, "") and (isinstance(sale, bool) or not _is_number(sale) or float(sale) < 0):
            out.append(
                Problem(
                    "sale_price",
                    "Invalid value: sale_price",
                    'The "sale_price" field must be a positive number.',
                    sale,
                )
            )
        given_currency = price_info.get("currency")
        if given_currency not in (None, "") and given_currency != currency:
            out.append(
                Problem(
                    "currency",
                    "Invalid value: currency",
                    f"The currency must match the catalog currency ({currency}).",
                    given_currency,
                )
            )
    landing = product.get("landing_page")
    url = landing.get("landing_page_url") if isinstance(landing, dict) else None
    if not url:
        out.append(_missing("landing_page_url"))
    else:
        problem = _url_problem("landing_page_url", url, True)
        if problem:
            out.append(problem)
    extra = product.get("extra_info")
    if isinstance(extra, dict):
        for i in range(5):
            value = extra.get(f"custom_label_{i}")
            if isinstance(value, str) and len(value) > 100:
                out.append(_too_long(f"custom_label_{i}", 100, value[:100]))
    return out


def _is_number(value: Any) -> bool:
    if isinstance(value, int | float):
        return True
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return False
        return True
    return False


def merge_update(existing: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """catalog/product/update: partial update; nested objects are merged key by key."""
    merged = dict(existing)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


class ErrorReport:
    """Groups problems the way feed logs report them: one entry per (field, issue), ≤5 examples each."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], dict[str, Any]] = {}
        self.items: set[int] = set()

    def add(self, index: int, product: dict[str, Any] | Any, problem: Problem) -> None:
        self.items.add(index)
        entry = self.entries.setdefault(
            (problem.field, problem.issue),
            {
                "field": problem.field,
                "issue": problem.issue,
                "suggestion": problem.suggestion,
                "affected_product_count": 0,
                "affected_product_item_list": [],
            },
        )
        entry["affected_product_count"] += 1
        if len(entry["affected_product_item_list"]) < 5:
            p = product if isinstance(product, dict) else {}
            landing = p.get("landing_page") if isinstance(p.get("landing_page"), dict) else {}
            entry["affected_product_item_list"].append(
                {
                    "index": index,
                    "sku_id": _s(p.get("sku_id")),
                    "title": _s(p.get("title"))[:200],
                    "description": _s(p.get("description"))[:200],
                    "product_url": _s(landing.get("landing_page_url")),
                    "value": "None" if problem.value is None else _s(problem.value)[:200],
                }
            )

    def as_list(self) -> list[dict[str, Any]] | None:
        return list(self.entries.values()) or None


def _s(value: Any) -> str:
    return "" if value is None else str(value)
