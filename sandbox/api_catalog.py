"""Catalog management and catalog product endpoints (§3)."""

from __future__ import annotations

import math
import time
from sqlite3 import Row
from typing import Any

from sandbox import ids, model
from sandbox.core import SandboxApp
from sandbox.filefeed import file_request_checked
from sandbox.runtime import THROTTLE_CODE, THROTTLE_MESSAGE
from sandbox.storage import dumps
from sandbox.web import ApiContext, ApiError

CATALOG_TYPES = (
    "ECOM",
    "HOTEL",
    "FLIGHT",
    "DESTINATION",
    "ENTERTAINMENT",
    "AUTO_VEHICLE",
    "AUTO_MODEL",
    "MINI_SERIES",
)
MAX_WRITE_PRODUCTS = 5000
MAX_DELETE_SKUS = 1000
CONFLICT_CODE = 40202
CONFLICT_MESSAGE = "Write or update entity conflict"


def _no_catalog(catalog_id: str) -> ApiError:
    return ApiError(40001, f"You don't have permission to operate this catalog:{catalog_id}.")


def _bc_checked(ctx: ApiContext, *, admin: bool = False) -> str:
    bc_id = ctx.require("bc_id")
    role = model.bc_role(ctx.storage, ctx.user_id, bc_id)
    if role is None or (admin and role != "ADMIN"):
        raise ApiError(40001, f"You don't have permission to operate this business center:{bc_id}.")
    return bc_id


def _catalog_checked(ctx: ApiContext) -> Row:
    bc_id = ctx.require("bc_id")
    catalog_id = ctx.require("catalog_id")
    ctx.catalog_id = catalog_id
    catalog = model.catalog_for_user(ctx.storage, ctx.user_id, catalog_id)
    if catalog is None or catalog["bc_id"] != bc_id:
        raise _no_catalog(catalog_id)
    return catalog


def _int_arg(ctx: ApiContext, name: str, default: int, low: int, high: int) -> int:
    raw = ctx.arg(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError) as exc:
        raise ApiError(40002, f"{name}: Not a valid integer.") from exc
    if not low <= value <= high:
        raise ApiError(40002, f"{name}: Must be between {low} and {high}.")
    return value


def _page_info(page: int, page_size: int, total: int) -> dict[str, int]:
    return {
        "page": page,
        "page_size": page_size,
        "total_number": total,
        "total_page": math.ceil(total / page_size) if total else 0,
    }


# -- catalogs ----------------------------------------------------------------------------------------
def catalog_create(ctx: ApiContext) -> dict[str, Any]:
    bc_id = _bc_checked(ctx, admin=True)
    name = ctx.require("name")
    if len(name) > 128:
        raise ApiError(40002, "name: Length must be between 1 and 128.")
    catalog_type = ctx.require("catalog_type")
    if catalog_type not in CATALOG_TYPES:
        raise ApiError(40002, f"catalog_type: Must be one of: {', '.join(CATALOG_TYPES)}.")
    conf = ctx.body.get("catalog_conf")
    if not isinstance(conf, dict):
        raise ApiError(40002, "catalog_conf: Missing data for required field.")
    for key in ("region_code", "currency"):
        if not conf.get(key):
            raise ApiError(40002, f"catalog_conf.{key}: Missing data for required field.")
    channel = conf.get("channel") or "PARTNER"
    if channel not in ("PARTNER", "CLIENT"):
        raise ApiError(40002, "catalog_conf.channel: Must be one of: PARTNER, CLIENT.")
    catalog_id = model.catalog_create(
        ctx.storage,
        bc_id,
        name,
        catalog_type=catalog_type,
        region_code=str(conf["region_code"]),
        currency=str(conf["currency"]),
        channel=channel,
    )
    ctx.catalog_id = catalog_id
    return {"catalog_id": catalog_id}


