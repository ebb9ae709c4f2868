"""What "needs additional details" means: VTEX's required product data plus TikTok's field rules
(reference/tiktok-api.md §3.2). A SKU with any problem is never sent.

Problems are stored as codes with parameters and rendered in the reader's language, so the same row
reads correctly in Portuguese, Spanish and English.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import nh3
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

TITLE_MAX = 500
DESCRIPTION_MAX = 10_000
BRAND_MAX = 150
SKU_ID_MAX = 100
DETAIL_MAX = 100
IMAGE_MIN_SIDE = 500
EXTRA_IMAGES_MAX = 10
CONDITIONS = ("NEW", "REFURBISHED", "USED")

# Pictographs, dingbats, flags, keycaps, joiners and variation selectors: what TikTok calls emoji.
_EMOJI = re.compile(
    "["
    "\U0001f000-\U0001faff"
    "\U00002600-\U000027bf"
    "\U00002b00-\U00002bff"
    "\U00002300-\U000023ff"
    "\U0000fe00-\U0000fe0f"
    "\U0000200d"
    "\U000020e3"
    "\U000e0020-\U000e007f"
    "]"
)
# Control and invisible formatting characters (bidi overrides, zero-width, BOM); newlines are kept.
_CONTROL = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u00ad\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\ufeff"
    "\ufff9-\ufffb\U000e0001]"
)
_BLOCKS = re.compile(
    r"<\s*(script|style|template|noscript|iframe|object|svg|head|title)\b.*?<\s*/\s*\1\s*>", re.I | re.S
)
_SPACES = re.compile(r"[ \t\f\v\u00a0\u2000-\u200b\u3000]+")
_NEWLINES = re.compile(r"\s*\n\s*(\n\s*)+")

# The field names the merchant sees next to each problem (VTEX's required data).
FIELD_LABELS: dict[str, Any] = {
    "title": gettext_lazy("Product name"),
    "sku_id": gettext_lazy("SKU ID"),
    "item_group_id": gettext_lazy("Product ID"),
    "category": gettext_lazy("Category"),
    "description": gettext_lazy("Description"),
    "brand": gettext_lazy("Brand"),
    "landing_page_url": gettext_lazy("URL"),
    "condition": gettext_lazy("Condition"),
    "availability": gettext_lazy("Availability"),
    "price": gettext_lazy("Price in BRL"),
    "image": gettext_lazy("Images"),
    "color": gettext_lazy("Color"),
    "size": gettext_lazy("Size"),
    "eligibility": gettext_lazy("Sync"),
}


def has_emoji(text: str) -> bool:
    return bool(_EMOJI.search(text))


# Tags whose content is not text at all (dropped with the tag) and tags that end a line of the text.
_DROPPED_TAGS = frozenset(
    {
        "script",
        "style",
        "template",
        "noscript",
        "iframe",
        "object",
        "svg",
        "head",
        "title",
        "textarea",
        "xmp",
        "noembed",
        "noframes",
        "plaintext",
    }
)
_BREAK_TAGS = frozenset(
    {"br", "p", "div", "li", "ul", "ol", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section"}
)
# nh3's output keeps only the break tags, without attributes; every other "<" is escaped as &lt;.
_TAG = re.compile(r"<[^>]*>")
# Lone surrogates are not text (nh3 cannot even receive them as UTF-8).
_SURROGATES = re.compile("[\ud800-\udfff]")


def has_words(text: str) -> bool:
    """True when `text` has a letter or a digit: punctuation, symbols and spaces alone say nothing."""
    return any(unicodedata.category(char)[0] in "LN" for char in text)


@functools.lru_cache(maxsize=4096)
def plain_text(value: str | None, *, single_line: bool = False) -> str:
    """Plain text for TikTok: no tags, no script bodies, no control characters, tidy whitespace. nh3
    parses the HTML as a browser does (html5ever), so what is left is what a shopper would read."""
    if not value:
        return ""
    # Drop script-like blocks before parsing too: a stray "<?" or "<!" opens a bogus comment that
    # swallows the opening tag, and the block's body would then read as text.
    value = _BLOCKS.sub(" ", _SURROGATES.sub("", value))
    cleaned = nh3.clean(
        value,
        tags=set(_BREAK_TAGS),
        clean_content_tags=set(_DROPPED_TAGS),
        attributes={},
        strip_comments=True,
        link_rel=None,
    )
    text = html.unescape(_TAG.sub("\n", cleaned))
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text)
    if single_line:
        return " ".join(text.split())
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _NEWLINES.sub("\n\n", text).strip()


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"field": self.field, "code": self.code, "params": self.params}


def problem_message(problem: dict[str, Any]) -> str:
    """The merchant's words for a stored problem, in the active language."""
    code = problem.get("code", "")
    p = problem.get("params") or {}
    messages: dict[str, str] = {
        "title_missing": _("The product name is missing."),
        "title_no_words": _(
            "The product name has no letters or numbers once HTML tags and symbols are left out."
        ),
        "title_too_long": _("The product name has %(length)s characters; TikTok accepts at most %(max)s."),
        "title_emoji": _("The product name contains emoji, which TikTok does not accept."),
        "sku_id_invalid": _("The SKU ID must have at most 100 characters and no emoji."),
        "category_missing": _("The product has no category."),
        "description_missing": _("The product description is empty."),
        "description_too_long": _(
            "The description has %(length)s characters without formatting; TikTok accepts at most %(max)s."
        ),
        "brand_missing": _("The product has no brand."),
        "brand_too_long": _("The brand name has %(length)s characters; TikTok accepts at most %(max)s."),
        "url_missing": _("The product has no page in the storefront."),
        "url_not_https": _("The product page address must use https."),
        "condition_invalid": _("The product condition must be new, refurbished or used."),
        "price_invalid": _("The price must be greater than zero."),
        "currency_not_brl": _("The trade policy sells in %(currency)s; TikTok needs prices in BRL."),
        "image_missing": _("The SKU has no image."),
        "image_too_small": _(
            "The main image is %(width)s×%(height)s pixels; TikTok needs at least %(min)s×%(min)s."
        ),
        "image_not_https": _("Image addresses must use https."),
        "color_too_long": _("The color has more than %(max)s characters."),
        "size_too_long": _("The size has more than %(max)s characters."),
        "image_filtered": _(
            "TikTok filtered the image (it must be a JPG or PNG of at least 500×500 pixels)."
        ),
        "sku_deleted": _("The SKU was deleted from the store."),
        "sku_inactive": _("The SKU is inactive."),
        "product_inactive": _("The product is inactive."),
        "not_in_trade_policy": _("The SKU has no price in the trade policy used for TikTok."),
        "excluded_product": _("You excluded this product from TikTok."),
        "excluded_category": _("You excluded this product's category from TikTok."),
    }
    template = messages.get(code)
    if template is None:
        return str(p.get("message") or code)
    try:
        return template % p if "%(" in template else template
    except (KeyError, TypeError, ValueError):
        return template


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


