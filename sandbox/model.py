"""Domain operations shared by the API, the hosted pages and the admin API."""

from __future__ import annotations

import json
import secrets
import time
from sqlite3 import Row
from typing import Any

from sandbox import ids
from sandbox.products import ELIGIBLE_AVAILABILITY
from sandbox.storage import Storage, dumps


# -- permissions ------------------------------------------------------------------------------------
def user_login(storage: Storage, email: str, password: str) -> Row | None:
    """The TikTok user these credentials belong to (the e-mail in any case), or None."""
    user = storage.one("SELECT * FROM users WHERE email = ?", (email.strip().lower(),))
    if user is None or not secrets.compare_digest(user["password"].encode(), password.encode()):
        return None
    return user


def bc_role(storage: Storage, user_id: str, bc_id: str) -> str | None:
    row = storage.one("SELECT role FROM bc_members WHERE bc_id = ? AND user_id = ?", (bc_id, user_id))
    return row["role"] if row else None


def user_bcs(storage: Storage, user_id: str) -> list[Row]:
    return storage.all(
        "SELECT b.*, m.role FROM bcs b JOIN bc_members m ON m.bc_id = b.bc_id WHERE m.user_id = ?"
        " ORDER BY b.created_at, b.bc_id",
        (user_id,),
    )


def catalog_for_user(storage: Storage, user_id: str, catalog_id: str) -> Row | None:
    return storage.one(
        "SELECT c.* FROM catalogs c JOIN bc_members m ON m.bc_id = c.bc_id"
        " WHERE c.catalog_id = ? AND m.user_id = ? AND c.deleted = 0",
        (catalog_id, user_id),
    )


def advertiser_for_user(storage: Storage, user_id: str, adv_id: str) -> Row | None:
    return storage.one(
        "SELECT a.*, m.role FROM advertisers a JOIN bc_members m ON m.bc_id = a.bc_id"
        " WHERE a.adv_id = ? AND m.user_id = ?",
        (adv_id, user_id),
    )


def pixel_for_user(storage: Storage, user_id: str, pixel_code: str) -> Row | None:
    return storage.one(
        "SELECT p.*, a.bc_id, m.role FROM pixels p JOIN advertisers a ON a.adv_id = p.adv_id"
        " JOIN bc_members m ON m.bc_id = a.bc_id WHERE p.pixel_code = ? AND m.user_id = ?",
        (pixel_code, user_id),
    )


# -- creation ---------------------------------------------------------------------------------------
def bc_create(storage: Storage, user_id: str, name: str) -> str:
    bc_id = ids.numeric_id()
    with storage.tx() as c:
        c.execute("INSERT INTO bcs VALUES (?, ?, ?)", (bc_id, name, time.time()))
        c.execute("INSERT INTO bc_members VALUES (?, ?, 'ADMIN')", (bc_id, user_id))
    return bc_id


def advertiser_create(
    storage: Storage, bc_id: str, name: str, currency: str = "BRL", timezone: str = "America/Sao_Paulo"
) -> str:
    adv_id = ids.numeric_id()
    storage.execute(
        "INSERT INTO advertisers (adv_id, bc_id, name, currency, timezone, created_at) VALUES (?, ?, ?, ?, "
        "?, ?)",
        (adv_id, bc_id, name, currency, timezone, time.time()),
    )
    return adv_id


def pixel_create(storage: Storage, adv_id: str, name: str, *, am: bool, partner_name: str = "") -> str:
    code = ids.pixel_code()
    storage.execute(
        "INSERT INTO pixels (pixel_code, pixel_id, adv_id, name, am_email, am_phone, partner_name, "
        "created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (code, ids.numeric_id(), adv_id, name, int(am), int(am), partner_name, time.time()),
    )
    return code


def catalog_create(
    storage: Storage,
    bc_id: str,
    name: str,
    *,
    catalog_type: str = "ECOM",
    region_code: str = "BR",
    currency: str = "BRL",
    channel: str = "PARTNER",
) -> str:
    catalog_id = ids.numeric_id()
    now = time.time()
    storage.execute(
        "INSERT INTO catalogs (catalog_id, bc_id, name, catalog_type, region_code, currency, channel, "
        "feed_id,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (catalog_id, bc_id, name, catalog_type, region_code, currency, channel, ids.numeric_id(), now, now),
    )
    return catalog_id


# -- profiles, codes and tokens ---------------------------------------------------------------------
def profile_connect(
    storage: Storage,
    *,
    app_id: str,
    business_platform: str,
    external_business_id: str,
    user_id: str,
    bc_id: str,
    adv_id: str,
    pixel_code: str | None,
    catalog_id: str | None,
    store_name: str,
    locale: str,
    shop: bool = False,
) -> None:
    storage.execute(
        "INSERT INTO profiles (business_platform, external_business_id, app_id, status, bc_id, adv_id, "
        "pixel_code,"
        " catalog_id, store_name, core_user_id, locale, shop_connected, connected_at, disconnected_at)"
        " VALUES (?, ?, ?, 2, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)"
        " ON CONFLICT (business_platform, external_business_id) DO UPDATE SET app_id = excluded.app_id,"
        " status = 2, bc_id = excluded.bc_id, adv_id = excluded.adv_id, pixel_code = excluded.pixel_code,"
        " catalog_id = excluded.catalog_id, store_name = excluded.store_name,"
        " core_user_id = excluded.core_user_id, locale = excluded.locale,"
        " shop_connected = excluded.shop_connected, connected_at = excluded.connected_at,"
        " disconnected_at = NULL",
        (
            business_platform,
            external_business_id,
            app_id,
            bc_id,
            adv_id,
            pixel_code,
            catalog_id,
            store_name,
            user_id,
            locale,
            int(shop),
            time.time(),
        ),
    )


