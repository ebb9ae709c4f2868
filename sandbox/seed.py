"""Apps (developer credentials) and the demo TikTok users with their Business Centers and assets."""

from __future__ import annotations

import time

from sandbox.storage import Storage

DEFAULT_APP = {
    "app_id": "7400000000000000001",
    "secret": "sandbox-app-secret",
    "external_data_key": "sandbox-external-data-key",
    "business_platform": "VTEX",
    "platform_name": "VTEX",
    "redirect_uri_prefix": "",
}
DEMO_PASSWORD = "sandbox"  # noqa: S105 - documented demo login of a local emulator

DEMO_USER_ID = "7400000000000000009"
DEMO_BC_ID = "7100000000000000001"
DEMO_ADV_ID = "7200000000000000001"
DEMO_PIXEL_CODE = "CABCDEFGHIJ1234567XY"
DEMO_CATALOG_ID = "7300000000000000001"
NOADMIN_USER_ID = "7400000000000000010"
NOADS_USER_ID = "7400000000000000011"
NOADS_BC_ID = "7100000000000000002"
FEED_LOG_ID_BASE = 73473  # feed_log_ids look like TikTok's ("73474") from the first write


def provision_app(
    storage: Storage,
    *,
    app_id: str,
    secret: str,
    external_data_key: str,
    business_platform: str,
    platform_name: str = "",
    redirect_uri_prefix: str = "",
) -> None:
    storage.execute(
        "INSERT INTO apps (app_id, secret, external_data_key, business_platform, platform_name,"
        " redirect_uri_prefix) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (app_id) DO UPDATE SET"
        " secret = excluded.secret, external_data_key = excluded.external_data_key,"
        " business_platform = excluded.business_platform, platform_name = excluded.platform_name,"
        " redirect_uri_prefix = excluded.redirect_uri_prefix",
        (
            app_id,
            secret,
            external_data_key,
            business_platform,
            platform_name or business_platform,
            redirect_uri_prefix,
        ),
    )


def seed_demo(storage: Storage) -> None:
    """Idempotent: the three demo users and the assets the README documents."""
    now = time.time()
    with storage.tx() as c:
        users = [
            (DEMO_USER_ID, "demo@tiktok.test", "Demo Merchant", 1),
            (NOADMIN_USER_ID, "noadmin@tiktok.test", "Standard Member", 1),
            (NOADS_USER_ID, "noads@tiktok.test", "No Ads Merchant", 0),
        ]
        for user_id, email, name, has_ads in users:
            c.execute(
                "INSERT OR IGNORE INTO users (user_id, email, password, display_name, has_ads_manager)"
                " VALUES (?, ?, ?, ?, ?)",
                (user_id, email, DEMO_PASSWORD, name, has_ads),
            )
        c.execute("INSERT OR IGNORE INTO bcs VALUES (?, ?, ?)", (DEMO_BC_ID, "Demo Business Center", now))
        c.execute("INSERT OR IGNORE INTO bcs VALUES (?, ?, ?)", (NOADS_BC_ID, "NoAds Business Center", now))
        for bc_id, user_id, role in (
            (DEMO_BC_ID, DEMO_USER_ID, "ADMIN"),
            (DEMO_BC_ID, NOADMIN_USER_ID, "STANDARD"),
            (NOADS_BC_ID, NOADS_USER_ID, "ADMIN"),
        ):
            c.execute("INSERT OR IGNORE INTO bc_members VALUES (?, ?, ?)", (bc_id, user_id, role))
        c.execute(
            "INSERT OR IGNORE INTO advertisers (adv_id, bc_id, name, currency, timezone, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (DEMO_ADV_ID, DEMO_BC_ID, "Demo Ad Account", "BRL", "America/Sao_Paulo", now),
        )
        c.execute(
            "INSERT OR IGNORE INTO pixels (pixel_code, pixel_id, adv_id, name, created_at) VALUES (?, ?, "
            "?, ?, ?)",
            (DEMO_PIXEL_CODE, "7500000000000000001", DEMO_ADV_ID, "Demo Pixel", now),
        )
        c.execute(
            "INSERT OR IGNORE INTO catalogs (catalog_id, bc_id, name, catalog_type, region_code, currency,"
            " channel, feed_id, created_at, updated_at) VALUES (?, ?, ?, 'ECOM', 'BR', 'BRL', 'PARTNER', "
            "?, ?, ?)",
            (DEMO_CATALOG_ID, DEMO_BC_ID, "Demo Catalog", "7600000000000000001", now, now),
        )
        c.execute(
            "INSERT OR IGNORE INTO sqlite_sequence (name, seq) SELECT 'feed_logs', ?"
            " WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'feed_logs')",
            (FEED_LOG_ID_BASE,),
        )