@dataclass
class SkuFacts:
    """Everything validation and mapping need about one SKU, loaded in bulk (see mapping.load_facts)."""

    sku_id: int
    product_id: int
    title: str  # the product's name as stored (HTML possible); title_of() builds what TikTok gets
    description_html: str
    brand: str
    category_id: int | None
    google_category: str
    condition: str
    stock: int
    price: Any  # Decimal | None
    list_price: Any  # Decimal | None
    currency: str
    landing_page_url: str
    images: list[tuple[str, int, int]]  # (absolute url, width, height), main first
    specifications: dict[str, Any]
    ean: str = ""
    sku_name: str = ""


def title_of(facts: SkuFacts) -> str:
    """TikTok's title: the product name, plus the SKU name when it says something the name does not."""
    name = plain_text(facts.title, single_line=True)
    sku_name = plain_text(facts.sku_name, single_line=True)
    if sku_name and sku_name.lower() not in name.lower():
        return f"{name} - {sku_name}"
    return name


def spec_value(specs: dict[str, Any], *names: str) -> str:
    if not isinstance(specs, dict):
        return ""
    lowered = {str(k).strip().lower(): v for k, v in specs.items()}
    for name in names:
        value = lowered.get(name)
        if value not in (None, ""):
            if isinstance(value, list | tuple):
                value = ", ".join(str(v) for v in value)
            return plain_text(str(value), single_line=True)
    return ""


