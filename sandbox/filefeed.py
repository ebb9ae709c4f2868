"""`catalog/product/file/`: the request is validated and queued as a feed log (kind "file") holding only
the file's URL; when its WAITING time is over the processor fetches the CSV (127.0.0.1/localhost only:
the sandbox never reaches outside the machine), turns each row into the upload's product shape and stores
them as the feed log's products, so it is timed, applied and reported (per-row errors by 1-based row
index) exactly like an upload. A file that cannot be fetched or read ends the feed log FAILED."""

from __future__ import annotations

import csv
import io
import logging
import time
from typing import Any
from urllib.parse import urlsplit

import orjson
import requests

from sandbox.storage import Storage, dumps
from sandbox.web import LOOPBACK_HOSTS, ApiError

log = logging.getLogger("sandbox.filefeed")

UPDATE_MODES = ("INCREMENTAL", "OVERWRITE")
FETCH_TIMEOUT = (5.0, 120.0)
MAX_ROWS = 20_000_000  # reference §3.2: "<20M rows"

_FLAT = {
    "sku_id": "sku_id",
    "item_group_id": "item_group_id",
    "title": "title",
    "description": "description",
    "brand": "brand",
    "image_link": "image_url",
    "video_link": "video_url",
    "google_product_category": "google_product_category",
    "gtin": "global_trade_item_number",
    "mpn": "manufacturer_part_number",
}
_DETAIL = ("color", "size", "gender", "age_group", "material", "pattern")


def file_request_checked(body: dict[str, Any]) -> dict[str, Any]:
    """The stored part of a valid file request; ApiError(40002) names the first bad field."""
    file_url = body.get("file_url")
    if file_url is None or file_url == "":
        raise ApiError(40002, "file_url: Missing data for required field.")
    if not isinstance(file_url, str):
        raise ApiError(40002, "file_url: Not a valid string.")
    parts = urlsplit(file_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ApiError(40002, "file_url: Not a valid URL.")
    if parts.hostname not in LOOPBACK_HOSTS:
        raise ApiError(40002, "file_url: The sandbox only fetches files from 127.0.0.1 or localhost.")
    # OpenAPI: an enum keyed by name, INCREMENTAL by default.
    mode = body.get("update_mode", "INCREMENTAL")
    if mode not in UPDATE_MODES:
        raise ApiError(40002, f"update_mode: Must be one of: {', '.join(UPDATE_MODES)}.")
    feed_id = body.get("feed_id")
    if feed_id not in (None, "") and not str(feed_id).isdigit():
        raise ApiError(40002, "feed_id: Not a valid integer.")
    return {"file_url": file_url, "update_mode": mode}


def _money(cell: str) -> tuple[float | str, str | None]:
    amount, _sep, currency = cell.strip().partition(" ")
    try:
        return float(amount), (currency.strip() or None)
    except ValueError:
        return cell, None


def row_product(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row (feed column names) as the product an upload would carry."""
    cells = {k.strip(): (v or "").strip() for k, v in row.items() if k}
    product: dict[str, Any] = {}
    for column, field in _FLAT.items():
        if cells.get(column):
            product[field] = cells[column]
    if cells.get("availability"):
        product["availability"] = cells["availability"].upper().replace(" ", "_")
    detail: dict[str, Any] = {}
    if cells.get("condition"):
        detail["condition"] = cells["condition"].upper()
    for key in _DETAIL:
        if cells.get(key):
            detail[key] = cells[key]
    if cells.get("product_type"):
        detail["product_category"] = cells["product_type"]
    if detail:
        product["product_detail"] = detail
    price: dict[str, Any] = {}
    if cells.get("price"):
        price["price"], currency = _money(cells["price"])
        if currency:
            price["currency"] = currency
    if cells.get("sale_price"):
        price["sale_price"], _currency = _money(cells["sale_price"])
    if price:
        product["price_info"] = price
    if cells.get("link"):
        product["landing_page"] = {"landing_page_url": cells["link"]}
    if cells.get("additional_image_link"):
        product["additional_image_urls"] = [u for u in cells["additional_image_link"].split(",") if u]
    labels = {
        f"custom_label_{n}": cells[f"custom_label_{n}"] for n in range(5) if cells.get(f"custom_label_{n}")
    }
    if labels:
        product["extra_info"] = labels
    return product


def _fetch(url: str) -> list[dict[str, Any]]:
    with requests.get(url, timeout=FETCH_TIMEOUT, stream=True, allow_redirects=False) as resp:
        if resp.status_code != 200:
            raise ValueError(f"HTTP {resp.status_code}")
        text = io.TextIOWrapper(resp.raw, encoding="utf-8-sig", newline="")
        resp.raw.decode_content = True
        reader = csv.DictReader(text)
        if not reader.fieldnames or "sku_id" not in [f.strip() for f in reader.fieldnames]:
            raise ValueError("no sku_id column")
        products = []
        for row in reader:
            if len(products) >= MAX_ROWS:
                raise ValueError("too many rows")
            products.append(row_product(row))
        return products


def _fail(storage: Storage, feed_log_id: int, issue: str, suggestion: str) -> None:
    # No affected rows: the whole file failed, so every product in it counts as not applied.
    errors = [
        {
            "field": "file_url",
            "issue": issue,
            "suggestion": suggestion,
            "affected_product_count": 0,
            "affected_product_item_list": [],
        }
    ]
    now = time.time()
    storage.execute(
        "UPDATE feed_logs SET status = 'FAILED', start_time = ?, end_time = ?, errors = ?, payload = '{}'"
        " WHERE feed_log_id = ?",
        (now, now, dumps(errors), feed_log_id),
    )


def files_fetch_due(storage: Storage, wait_cutoff: float) -> int:
    """Fetch the files of the file feed logs whose WAITING time is over; their products replace the URL
    in the payload. OVERWRITE removes the catalog's products the file does not list before the rows are
    applied (a sandbox simplification: TikTok's timing of that removal is not documented)."""
    fetched = 0
    for row in storage.all(
        "SELECT feed_log_id, catalog_id, payload FROM feed_logs WHERE kind = 'file' AND status = 'WAITING'"
        " AND created_at <= ? ORDER BY feed_log_id",
        (wait_cutoff,),
    ):
        request = orjson.loads(row["payload"])
        if "products" in request:
            continue
        url = str(request.get("file_url") or "")
        try:
            products = _fetch(url)
        except (requests.RequestException, ValueError, UnicodeDecodeError, csv.Error) as exc:
            log.info("file feed %s: fetch failed: %s", row["feed_log_id"], type(exc).__name__)
            _fail(
                storage,
                row["feed_log_id"],
                "File can't be downloaded",
                "Check that the file URL is reachable and returns a CSV file with a sku_id column.",
            )
            continue
        with storage.tx() as c:
            if request.get("update_mode") == "OVERWRITE":
                keep = {str(p.get("sku_id")) for p in products}
                gone = [
                    (row["catalog_id"], r[0])
                    for r in c.execute(
                        "SELECT sku_id FROM products WHERE catalog_id = ?", (row["catalog_id"],)
                    )
                    if r[0] not in keep
                ]
                c.executemany("DELETE FROM products WHERE catalog_id = ? AND sku_id = ?", gone)
            c.execute(
                "UPDATE feed_logs SET payload = ? WHERE feed_log_id = ?",
                (dumps({**request, "products": products}), row["feed_log_id"]),
            )
        fetched += 1
    return fetched
