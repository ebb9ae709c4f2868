"""The one way SKU state changes: rows and counters move together, in one transaction.

Rows are locked first (in id order) and counter rows after them (in bucket order), so two workers can
never deadlock on the pair, and a counter is never out of step with the rows it counts. A transaction that
changes rows in several calls (one per group of outcomes) takes all its row locks first with `states_lock`:
otherwise it would hold the counters from its first call while waiting for a row in its second.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet

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
        _of_connection(connection_id, SkuState.objects.filter(id__in=ids[start : start + 2000]))


def states_update(
    connection_id: int,
    ids: Iterable[int],
    *,
    status: str | None = None,
    only_if: Mapping[str, Any] | None = None,
    **fields: Any,
) -> int:
    """Set `status` (and its bucket) plus `fields` on the given rows; move the counters by the bucket
    changes. `only_if` adds compare-and-set conditions (e.g. {"batch_id": 7}). Returns rows changed."""
    ids = sorted(set(ids))
    if not ids:
        return 0
    changed = 0
    # Counters move once, after every chunk's rows are locked: rows first, counters last.
    deltas: Counter[int] = Counter()
    with transaction.atomic():
        for start in range(0, len(ids), 2000):
            chunk = ids[start : start + 2000]
            qs = SkuState.objects.filter(id__in=chunk)
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
            changed += SkuState.objects.filter(id__in=[i for i, _b in locked]).update(**values)
        counters_apply(connection_id, deltas)
    return changed


def states_delete(connection_id: int, ids: Iterable[int]) -> int:
    """Delete rows (pruning) and take them out of the counters."""
    ids = sorted(set(ids))
    removed = 0
    deltas: Counter[int] = Counter()
    with transaction.atomic():
        for start in range(0, len(ids), 2000):
            chunk = ids[start : start + 2000]
            locked = _of_connection(connection_id, SkuState.objects.filter(id__in=chunk))
            for _id, bucket in locked:
                deltas[bucket] -= 1
            removed += SkuState.objects.filter(id__in=[i for i, _b in locked]).delete()[0]
        counters_apply(connection_id, deltas)
    return removed