def color_of(specs: dict[str, Any]) -> str:
    return spec_value(specs, "color", "cor", "colour")


def size_of(specs: dict[str, Any]) -> str:
    return spec_value(specs, "size", "tamanho", "talla", "tamaño")


def validate(facts: SkuFacts, *, require_https: bool) -> list[Problem]:
    problems: list[Problem] = []
    title = title_of(facts)
    if not (facts.title or "").strip():
        problems.append(Problem("title", "title_missing"))
    elif not has_words(plain_text(facts.title, single_line=True)):
        # A name of markup or symbols only ("<script>...</script>", '"><img ...>') would reach TikTok as
        # "-" or '">' followed by the SKU name.
        problems.append(Problem("title", "title_no_words"))
    elif len(title) > TITLE_MAX:
        problems.append(Problem("title", "title_too_long", {"length": len(title), "max": TITLE_MAX}))
    elif has_emoji(title):
        problems.append(Problem("title", "title_emoji"))
    sku = str(facts.sku_id)
    if not sku or len(sku) > SKU_ID_MAX or has_emoji(sku):
        problems.append(Problem("sku_id", "sku_id_invalid"))
    if facts.category_id is None:
        problems.append(Problem("category", "category_missing"))
    description = plain_text(facts.description_html)
    if not description:
        problems.append(Problem("description", "description_missing"))
    elif len(description) > DESCRIPTION_MAX:
        problems.append(
            Problem(
                "description", "description_too_long", {"length": len(description), "max": DESCRIPTION_MAX}
            )
        )
    brand = plain_text(facts.brand, single_line=True)
    if not brand:
        problems.append(Problem("brand", "brand_missing"))
    elif len(brand) > BRAND_MAX:
        problems.append(Problem("brand", "brand_too_long", {"length": len(brand), "max": BRAND_MAX}))
    if not facts.landing_page_url:
        problems.append(Problem("landing_page_url", "url_missing"))
    elif require_https and not facts.landing_page_url.startswith("https://"):
        problems.append(Problem("landing_page_url", "url_not_https"))
    if facts.condition not in CONDITIONS:
        problems.append(Problem("condition", "condition_invalid"))
    if facts.currency != "BRL":
        problems.append(Problem("price", "currency_not_brl", {"currency": facts.currency or "?"}))
    if facts.price is None or facts.price <= 0:
        problems.append(Problem("price", "price_invalid"))
    if not facts.images:
        problems.append(Problem("image", "image_missing"))
    else:
        url, width, height = facts.images[0]
        if width < IMAGE_MIN_SIDE or height < IMAGE_MIN_SIDE:
            problems.append(
                Problem("image", "image_too_small", {"width": width, "height": height, "min": IMAGE_MIN_SIDE})
            )
        if require_https and not url.startswith("https://"):
            problems.append(Problem("image", "image_not_https"))
    if len(color_of(facts.specifications)) > DETAIL_MAX:
        problems.append(Problem("color", "color_too_long", {"max": DETAIL_MAX}))
    if len(size_of(facts.specifications)) > DETAIL_MAX:
        problems.append(Problem("size", "size_too_long", {"max": DETAIL_MAX}))
    return problems
