"""The TikTok Shop side's state: shops and their sellers, authorizations, auth codes, connections and orders,
the demo shops, and TikTok's connection rules (SHOP.md)."""

from __future__ import annotations

import sqlite3
import time
from sqlite3 import Row
from typing import Any

from sandbox.storage import Storage

SCHEMA = """
CREATE TABLE IF NOT EXISTS shop_shops (
    shop_id TEXT PRIMARY KEY, name TEXT NOT NULL, region TEXT NOT NULL, created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS shop_members (
    shop_id TEXT NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (shop_id, user_id)
);
CREATE TABLE IF NOT EXISTS shop_authorizations (
    auth_id TEXT PRIMARY KEY, data TEXT NOT NULL, user_id TEXT, created_at REAL NOT NULL, done_at REAL
);
CREATE TABLE IF NOT EXISTS shop_auth_codes (
    code_sha TEXT PRIMARY KEY, app_id TEXT NOT NULL, user_id TEXT NOT NULL, shop_id TEXT NOT NULL,
    business_platform TEXT NOT NULL, external_business_id TEXT NOT NULL, country TEXT NOT NULL,
    expires_at REAL NOT NULL, used_at REAL
);
CREATE TABLE IF NOT EXISTS shop_connections (
    id INTEGER PRIMARY KEY AUTOINCREMENT, shop_id TEXT NOT NULL, business_platform TEXT NOT NULL,
    external_business_id TEXT NOT NULL, app_id TEXT NOT NULL, user_id TEXT NOT NULL, status TEXT NOT NULL,
    connected_at REAL NOT NULL, disconnected_at REAL, disconnect_reason TEXT
);
CREATE INDEX IF NOT EXISTS shop_connections_live ON shop_connections (status, shop_id);
CREATE TABLE IF NOT EXISTS shop_orders (
    order_id TEXT PRIMARY KEY, shop_id TEXT NOT NULL, status TEXT NOT NULL, create_time INTEGER NOT NULL,
    update_time INTEGER NOT NULL, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS shop_orders_poll ON shop_orders (shop_id, update_time, order_id);
"""
RESET_TABLES = (
    "shop_shops",
    "shop_members",
    "shop_authorizations",
    "shop_auth_codes",
    "shop_connections",
    "shop_orders",
)

CONNECTED = "CONNECTED"
DISCONNECTED = "DISCONNECTED"
OWNER = "OWNER"
MEMBER = "MEMBER"
AUTH_CODE_TTL_SECONDS = 600
ORDER_STATUSES = (
    "UNPAID",
    "ON_HOLD",
    "AWAITING_SHIPMENT",
    "PARTIALLY_SHIPPING",
    "AWAITING_COLLECTION",
    "IN_TRANSIT",
    "DELIVERED",
    "COMPLETED",
    "CANCELLED",
)

# The project's own envelope codes (SHOP.md). 40002 stays TikTok's "parameter error".
CODE_NOT_SHOP_OWNER = 41001
CODE_SHOP_ALREADY_CONNECTED = 41002
CODE_REGION_MISMATCH = 41003
CODE_SHOP_NOT_CONNECTED = 41004
CODE_STORE_ALREADY_CONNECTED = 41005
CODE_BAD_AUTH_CODE = 41006

# What the API answers for each broken rule (the page redirects with the rule's name instead).
ERROR_CODES = {
    "not_shop_owner": (CODE_NOT_SHOP_OWNER, "Only the TikTok Shop owner account can connect this shop."),
    "region_mismatch": (CODE_REGION_MISMATCH, "The shop's region does not match the store's country."),
    "shop_already_connected": (CODE_SHOP_ALREADY_CONNECTED, "This shop is connected to another store."),
    "store_already_connected": (CODE_STORE_ALREADY_CONNECTED, "This store is connected to another shop."),
    "access_denied": (CODE_NOT_SHOP_OWNER, "The user is not a member of this shop."),
}

