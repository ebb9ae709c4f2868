"""The TikTok Shop admin API under /_sandbox/shop/ (loopback only, JSON): shops, connections, orders placed
by simulated buyers and moved on by TikTok, and the authorization shortcut for tests (SHOP.md)."""

from __future__ import annotations

import json
import time
from typing import Any

from werkzeug.wrappers import Request, Response

from sandbox import ids
from sandbox.core import SandboxApp
from sandbox.shop.authorize import authorize_entry, finish
from sandbox.shop.model import MEMBER, ORDER_STATUSES, OWNER, ensure_seeded
from sandbox.storage import dumps
from sandbox.web import json_body, json_response

MAX_ORDERS_PER_CALL = 1000


def _user_id(app: SandboxApp, email: str) -> str | None:
    row = app.storage.one("SELECT user_id FROM users WHERE email = ?", (email.strip().lower(),))
    return row["user_id"] if row else None


def shops(app: SandboxApp, request: Request) -> Response:
    """GET: shops with their members; POST `{name, region, owner, members?, shop_id?}` creates one."""
    ensure_seeded(app.storage)
    if request.method == "POST":
        body = json_body(request)
        owner = _user_id(app, str(body.get("owner") or ""))
        region = str(body.get("region") or "").upper()
        if owner is None or len(region) != 2 or not body.get("name"):
            return json_response(
                {"error": "name, region (2 letters) and an existing owner e-mail are required"}, 400
            )
        shop_id = str(body.get("shop_id") or ids.numeric_id())
        with app.storage.tx() as c:
            c.execute(
                "INSERT OR REPLACE INTO shop_shops VALUES (?, ?, ?, ?)",
                (shop_id, str(body["name"]), region, time.time()),
            )
            c.execute("INSERT OR REPLACE INTO shop_members VALUES (?, ?, ?)", (shop_id, owner, OWNER))
            for email in body.get("members") or []:
                member = c.execute(
                    "SELECT user_id FROM users WHERE email = ?", (str(email).lower(),)
                ).fetchone()
                if member is not None and member["user_id"] != owner:
                    c.execute(
                        "INSERT OR REPLACE INTO shop_members VALUES (?, ?, ?)",
                        (shop_id, member["user_id"], MEMBER),
                    )
        return json_response({"shop_id": shop_id}, 201)
    listed = []
    for s in app.storage.all("SELECT * FROM shop_shops ORDER BY shop_id"):
        members = app.storage.all(
            "SELECT u.email, m.role FROM shop_members m JOIN users u ON u.user_id = m.user_id"
            " WHERE m.shop_id = ?",
            (s["shop_id"],),
        )
        listed.append(
            {
                "shop_id": s["shop_id"],
                "name": s["name"],
                "region": s["region"],
                "members": [dict(m) for m in members],
            }
        )
    return json_response({"shops": listed})


def connections(app: SandboxApp, request: Request) -> Response:
    rows = app.storage.all("SELECT * FROM shop_connections ORDER BY id")
    return json_response({"connections": [dict(r) for r in rows]})


def _new_order(body: dict[str, Any], now: int) -> dict[str, Any]:
    buyer = body.get("buyer") if isinstance(body.get("buyer"), dict) else {}
    items = body.get("items") if isinstance(body.get("items"), list) else []
    lines = []
    total = 0.0
    for n, item in enumerate(items, start=1):
        quantity = max(1, int(item.get("quantity") or 1))
        price = float(item.get("sale_price") or 0)
        total += price * quantity
        lines.append(
            {
                "id": f"{n}",
                "seller_sku": str(item.get("seller_sku") or ""),
                "product_name": str(item.get("product_name") or ""),
                "sku_name": str(item.get("sku_name") or ""),
                "quantity": quantity,
                "sale_price": f"{price:.2f}",
            }
        )
    status = str(body.get("status") or "AWAITING_SHIPMENT")
    return {
        "id": str(body.get("order_id") or ("57" + ids.numeric_id()[1:])),
        "status": status if status in ORDER_STATUSES else "AWAITING_SHIPMENT",
        "create_time": now,
        "update_time": now,
        "buyer_email": str(buyer.get("email") or "buyer@example.com"),
        "recipient_address": {
            "name": str(buyer.get("name") or "Comprador TikTok"),
            "phone_number": str(buyer.get("phone") or "+55 11 99999-0000"),
        },
        "payment": {"currency": str(body.get("currency") or "BRL"), "total_amount": f"{total:.2f}"},
        "line_items": lines,
    }