def _catalog_item(ctx: ApiContext, row: Row) -> dict[str, Any]:
    bc = ctx.storage.one("SELECT * FROM bcs WHERE bc_id = ?", (row["bc_id"],))
    approved = ctx.storage.one(
        "SELECT 1 FROM products WHERE catalog_id = ? AND audit_status = 'approved' LIMIT 1",
        (row["catalog_id"],),
    )
    return {
        "catalog_id": row["catalog_id"],
        "catalog_name": row["name"],
        "catalog_type": row["catalog_type"],
        "ad_creation_eligible": "AVAILABLE" if approved else "NOT_AVAILABLE",
        "create_time": ids.fmt_time(row["created_at"]),
        "update_time": ids.fmt_time(row["updated_at"]),
        "bc_info": {"bc_id": row["bc_id"], "bc_name": bc["name"] if bc else "", "picture_url": ""},
        "catalog_conf": {
            "country": row["region_code"],
            "currency": row["currency"],
            "channel": row["channel"],
        },
    }


def catalog_get(ctx: ApiContext) -> dict[str, Any]:
    bc_id = _bc_checked(ctx)
    page = _int_arg(ctx, "page", 1, 1, 1_000_000)
    page_size = _int_arg(ctx, "page_size", 10, 1, 1000)
    catalog_id = ctx.arg("catalog_id")
    where, params = "bc_id = ? AND deleted = 0", [bc_id]
    if catalog_id:
        where += " AND catalog_id = ?"
        params.append(str(catalog_id))
        ctx.catalog_id = str(catalog_id)
    total = ctx.storage.one(f"SELECT COUNT(*) AS n FROM catalogs WHERE {where}", params)["n"]  # noqa: S608
    rows = ctx.storage.all(
        f"SELECT * FROM catalogs WHERE {where} ORDER BY created_at, catalog_id LIMIT ? OFFSET ?",  # noqa: S608
        (*params, page_size, (page - 1) * page_size),
    )
    return {"list": [_catalog_item(ctx, r) for r in rows], "page_info": _page_info(page, page_size, total)}


def catalog_update(ctx: ApiContext) -> dict[str, Any]:
    catalog = _catalog_checked(ctx)
    name = ctx.require("name")
    if len(name) > 128:
        raise ApiError(40002, "name: Length must be between 1 and 128.")
    ctx.storage.execute(
        "UPDATE catalogs SET name = ?, updated_at = ? WHERE catalog_id = ?",
        (name, time.time(), catalog["catalog_id"]),
    )
    return {"catalog_id": catalog["catalog_id"]}


def catalog_delete(ctx: ApiContext) -> dict[str, Any]:
    catalog = _catalog_checked(ctx)
    ctx.storage.execute(
        "UPDATE catalogs SET deleted = 1, updated_at = ? WHERE catalog_id = ?",
        (time.time(), catalog["catalog_id"]),
    )
    return {"catalog_id": catalog["catalog_id"]}


def catalog_overview(ctx: ApiContext) -> dict[str, int]:
    catalog = _catalog_checked(ctx)
    counts = model.audit_counts(ctx.storage, catalog["catalog_id"])
    # Every sandbox product is eligible for organic placement too, so the organic counts mirror the ad ones.
    return {**counts, **{f"organic_{k}": v for k, v in counts.items()}}


# -- product writes ----------------------------------------------------------------------------------
def _write(ctx: ApiContext, kind: str) -> dict[str, Any]:
    catalog = _catalog_checked(ctx)
    if kind == "delete":
        sku_ids = ctx.body.get("sku_ids")
        if not isinstance(sku_ids, list) or not 1 <= len(sku_ids) <= MAX_DELETE_SKUS:
            raise ApiError(40002, f"sku_ids: Length must be between 1 and {MAX_DELETE_SKUS}.")
        if any(
            not isinstance(s, str | int) or isinstance(s, bool) or not 0 < len(str(s)) <= 100 for s in sku_ids
        ):
            raise ApiError(40002, "sku_ids: Each sku_id must be a string of 1 to 100 characters.")
        ctx.sku_ids = [str(s) for s in sku_ids]
        payload = dumps({"sku_ids": ctx.sku_ids}).encode()
    else:
        products = ctx.body.get("products")
        if products is None:
            products = ctx.body.get("dpa_products")  # the v1.2 name
        if not isinstance(products, list) or not 1 <= len(products) <= MAX_WRITE_PRODUCTS:
            raise ApiError(40002, f"products: Length must be between 1 and {MAX_WRITE_PRODUCTS}.")
        ctx.sku_ids = [
            str(p["sku_id"]) for p in products if isinstance(p, dict) and p.get("sku_id") is not None
        ]
        # Stored as received (parsed again off the request path): 5,000 products must answer fast.
        payload = ctx.request.get_data(cache=True)
    return _feed_log_create(ctx, catalog, kind, payload)


