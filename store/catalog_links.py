"""Addresses of the catalog pages that fix one field of a product or SKU, for the channels' lists (a row
of "needs additional details" links to the field to fix). Field names are the store's own form fields."""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import urlencode

PRODUCT_FIELDS = frozenset({"name", "description", "brand", "category", "is_active"})
SKU_FIELDS = frozenset({"ref_id", "ean", "color", "size", "voltage", "stock", "is_active", "image"})


def catalog_fix_url(
    account: str, *, product_id: int | None, sku_id: int | None, field: str = "", next_url: str = ""
) -> str:
    """The product page focused on `field` when it is a product field, else the SKU's page focused on it
    (`price_<trade policy id>` for a price); empty when there is no product or SKU to open. The page
    scrolls to the field (#id_<field>) and puts the cursor in it (?focus=<field>)."""
    if field in PRODUCT_FIELDS and product_id:
        url = reverse("catalog-product", args=[account, product_id])
    elif sku_id:
        url = reverse("catalog-sku", args=[account, sku_id])
        if field not in SKU_FIELDS and not field.startswith("price_"):
            field = ""
    elif product_id:
        url, field = reverse("catalog-product", args=[account, product_id]), ""
    else:
        return ""
    query = {"focus": field} if field else {}
    if next_url:
        query["next"] = next_url
    return url + (f"?{urlencode(query)}" if query else "") + (f"#id_{field}" if field else "")