def orders(app: SandboxApp, request: Request) -> Response:
    """GET `?shop_id=`: orders. POST `{shop_id, items:[{seller_sku, product_name, sku_name?, quantity,
    sale_price}], buyer?{name,email,phone}, currency?, status?, count?}`: a simulated buyer places orders."""
    if request.method == "GET":
        shop_id = request.args.get("shop_id")
        if shop_id:
            rows = app.storage.all(
                "SELECT data FROM shop_orders WHERE shop_id = ? ORDER BY create_time", (shop_id,)
            )
        else:
            rows = app.storage.all("SELECT data FROM shop_orders ORDER BY create_time")
        return json_response({"orders": [json.loads(r["data"]) for r in rows]})
    body = json_body(request)
    shop_id = str(body.get("shop_id") or "")
    if app.storage.one("SELECT 1 FROM shop_shops WHERE shop_id = ?", (shop_id,)) is None:
        return json_response({"error": "unknown shop_id"}, 400)
    count = max(1, min(int(body.get("count") or 1), MAX_ORDERS_PER_CALL))
    now = int(time.time())
    created = []
    with app.storage.tx() as c:
        for _ in range(count):
            order = _new_order({**body, "order_id": body.get("order_id") if count == 1 else None}, now)
            c.execute(
                "INSERT INTO shop_orders VALUES (?, ?, ?, ?, ?, ?)",
                (order["id"], shop_id, order["status"], now, now, dumps(order)),
            )
            created.append(order)
    return json_response({"orders": created}, 201)


def order_status(app: SandboxApp, request: Request, order_id: str) -> Response:
    """POST `{status}`: TikTok moves the order on (the seller ships it, the buyer cancels ...)."""
    status = str(json_body(request).get("status") or "")
    if status not in ORDER_STATUSES:
        return json_response({"error": f"status must be one of {', '.join(ORDER_STATUSES)}"}, 400)
    with app.storage.tx() as c:
        row = c.execute("SELECT * FROM shop_orders WHERE order_id = ?", (order_id,)).fetchone()
        if row is None:
            return json_response({"error": "unknown order"}, 404)
        order = json.loads(row["data"])
        # Strictly later than before, so a poll from the last update_time sees the change.
        now = max(int(time.time()), int(row["update_time"]) + 1)
        order.update(status=status, update_time=now)
        c.execute(
            "UPDATE shop_orders SET status = ?, update_time = ?, data = ? WHERE order_id = ?",
            (status, now, dumps(order), order_id),
        )
    return json_response({"order": order})


def authorize(app: SandboxApp, request: Request) -> Response:
    """Test shortcut: `{external_data, email, shop_id, cancel?}` -> `{location}` exactly as the seller
    authorization page would redirect (the rules are the same)."""
    body = json_body(request)
    entry = authorize_entry(
        app, Request.from_values(query_string={"external_data": str(body.get("external_data") or "")})
    )
    if entry.status_code != 302:
        return json_response({"error": entry.get_data(as_text=True)}, 400)
    auth_id = entry.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    user_id = _user_id(app, str(body.get("email") or ""))
    if user_id is None:
        return json_response({"error": "unknown seller e-mail"}, 400)
    row = app.storage.one("SELECT data FROM shop_authorizations WHERE auth_id = ?", (auth_id,))
    data = json.loads(row["data"])
    response = finish(
        app, auth_id, data, user_id, shop_id=str(body.get("shop_id") or ""), cancel=bool(body.get("cancel"))
    )
    return json_response({"location": response.headers["Location"]})