# Demo shops: the demo TikTok users (sandbox/README.md) are also TikTok Shop sellers, as TikTok requires
# the same login for TikTok Shop and TikTok for Business.
DEMO_SHOP_BR = "7500000000000000001"
DEMO_SHOP_BR_2 = "7500000000000000002"
DEMO_SHOP_US = "7500000000000000003"
DEMO_SHOPS = (
    (DEMO_SHOP_BR, "Loja Demo TikTok Shop", "BR"),
    (DEMO_SHOP_BR_2, "Loja Demo Outlet", "BR"),
    (DEMO_SHOP_US, "Demo US Shop", "US"),
)
DEMO_SHOP_MEMBERS = (
    (DEMO_SHOP_BR, "demo@tiktok.test", OWNER),
    (DEMO_SHOP_BR, "noadmin@tiktok.test", MEMBER),
    (DEMO_SHOP_BR_2, "demo@tiktok.test", OWNER),
    (DEMO_SHOP_US, "demo@tiktok.test", OWNER),
)


def seed_shops(storage: Storage) -> None:
    now = time.time()
    with storage.tx() as c:
        for shop_id, name, region in DEMO_SHOPS:
            c.execute("INSERT OR IGNORE INTO shop_shops VALUES (?, ?, ?, ?)", (shop_id, name, region, now))
        for shop_id, email, role in DEMO_SHOP_MEMBERS:
            user = c.execute("SELECT user_id FROM users WHERE email = ?", (email,)).fetchone()
            if user is not None:
                c.execute(
                    "INSERT OR IGNORE INTO shop_members VALUES (?, ?, ?)", (shop_id, user["user_id"], role)
                )


def ensure_seeded(storage: Storage) -> None:
    """The demo users may be seeded after the extension registered (serve seeds on start)."""
    if storage.one("SELECT 1 FROM shop_members LIMIT 1") is None:
        seed_shops(storage)


def live_for_shop(c: sqlite3.Connection, shop_id: str) -> Row | None:
    return c.execute(
        "SELECT * FROM shop_connections WHERE shop_id = ? AND status = ?", (shop_id, CONNECTED)
    ).fetchone()


def live_for_store(c: sqlite3.Connection, platform: str, business_id: str) -> Row | None:
    return c.execute(
        "SELECT * FROM shop_connections"
        " WHERE business_platform = ? AND external_business_id = ? AND status = ?",
        (platform, business_id, CONNECTED),
    ).fetchone()


def rule_violation(
    c: sqlite3.Connection, *, user_id: str, shop_id: str, platform: str, business_id: str, country: str
) -> str:
    """TikTok's connection rules (peers.md b.2). Returns the error name, or "" when the shop may connect."""
    shop = c.execute("SELECT * FROM shop_shops WHERE shop_id = ?", (shop_id,)).fetchone()
    member = c.execute(
        "SELECT role FROM shop_members WHERE shop_id = ? AND user_id = ?", (shop_id, user_id)
    ).fetchone()
    if shop is None or member is None:
        return "access_denied"
    if member["role"] != OWNER:
        return "not_shop_owner"
    if country and shop["region"] != country.upper():
        return "region_mismatch"
    live = live_for_shop(c, shop_id)
    if live is not None and (live["business_platform"], live["external_business_id"]) != (
        platform,
        business_id,
    ):
        return "shop_already_connected"
    store_live = live_for_store(c, platform, business_id)
    if store_live is not None and store_live["shop_id"] != shop_id:
        return "store_already_connected"
    return ""


def shop_json(c: sqlite3.Connection, shop_id: str, user_id: str) -> dict[str, Any]:
    shop = c.execute("SELECT * FROM shop_shops WHERE shop_id = ?", (shop_id,)).fetchone()
    user = c.execute("SELECT * FROM users WHERE user_id = ?", (user_id,)).fetchone()
    member = c.execute(
        "SELECT role FROM shop_members WHERE shop_id = ? AND user_id = ?", (shop_id, user_id)
    ).fetchone()
    return {
        "shop_id": shop_id,
        "shop_name": shop["name"],
        "region": shop["region"],
        "seller_id": user_id,
        "seller_name": user["display_name"] if user else "",
        "is_owner": bool(member and member["role"] == OWNER),
    }