def profile_get(storage: Storage, business_platform: str, external_business_id: str) -> Row | None:
    return storage.one(
        "SELECT * FROM profiles WHERE business_platform = ? AND external_business_id = ?",
        (business_platform, external_business_id),
    )


def profile_data(storage: Storage, row: Row | None) -> dict[str, Any] | list[Any]:
    """The business_profile/get `data`: `[]` when not connected (what the official plugins observe)."""
    if row is None or row["status"] != 2:
        return []
    data: dict[str, Any] = {
        "status": 2,
        "bc_id": row["bc_id"],
        "adv_id": row["adv_id"],
        "pixel_code": row["pixel_code"],
        "catalog_id": row["catalog_id"],
        "store_name": row["store_name"],
        "core_user_id": row["core_user_id"],
    }
    adv = storage.one("SELECT suspended, suspend_reason FROM advertisers WHERE adv_id = ?", (row["adv_id"],))
    if adv is not None and adv["suspended"]:
        data["status"] = 3
        data["suspended"] = True
        data["suspend_reason"] = adv["suspend_reason"]
    return data


def profile_disconnect(
    storage: Storage, business_platform: str, external_business_id: str, reason: str
) -> int:
    """Empty the profile and revoke every token issued for it; returns the number of tokens revoked."""
    now = time.time()
    with storage.tx() as c:
        c.execute(
            "UPDATE profiles SET status = 0, bc_id = NULL, adv_id = NULL, pixel_code = NULL, catalog_id = "
            "NULL,"
            " shop_connected = 0, disconnected_at = ? WHERE business_platform = ? AND external_business_id "
            "= ?",
            (now, business_platform, external_business_id),
        )
        return c.execute(
            "UPDATE tokens SET revoked_at = ?, revoke_reason = ? WHERE revoked_at IS NULL"
            " AND business_platform = ? AND external_business_id = ?",
            (now, reason, business_platform, external_business_id),
        ).rowcount


def auth_code_issue(
    storage: Storage,
    *,
    app_id: str,
    user_id: str,
    business_platform: str,
    external_business_id: str,
    adv_ids: list[str],
    ttl: float,
) -> str:
    code = ids.auth_code()
    storage.execute(
        "INSERT INTO auth_codes (code_sha, app_id, user_id, business_platform, external_business_id, adv_ids,"
        " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            ids.token_sha(code),
            app_id,
            user_id,
            business_platform,
            external_business_id,
            dumps(adv_ids),
            time.time() + ttl,
        ),
    )
    return code


def token_issue(
    storage: Storage,
    *,
    app_id: str,
    user_id: str,
    adv_ids: list[str],
    business_platform: str | None,
    external_business_id: str | None,
) -> str:
    token = ids.access_token()
    storage.execute(
        "INSERT INTO tokens (token_sha, fp, app_id, user_id, adv_ids, business_platform, "
        "external_business_id,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            ids.token_sha(token),
            ids.token_fp(token),
            app_id,
            user_id,
            dumps(adv_ids),
            business_platform,
            external_business_id,
            time.time(),
        ),
    )
    return token


def token_adv_ids(row: Row) -> list[str]:
    return list(json.loads(row["adv_ids"]))


# -- catalog views shared by the API, the Catalog Manager page and the admin API ------------------
def audit_counts(storage: Storage, catalog_id: str) -> dict[str, int]:
    counts = {"approved": 0, "rejected": 0, "processing": 0}
    for row in storage.all(
        "SELECT audit_status, COUNT(*) AS n FROM products WHERE catalog_id = ? GROUP BY audit_status",
        (catalog_id,),
    ):
        counts[row["audit_status"]] = row["n"]
    return counts


def product_view(row: Row) -> dict[str, Any]:
    data = json.loads(row["data"])
    audit_status = row["audit_status"]
    eligible = (
        audit_status == "approved"
        and row["active_status"] == "ACTIVATED"
        and data.get("availability") in ELIGIBLE_AVAILABILITY
    )
    return {
        **data,
        "product_id": row["product_id"],
        "audit": {"audit_status": audit_status, "rejected_info": json.loads(row["rejected_info"])},
        "active_status": row["active_status"],
        "image_status": row["image_status"],
        "ad_creation_eligible": "AVAILABLE" if eligible else "NOT_AVAILABLE",
    }


def feed_log_view(row: Row) -> dict[str, Any]:
    return {
        "catalog_id": row["catalog_id"],
        "feed_id": row["feed_id"],
        "process_status": row["status"],
        "update_mode": "INCREASE",
        "add_count": row["add_count"],
        "update_count": row["update_count"],
        "delete_count": row["delete_count"],
        "error_count": row["error_count"],
        "warn_count": row["warn_count"],
        "start_time": ids.fmt_time(row["start_time"]),
        "end_time": ids.fmt_time(row["end_time"]),
        "feed_log_data": {
            "error_affected_products": json.loads(row["errors"]) if row["errors"] else None,
            "warn_affected_products": json.loads(row["warnings"]) if row["warnings"] else None,
            "download_path": {},
        },
    }
