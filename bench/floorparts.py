"""What each part of a full sync costs at the least, measured on the bench's own data in the same run:
read (one keyset query of SKU + product + brand + price per page of 5,000), evaluate (the project's
`validate` + `payload_for` + an orjson hash), encode (the upload body with orjson) and set-based writes
of state rows (PostgreSQL only, on a temporary copy of the connection's rows with the same indexes).

Python time is this thread's CPU (`time.thread_time`); PostgreSQL time is the CPU of this process's backend,
from /proc."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson

from bench.procstat import own_cpu

PAGE = 5000


class Meter:
    def __init__(self, backend_pid: int | None) -> None:
        self.backend_pid = backend_pid
        self.python = 0.0
        self.pg: float | None = 0.0 if backend_pid and own_cpu(backend_pid) is not None else None

    @contextmanager
    def measure(self) -> Iterator[None]:
        py0 = time.thread_time()
        pg0 = own_cpu(self.backend_pid) or 0.0 if self.pg is not None else 0.0
        try:
            yield
        finally:
            self.python += time.thread_time() - py0
            if self.pg is not None:
                self.pg += (own_cpu(self.backend_pid) or pg0) - pg0

    def per_sku(self, skus: int) -> dict[str, float | None]:
        n = max(1, skus)
        return {
            "python_us": round(self.python * 1e6 / n, 2),
            "postgresql_us": round(self.pg * 1e6 / n, 2) if self.pg is not None else None,
        }


def _read(cursor: Any, store_id: int, policy_id: int, limit: int, meter: Meter) -> list[int]:
    from store.models import Brand, Product, Sku, SkuPrice

    sql = (
        "SELECT s.id, s.name, s.is_active, s.stock, s.specifications, s.ean, s.product_id, p.name, p.slug,"
        " p.description, p.is_active, p.category_id, p.condition, b.name, pr.price, pr.list_price"
        f" FROM {Sku._meta.db_table} s JOIN {Product._meta.db_table} p ON p.id = s.product_id"
        f" LEFT JOIN {Brand._meta.db_table} b ON b.id = p.brand_id"
        f" LEFT JOIN {SkuPrice._meta.db_table} pr ON pr.sku_id = s.id AND pr.trade_policy_id = %s"
        " WHERE s.store_id = %s AND s.id > %s ORDER BY s.id LIMIT %s"
    )
    ids: list[int] = []
    after = 0
    while len(ids) < limit:
        with meter.measure():
            cursor.execute(sql, [policy_id, store_id, after, min(PAGE, limit - len(ids))])
            rows = cursor.fetchall()
        if not rows:
            break
        ids.extend(r[0] for r in rows)
        after = rows[-1][0]
    return ids


def _hash(payload: dict[str, Any]) -> str:
    return hashlib.blake2b(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS), digest_size=16).hexdigest()


def _writes(cursor: Any, connection_id: int, limit: int, meter_for: Callable[[str], Meter]) -> dict[str, Any]:
    from catalog_sync.models import SkuState

    table = SkuState._meta.db_table
    cursor.execute(f"CREATE TEMP TABLE bench_floor_state (LIKE {table} INCLUDING ALL)")
    cursor.execute(
        f"SELECT id FROM {table} WHERE connection_id = %s ORDER BY id LIMIT %s", [connection_id, limit]
    )
    ids = [r[0] for r in cursor.fetchall()]
    pages = [ids[i : i + PAGE] for i in range(0, len(ids), PAGE)]
    statements = {
        # Insert/classify: the row as a sweep writes it, from rows already in cache.
        "insert": f"INSERT INTO bench_floor_state SELECT * FROM {table} WHERE id = ANY(%s)",
        # Classify result per row (values differ per row: an unnest of arrays).
        "update_per_row_values": (
            "UPDATE bench_floor_state t SET status = v.status, dirty = false FROM"
            " unnest(%s::bigint[], %s::text[]) AS v(id, status) WHERE t.id = v.id"
        ),
        # Sent / review result: the same values for a whole batch.
        "update_same_values": (
            "UPDATE bench_floor_state SET status = 'available', attempts = 0 WHERE id = ANY(%s)"
        ),
    }
    out: dict[str, Any] = {}
    for name, sql in statements.items():
        meter = meter_for(name)
        for page in pages:
            params: list[Any] = [page, ["queued"] * len(page)] if "per_row" in name else [page]
            with meter.measure():
                cursor.execute(sql, params)
        out[name] = meter.per_sku(len(ids))
    cursor.execute("DROP TABLE bench_floor_state")
    return out


def measure(connection: Any, policy_id: int, limit: int) -> dict[str, Any]:
    """The parts' floors per SKU, on the first `limit` SKUs of the connection's store."""
    from django.db import connection as db
    from django.db import transaction

    from catalog_sync.mapping import context_for_connection, evaluate, load_facts, payload_for
    from catalog_sync.validation import validate

    backend_pid = None
    if db.vendor == "postgresql":
        with db.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend_pid = int(cursor.fetchone()[0])
    out: dict[str, Any] = {}
    read = Meter(backend_pid)
    with db.cursor() as cursor:
        ids = _read(cursor, connection.store_id, policy_id, limit, read)
    out["skus_measured"] = len(ids)
    out["read"] = read.per_sku(len(ids))

    ctx = context_for_connection(connection)
    evaluated = Meter(None)
    project = Meter(None)
    encoded = Meter(None)
    payloads: list[dict[str, Any]] = []
    for item in load_facts(ctx, ids[:500]).values():  # untimed warm-up: first-call caches, either way
        evaluate(ctx, item)
    for start in range(0, len(ids), PAGE):
        loaded = load_facts(ctx, ids[start : start + PAGE])  # not timed: the read above is the read floor
        page_payloads = []
        with evaluated.measure():
            for item in loaded.values():
                if item.ineligible or item.facts is None:
                    continue
                if not validate(item.facts, require_https=ctx.require_https):
                    payload = payload_for(item.facts)
                    _hash(payload)
                    page_payloads.append(payload)
        with project.measure():
            for item in loaded.values():
                evaluate(ctx, item)
        with encoded.measure():
            orjson.dumps({"bc_id": "0", "catalog_id": connection.catalog_id, "products": page_payloads})
        payloads.extend(page_payloads)
    out["evaluate"] = evaluated.per_sku(len(ids))
    out["evaluate_project_as_is"] = project.per_sku(len(ids))
    out["encode"] = encoded.per_sku(len(ids))
    if db.vendor == "postgresql":
        meters: dict[str, Meter] = {}

        def meter_for(name: str) -> Meter:
            meters[name] = Meter(backend_pid)
            return meters[name]

        try:
            with transaction.atomic(), db.cursor() as cursor:
                out["writes"] = _writes(cursor, connection.pk, limit, meter_for)
        except Exception as exc:  # noqa: BLE001 - a changed state table must not lose the other figures
            out["writes"] = f"n/a: {type(exc).__name__}: {exc}"[:300]
    else:
        out["writes"] = "n/a (PostgreSQL only)"
    return out
