"""The one way SKU state changes: rows and counters move together, in one transaction.

Rows are locked first (in id order) and counter rows after them (in bucket order), so two workers can
never deadlock on the pair, and a counter is never out of step with the rows it counts. A transaction that
changes rows in several calls (one per group of outcomes) takes all its row locks first with `states_lock`:
otherwise it would hold the counters from its first call while waiting for a row in its second.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import connection as db
from django.db import transaction
from django.db.models import F, JSONField, QuerySet

from . import clock
from .models import BUCKET_OF, Bucket, CatalogCounter, SkuState

COUNTED_BUCKETS = (Bucket.AVAILABLE, Bucket.PENDING, Bucket.NEEDS_DETAILS, Bucket.REJECTED)


def counters_ensure(connection_id: int) -> None:
    CatalogCounter.objects.bulk_create(
        [CatalogCounter(connection_id=connection_id, bucket=b) for b in COUNTED_BUCKETS],
        ignore_conflicts=True,
    )


def counters_apply(connection_id: int, deltas: Mapping[int, int]) -> None:
    """Must run inside the transaction that changed the rows."""
    for bucket in sorted(deltas):
        delta = deltas[bucket]
        if bucket == Bucket.NONE or not delta:
            continue
        updated = CatalogCounter.objects.filter(connection_id=connection_id, bucket=bucket).update(
            value=F("value") + delta
        )
        if not updated:
            counters_ensure(connection_id)
            CatalogCounter.objects.filter(connection_id=connection_id, bucket=bucket).update(
                value=F("value") + delta
            )


def _of_connection(connection_id: int, rows: QuerySet[SkuState]) -> list[tuple[int, int]]:
    """Lock rows looked up by primary key and keep those of the connection: (id, bucket).

    The connection is checked here rather than in the WHERE clause. With it there, and no statistics yet (a
    new catalog, autovacuum behind a bulk sync), PostgreSQL chose the (connection, bucket, id) index and read
    every row of the catalog for each chunk of 2,000: a million-SKU sweep became quadratic."""
    locked = rows.select_for_update().order_by("id").values_list("id", "bucket", "connection_id")
    return [(pk, bucket) for pk, bucket, owner in locked if owner == connection_id]


def states_lock(connection_id: int, ids: Iterable[int]) -> None:
    """Lock, in id order, every row the current transaction is about to change (see the module docstring)."""
    ids = sorted(set(ids))
    for start in range(0, len(ids), 2000):
        _of_connection(connection_id, SkuState.objects.filter(id__any=ids[start : start + 2000]))


def states_update(
    connection_id: int,
    ids: Iterable[int],
    *,
    status: str | None = None,
    only_if: Mapping[str, Any] | None = None,
    each: Mapping[str, Mapping[int, Any]] | None = None,
    held: Mapping[int, int] | None = None,
    **fields: Any,
) -> int:
    """Set `status` (and its bucket) plus `fields` on the given rows; move the counters by the bucket
    changes. `only_if` adds compare-and-set conditions (e.g. {"batch_id": 7}). `each` gives per-row values
    ({"sent_hash": {row_id: hash}}), written in the same statement: one write per row, not one per field
    (`fields` must then be plain values, no expressions). `held` (row id → bucket): the caller's
    transaction already locked these rows of the connection and checked its conditions (the sweep's
    claim), so they are not locked and read again. Returns rows changed."""
    ids = sorted(set(ids))
    if not ids:
        return 0
    changed = 0
    # Counters move once, after every chunk's rows are locked: rows first, counters last.
    deltas: Counter[int] = Counter()
    with transaction.atomic():
        for start in range(0, len(ids), 2000):
            chunk = ids[start : start + 2000]
            if held is not None:
                locked = [(i, held[i]) for i in chunk]
            else:
                qs = SkuState.objects.filter(id__any=chunk)
                if only_if:
                    qs = qs.filter(**only_if)
                locked = _of_connection(connection_id, qs)
            if not locked:
                continue
            values = dict(fields)
            values.setdefault("updated_at", clock.now())
            if status is not None:
                new_bucket = BUCKET_OF[status]
                values["status"] = status
                values["bucket"] = new_bucket
                for _id, bucket in locked:
                    if bucket != new_bucket:
                        deltas[bucket] -= 1
                        deltas[new_bucket] += 1
            kept = [i for i, _b in locked]
            if each:
                changed += _update_each(kept, values, each)
            else:
                changed += SkuState.objects.filter(id__any=kept).update(**values)
        counters_apply(connection_id, deltas)
    return changed


def _as_text(field: Any, value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value) if isinstance(field, JSONField) else str(value)


def _update_each(ids: list[int], common: Mapping[str, Any], each: Mapping[str, Mapping[int, Any]]) -> int:
    """One UPDATE ... FROM unnest(...) for the rows (already locked): `common` for all, `each` per row."""
    if db.vendor != "postgresql":
        changed = 0
        for row_id in ids:
            per_row = {name: values[row_id] for name, values in each.items()}
            changed += SkuState.objects.filter(pk=row_id).update(**common, **per_row)
        return changed
    meta = SkuState._meta
    sets: list[str] = []
    params: list[Any] = []
    for name, value in common.items():
        field = meta.get_field(name)
        sets.append(f'"{field.column}" = %s')
        params.append(field.get_db_prep_save(value, db))
    arrays: list[Any] = [ids]
    columns = ["id"]
    for n, (name, values) in enumerate(each.items()):
        field = meta.get_field(name)
        sets.append(f'"{field.column}" = v.c{n}::{field.db_type(db)}')
        columns.append(f"c{n}")
        arrays.append([_as_text(field, values[i]) for i in ids])
    unnest = ", ".join(["%s::bigint[]"] + ["%s::text[]"] * (len(arrays) - 1))
    sql = (
        f"UPDATE {meta.db_table} AS t SET {', '.join(sets)} "  # noqa: S608 - names from the model
        f"FROM unnest({unnest}) AS v({', '.join(columns)}) WHERE t.id = v.id"
    )
    with db.cursor() as cursor:
        cursor.execute(sql, [*params, *arrays])
        return cursor.rowcount


def states_delete(connection_id: int, ids: Iterable[int]) -> int:
    """Delete rows (pruning) and take them out of the counters."""
    ids = sorted(set(ids))
    removed = 0
    deltas: Counter[int] = Counter()
    with transaction.atomic():
        for start in range(0, len(ids), 2000):
            chunk = ids[start : start + 2000]
            locked = _of_connection(connection_id, SkuState.objects.filter(id__any=chunk))
            for _id, bucket in locked:
                deltas[bucket] -= 1
            removed += SkuState.objects.filter(id__any=[i for i, _b in locked]).delete()[0]
        counters_apply(connection_id, deltas)
    return removed