def _feed_log_create(ctx: ApiContext, catalog: Row, kind: str, payload: bytes | str) -> dict[str, Any]:
    """Queue a write as a WAITING feed log: refused while another write on the catalog is in flight (one
    request at a time per catalog, uploads, deletes and files alike) or past the hourly write limit."""
    feed_id = str(ctx.body.get("feed_id") or catalog["feed_id"])
    now = time.time()
    with ctx.storage.tx() as c:
        busy = c.execute(
            "SELECT 1 FROM feed_logs WHERE catalog_id = ? AND status IN ('WAITING', 'PROCESSING') LIMIT 1",
            (catalog["catalog_id"],),
        ).fetchone()
        if busy:
            raise ApiError(CONFLICT_CODE, CONFLICT_MESSAGE)
        per_hour = int(ctx.config["catalog_writes_per_hour"])
        if per_hour > 0:
            recent = c.execute(
                "SELECT COUNT(*) FROM feed_logs WHERE catalog_id = ? AND created_at > ?",
                (catalog["catalog_id"], now - 3600),
            ).fetchone()[0]
            if recent >= per_hour:
                raise ApiError(THROTTLE_CODE, THROTTLE_MESSAGE)
        cur = c.execute(
            "INSERT INTO feed_logs (catalog_id, feed_id, kind, payload, status, created_at)"
            " VALUES (?, ?, ?, ?, 'WAITING', ?)",
            (catalog["catalog_id"], feed_id, kind, payload, now),
        )
        feed_log_id = str(cur.lastrowid)
    ctx.feed_log_id = feed_log_id
    return {"feed_log_id": feed_log_id}


def product_upload(ctx: ApiContext) -> dict[str, Any]:
    return _write(ctx, "upload")


def product_update(ctx: ApiContext) -> dict[str, Any]:
    return _write(ctx, "update")


def product_delete(ctx: ApiContext) -> dict[str, Any]:
    return _write(ctx, "delete")


def product_file(ctx: ApiContext) -> dict[str, Any]:
    """The file is fetched when the feed log's WAITING time is over (sandbox/filefeed.py)."""
    catalog = _catalog_checked(ctx)
    request = file_request_checked(ctx.body)
    return _feed_log_create(ctx, catalog, "file", dumps(request))


# -- product reads -----------------------------------------------------------------------------------
_COLUMNS = {
    "sku_id": "sku_id",
    "product_id": "product_id",
    "audit_status": "audit_status",
    "active_status": "active_status",
    "image_status": "image_status",
}
_DATA_FIELDS = ("title", "brand", "item_group_id", "availability", "description")


def _condition_sql(cond: Any) -> tuple[str, list[Any]]:
    if not isinstance(cond, dict):
        raise ApiError(40002, "conditions: Not a valid object.")
    field = str(cond.get("field") or "")
    op = str(cond.get("operator") or "EQ").upper()
    values = cond.get("values") or []
    if not isinstance(values, list):
        raise ApiError(40002, "conditions.values: Not a valid list.")
    if field in _COLUMNS:
        column = _COLUMNS[field]
    elif field in _DATA_FIELDS or field.startswith("custom_label_"):
        path = f"$.extra_info.{field}" if field.startswith("custom_label_") else f"$.{field}"
        column = f"json_extract(data, '{path}')"
    else:
        raise ApiError(40002, f"conditions.field: {field} is not filterable.")
    vals = [str(v) for v in values]
    if op in ("EQ", "NE") and vals:
        return f"{column} {'=' if op == 'EQ' else '!='} ?", [vals[0]]
    if op in ("IN", "NOT_IN") and vals:
        return f"{column} {'IN' if op == 'IN' else 'NOT IN'} ({','.join('?' * len(vals))})", vals
    if op in ("WILDCARD", "NOT_WILDCARD") and vals:
        return f"{column} {'LIKE' if op == 'WILDCARD' else 'NOT LIKE'} ?", [f"%{vals[0]}%"]
    if op == "PREFIX" and vals:
        return f"{column} LIKE ?", [f"{vals[0]}%"]
    if op == "EXIST":
        return f"{column} IS NOT NULL", []
    raise ApiError(40002, f"conditions.operator: {op} is not supported here.")


