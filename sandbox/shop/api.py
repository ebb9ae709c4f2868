"""The `/tbp/v2.0/shop/...` API the store calls (enveloped, journaled, `external_data` auth): the connection
made from an auth_code, its status, its end, and the order list (SHOP.md)."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from sandbox import extdata, ids
from sandbox.shop.model import (
    CODE_BAD_AUTH_CODE,
    CODE_SHOP_NOT_CONNECTED,
    CONNECTED,
    DISCONNECTED,
    ERROR_CODES,
    live_for_store,
    rule_violation,
    shop_json,
)
from sandbox.web import ApiContext, ApiError

MAX_PAGE_SIZE = 100


def _store(ctx: ApiContext) -> tuple[extdata.Verified, str, str]:
    """The verified external_data and the store it names (business_platform, external_business_id)."""
    try:
        verified = extdata.verify(
            ctx.storage, ctx.request.args.get("external_data", ""), max_age_seconds=None
        )
    except extdata.ExternalDataError as exc:
        raise ApiError(40002, f"external_data: {exc}.") from exc
    ctx.app_id = verified.app["app_id"]
    return verified, str(verified.data["business_platform"]), str(verified.data["external_business_id"])


def connection_create(ctx: ApiContext) -> dict[str, Any]:
    verified, platform, business_id = _store(ctx)
    code = ctx.require("auth_code")
    now = time.time()
    with ctx.storage.tx() as c:
        row = c.execute("SELECT * FROM shop_auth_codes WHERE code_sha = ?", (ids.token_sha(code),)).fetchone()
        if (
            row is None
            or row["used_at"] is not None
            or row["expires_at"] < now
            or (row["business_platform"], row["external_business_id"]) != (platform, business_id)
            or row["app_id"] != verified.app["app_id"]
        ):
            raise ApiError(CODE_BAD_AUTH_CODE, "auth_code is invalid, expired or already used.")
        c.execute("UPDATE shop_auth_codes SET used_at = ? WHERE code_sha = ?", (now, row["code_sha"]))
        violation = rule_violation(
            c,
            user_id=row["user_id"],
            shop_id=row["shop_id"],
            platform=platform,
            business_id=business_id,
            country=row["country"],
        )
        if violation:
            raise ApiError(*ERROR_CODES[violation])
        if live_for_store(c, platform, business_id) is None:
            c.execute(
                "INSERT INTO shop_connections (shop_id, business_platform, external_business_id, app_id,"
                " user_id,"
                " status, connected_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (row["shop_id"], platform, business_id, row["app_id"], row["user_id"], CONNECTED, now),
            )
        shop = shop_json(c, row["shop_id"], row["user_id"])
    return {"shop": shop, "connected_at": int(now)}


def connection_get_status(ctx: ApiContext) -> dict[str, Any]:
    _, platform, business_id = _store(ctx)
    with ctx.storage.tx() as c:
        live = live_for_store(c, platform, business_id)
        if live is None:
            return {"status": "NOT_CONNECTED"}
        return {
            "status": CONNECTED,
            "shop": shop_json(c, live["shop_id"], live["user_id"]),
            "connected_at": int(live["connected_at"]),
        }


def disconnect(ctx: ApiContext) -> None:
    """TikTok's disconnect also ends this store's shop connection (chained onto api_auth's route)."""
    _, platform, business_id = _store(ctx)
    ctx.storage.execute(
        "UPDATE shop_connections SET status = ?, disconnected_at = ?, disconnect_reason = ?"
        " WHERE business_platform = ? AND external_business_id = ? AND status = ?",
        (DISCONNECTED, time.time(), "shop_connection_disconnect", platform, business_id, CONNECTED),
    )


def _encode_cursor(update_time: int, order_id: str) -> str:
    return base64.urlsafe_b64encode(f"{update_time}:{order_id}".encode()).decode()


def _decode_cursor(raw: str) -> tuple[int, str]:
    try:
        text = base64.urlsafe_b64decode(raw.encode()).decode()
        update_time, order_id = text.split(":", 1)
        return int(update_time), order_id
    except (ValueError, UnicodeError) as exc:
        raise ApiError(40002, "cursor: Not a valid cursor.") from exc


def order_list(ctx: ApiContext) -> dict[str, Any]:
    _, platform, business_id = _store(ctx)
    try:
        update_time_ge = int(ctx.request.args.get("update_time_ge") or 0)
        page_size = int(ctx.request.args.get("page_size") or 20)
    except ValueError as exc:
        raise ApiError(40002, "update_time_ge / page_size: Not a valid integer.") from exc
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ApiError(40002, f"page_size: Must be between 1 and {MAX_PAGE_SIZE}.")
    live = ctx.storage.one(
        "SELECT * FROM shop_connections"
        " WHERE business_platform = ? AND external_business_id = ? AND status = ?",
        (platform, business_id, CONNECTED),
    )
    if live is None:
        raise ApiError(CODE_SHOP_NOT_CONNECTED, "No TikTok Shop is connected to this store.")
    after: tuple[int, str] = (update_time_ge, "")
    raw_cursor = ctx.request.args.get("cursor") or ""
    if raw_cursor:
        after = max(after, _decode_cursor(raw_cursor))
    # Only orders placed while this connection exists belong to the store.
    rows = ctx.storage.all(
        "SELECT * FROM shop_orders WHERE shop_id = ? AND create_time >= ?"
        " AND (update_time > ? OR (update_time = ? AND order_id > ?))"
        " ORDER BY update_time, order_id LIMIT ?",
        (live["shop_id"], int(live["connected_at"]), after[0], after[0], after[1], page_size + 1),
    )
    has_more = len(rows) > page_size
    rows = rows[:page_size]
    orders = [json.loads(r["data"]) for r in rows]
    next_cursor = _encode_cursor(rows[-1]["update_time"], rows[-1]["order_id"]) if rows else ""
    return {"orders": orders, "next_cursor": next_cursor, "has_more": has_more, "total_count": len(orders)}
