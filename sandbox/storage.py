"""SQLite storage shared by the request threads and the background worker.

One connection guarded by a re-entrant lock: SQLite serialises writers anyway, and a single connection keeps
check-then-write sequences (the per-catalog write lock) atomic without retry loops."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

SCHEMA = """
CREATE TABLE IF NOT EXISTS apps (
    app_id TEXT PRIMARY KEY, secret TEXT NOT NULL, external_data_key TEXT NOT NULL,
    business_platform TEXT NOT NULL, platform_name TEXT NOT NULL, redirect_uri_prefix TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS users (
    user_id TEXT PRIMARY KEY, email TEXT UNIQUE NOT NULL, password TEXT NOT NULL, display_name TEXT NOT NULL,
    has_ads_manager INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS bcs (bc_id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS bc_members (
    bc_id TEXT NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (bc_id, user_id)
);
CREATE TABLE IF NOT EXISTS advertisers (
    adv_id TEXT PRIMARY KEY, bc_id TEXT NOT NULL, name TEXT NOT NULL, currency TEXT NOT NULL,
    timezone TEXT NOT NULL, created_at REAL NOT NULL, suspended INTEGER NOT NULL DEFAULT 0,
    suspend_reason TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS pixels (
    pixel_code TEXT PRIMARY KEY, pixel_id TEXT NOT NULL, adv_id TEXT NOT NULL, name TEXT NOT NULL,
    am_email INTEGER NOT NULL DEFAULT 0, am_phone INTEGER NOT NULL DEFAULT 0,
    partner_name TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS catalogs (
    catalog_id TEXT PRIMARY KEY, bc_id TEXT NOT NULL, name TEXT NOT NULL, catalog_type TEXT NOT NULL,
    region_code TEXT NOT NULL, currency TEXT NOT NULL, channel TEXT NOT NULL, feed_id TEXT NOT NULL,
    created_at REAL NOT NULL, updated_at REAL NOT NULL, deleted INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS products (
    catalog_id TEXT NOT NULL, sku_id TEXT NOT NULL, product_id TEXT NOT NULL, data TEXT NOT NULL,
    content_hash TEXT NOT NULL, rev INTEGER NOT NULL DEFAULT 1, reviewed_rev INTEGER NOT NULL DEFAULT 0,
    audit_status TEXT NOT NULL DEFAULT 'processing', image_status TEXT NOT NULL DEFAULT 'PROCESSING',
    rejected_info TEXT NOT NULL DEFAULT '[]', active_status TEXT NOT NULL DEFAULT 'ACTIVATED',
    created_at REAL NOT NULL, updated_at REAL NOT NULL, review_due REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (catalog_id, sku_id)
);
CREATE INDEX IF NOT EXISTS products_order ON products (catalog_id, created_at, sku_id);
CREATE INDEX IF NOT EXISTS products_audit ON products (catalog_id, audit_status);
-- Partial index: the background review looks for changed products without scanning the whole catalog.
CREATE INDEX IF NOT EXISTS products_pending_review ON products (updated_at) WHERE reviewed_rev < rev;
CREATE TABLE IF NOT EXISTS feed_logs (
    feed_log_id INTEGER PRIMARY KEY AUTOINCREMENT, catalog_id TEXT NOT NULL, feed_id TEXT NOT NULL,
    kind TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL, created_at REAL NOT NULL,
    start_time REAL, end_time REAL, add_count INTEGER NOT NULL DEFAULT 0,
    update_count INTEGER NOT NULL DEFAULT 0,
    delete_count INTEGER NOT NULL DEFAULT 0, error_count INTEGER NOT NULL DEFAULT 0,
    warn_count INTEGER NOT NULL DEFAULT 0, errors TEXT, warnings TEXT
);
CREATE INDEX IF NOT EXISTS feed_logs_active ON feed_logs (catalog_id, status);
CREATE INDEX IF NOT EXISTS feed_logs_status ON feed_logs (status, created_at);
CREATE TABLE IF NOT EXISTS profiles (
    business_platform TEXT NOT NULL, external_business_id TEXT NOT NULL, app_id TEXT NOT NULL,
    status INTEGER NOT NULL, bc_id TEXT, adv_id TEXT, pixel_code TEXT, catalog_id TEXT, store_name TEXT,
    core_user_id TEXT, locale TEXT NOT NULL DEFAULT 'en', shop_connected INTEGER NOT NULL DEFAULT 0,
    connected_at REAL, disconnected_at REAL, PRIMARY KEY (business_platform, external_business_id)
);
CREATE TABLE IF NOT EXISTS auth_codes (
    code_sha TEXT PRIMARY KEY, app_id TEXT NOT NULL, user_id TEXT NOT NULL, business_platform TEXT NOT NULL,
    external_business_id TEXT NOT NULL, adv_ids TEXT NOT NULL, expires_at REAL NOT NULL, used_at REAL
);
CREATE TABLE IF NOT EXISTS tokens (
    token_sha TEXT PRIMARY KEY, fp TEXT NOT NULL, app_id TEXT NOT NULL, user_id TEXT NOT NULL,
    adv_ids TEXT NOT NULL, business_platform TEXT, external_business_id TEXT, created_at REAL NOT NULL,
    revoked_at REAL, revoke_reason TEXT
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, pixel_code TEXT NOT NULL, event TEXT NOT NULL, event_id TEXT,
    source TEXT NOT NULL, event_time REAL, received_at REAL NOT NULL, payload TEXT NOT NULL,
    deduplicated INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS events_dedup ON events (pixel_code, event, event_id, received_at);
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL, method TEXT NOT NULL, endpoint TEXT NOT NULL,
    version TEXT NOT NULL DEFAULT '', token_fp TEXT, app_id TEXT, catalog_id TEXT, sku_ids TEXT,
    sku_count INTEGER NOT NULL DEFAULT 0, feed_log_id TEXT, code INTEGER, http_status INTEGER NOT NULL,
    request_id TEXT, latency_ms REAL, fault TEXT
);
CREATE INDEX IF NOT EXISTS journal_ts ON journal (ts);
CREATE TABLE IF NOT EXISTS sessions (
    sid TEXT PRIMARY KEY, user_id TEXT, locale TEXT, created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS onboardings (
    onb_id TEXT PRIMARY KEY, app_id TEXT NOT NULL, data TEXT NOT NULL, created_at REAL NOT NULL,
    finished_at REAL
);
CREATE TABLE IF NOT EXISTS ads (
    ad_id TEXT PRIMARY KEY, adv_id TEXT NOT NULL, name TEXT NOT NULL, catalog_id TEXT, status TEXT NOT NULL,
    created_at REAL NOT NULL
);
"""

# Tables emptied by an admin reset (apps and users are re-provisioned right after).
RESET_TABLES = (
    "apps",
    "users",
    "bcs",
    "bc_members",
    "advertisers",
    "pixels",
    "catalogs",
    "products",
    "feed_logs",
    "profiles",
    "auth_codes",
    "tokens",
    "events",
    "journal",
    "sessions",
    "onboardings",
    "ads",
)


class Storage:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(SCHEMA)
        self._upgrade()
        self.extra_reset_tables: list[str] = []

    def _upgrade(self) -> None:
        """Columns added since a data file was created (CREATE TABLE IF NOT EXISTS keeps an old table)."""
        columns = {row[1] for row in self.conn.execute("PRAGMA table_info(products)")}
        if "review_due" not in columns:
            self.conn.execute("ALTER TABLE products ADD COLUMN review_due REAL NOT NULL DEFAULT 0")
        # The review with drawn delays looks for due products without scanning the ones still waiting.
        self.conn.execute(
            "CREATE INDEX IF NOT EXISTS products_review_due ON products (review_due) WHERE reviewed_rev < rev"
        )

    def add_schema(self, sql: str, reset_tables: Sequence[str] = ()) -> None:
        with self.lock:
            self.conn.executescript(sql)
        self.extra_reset_tables.extend(reset_tables)

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; the lock makes check-then-write sequences atomic across threads."""
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        with self.lock:
            return self.conn.execute(sql, params).fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self.lock:
            return self.conn.execute(sql, params).fetchall()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self.lock:
            return self.conn.execute(sql, params).rowcount

    def wipe(self) -> None:
        with self.tx() as c:
            for table in (*RESET_TABLES, *self.extra_reset_tables):
                c.execute(f"DELETE FROM {table}")  # noqa: S608 - table names are constants
            c.execute("DELETE FROM sqlite_sequence")

    def close(self) -> None:
        with self.lock:
            self.conn.close()


def dumps(value: Any) -> str:
    return orjson.dumps(value).decode()