def _conditions_sql(conditions: Any) -> tuple[str, list[Any]]:
    if not isinstance(conditions, dict):
        raise ApiError(40002, "conditions: Not a valid object.")
    parts: list[str] = []
    params: list[Any] = []
    for joiner in ("and", "or"):
        items = conditions.get(joiner)
        if not items:
            continue
        sub = [_condition_sql(c) for c in items]
        parts.append("(" + f" {joiner.upper()} ".join(s for s, _ in sub) + ")")
        for _, p in sub:
            params.extend(p)
    return (" AND ".join(parts) or "1=1"), params


def product_get(ctx: ApiContext) -> dict[str, Any]:
    catalog = _catalog_checked(ctx)
    page = _int_arg(ctx, "page", 1, 1, 100_000)
    page_size = _int_arg(ctx, "page_size", 10, 1, 500)
    if page * page_size > 100_000:
        raise ApiError(40002, "page * page_size must not exceed 100000.")
    where, params = ["catalog_id = ?"], [catalog["catalog_id"]]
    sku_ids, product_ids = ctx.json_arg("sku_ids"), ctx.json_arg("product_ids")
    if sku_ids and product_ids:
        raise ApiError(40002, "sku_ids and product_ids cannot be used together.")
    for name, column, value in (("sku_ids", "sku_id", sku_ids), ("product_ids", "product_id", product_ids)):
        if value is None:
            continue
        if not isinstance(value, list) or len(value) > 1000:
            raise ApiError(40002, f"{name}: Length must be between 0 and 1000.")
        if value:
            where.append(f"{column} IN ({','.join('?' * len(value))})")
            params.extend(str(v) for v in value)
        if name == "sku_ids":
            ctx.sku_ids = [str(v) for v in value]
    conditions = ctx.json_arg("conditions")
    if conditions:
        sql, cond_params = _conditions_sql(conditions)
        where.append(sql)
        params.extend(cond_params)
    clause = " AND ".join(where)
    total = ctx.storage.one(f"SELECT COUNT(*) AS n FROM products WHERE {clause}", params)["n"]  # noqa: S608
    rows = ctx.storage.all(
        f"SELECT * FROM products WHERE {clause} ORDER BY created_at, sku_id LIMIT ? OFFSET ?",  # noqa: S608
        (*params, page_size, (page - 1) * page_size),
    )
    return {"list": [model.product_view(r) for r in rows], "page_info": _page_info(page, page_size, total)}


def product_log(ctx: ApiContext) -> dict[str, Any]:
    catalog = _catalog_checked(ctx)
    feed_log_id = ctx.require("feed_log_id")
    ctx.feed_log_id = feed_log_id
    row = ctx.storage.one(
        "SELECT * FROM feed_logs WHERE feed_log_id = ? AND catalog_id = ?",
        (feed_log_id if feed_log_id.isdigit() else -1, catalog["catalog_id"]),
    )
    if row is None:
        raise ApiError(40007, f"The feed log {feed_log_id} does not exist.")
    return {"product_feed_log": model.feed_log_view(row)}


def register(app: SandboxApp) -> None:
    app.add_api_route("catalog/create", catalog_create)
    app.add_api_route("catalog/get", catalog_get, methods=("GET",))
    app.add_api_route("catalog/update", catalog_update)
    app.add_api_route("catalog/delete", catalog_delete)
    app.add_api_route("catalog/overview", catalog_overview, methods=("GET",))
    app.add_api_route("catalog/product/upload", product_upload)
    app.add_api_route("catalog/product/update", product_update)
    app.add_api_route("catalog/product/delete", product_delete)
    app.add_api_route("catalog/product/file", product_file)
    app.add_api_route("catalog/product/get", product_get, methods=("GET",))
    app.add_api_route("catalog/product/log", product_log, methods=("GET",))
