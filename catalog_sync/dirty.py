"""Marking SKUs dirty: what every store change calls (services, admin forms and actions, queryset
updates). Cheap and bulk: a few indexed statements per 2,000 SKUs, no payload work, no TikTok call.
A sweep of the store's catalog is dispatched once per transaction, after it commits.

Only the store's active connection is touched: while disconnected nothing is synced, and the next
connection starts with a full sync anyway.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Q

from integration.selectors import connection_active_for_store
from store.models import Category, Product, Sku

from . import clock
from .models import SkuState, SkuTombstone

CHUNK = 2000


def _active_connection_id(store_id: int) -> int | None:
    conn = connection_active_for_store(store_id)
    return conn.pk if conn is not None else None


class _SweepDispatch:
    """An on_commit callback that is recognisable, so a transaction dispatches one sweep per catalog
    however many changes it makes (and none if it rolls back: Django drops the callback)."""

    def __init__(self, connection_id: int, trigger: str) -> None:
        self.connection_id = connection_id
        self.trigger = trigger

    def __call__(self) -> None:
        from . import tasks  # circular at import time: tasks → engine steps → this module

        tasks.nudge(tasks.sweep_catalog, (self.connection_id, self.trigger))


def sweep_dispatch_on_commit(connection_id: int, trigger: str = "change") -> None:
    if db_connection.in_atomic_block:
        for _sids, func, _robust in db_connection.run_on_commit:
            if isinstance(func, _SweepDispatch) and func.connection_id == connection_id:
                return
    transaction.on_commit(_SweepDispatch(connection_id, trigger))


def _unique_ints(ids: Iterable[int | str]) -> list[int]:
    return sorted({int(i) for i in ids})


def _insert_missing(connection_id: int, pairs: list[tuple[int, int]]) -> None:
    """Create state rows (status NEW, not counted yet) for SKUs this connection has never seen."""
    if not pairs:
        return
    SkuState.objects.bulk_create(
        [SkuState(connection_id=connection_id, sku_id=s, product_id=p, dirty=True) for s, p in pairs],
        ignore_conflicts=True,
        batch_size=CHUNK,
    )


def _mark_skus(connection_id: int, store_id: int, sku_ids: list[int]) -> int:
    now = clock.now()
    marked = 0
    for start in range(0, len(sku_ids), CHUNK):
        chunk = sku_ids[start : start + CHUNK]
        marked += SkuState.objects.filter(connection_id=connection_id, sku_id__any=chunk, dirty=False).update(
            dirty=True, updated_at=now
        )
        known = set(
            SkuState.objects.filter(connection_id=connection_id, sku_id__any=chunk).values_list(
                "sku_id", flat=True
            )
        )
        unknown = [i for i in chunk if i not in known]
        if unknown:
            pairs = list(
                Sku.objects.filter(store_id=store_id, id__any=unknown).values_list("id", "product_id")
            )
            _insert_missing(connection_id, pairs)
            marked += len(pairs)
    return marked


def skus_mark_dirty(store_id: int, sku_ids: Iterable[int]) -> int:
    """These SKUs changed (or were created, or deleted). Returns how many state rows were marked."""
    connection_id = _active_connection_id(store_id)
    ids = _unique_ints(sku_ids)
    if connection_id is None or not ids:
        return 0
    marked = _mark_skus(connection_id, store_id, ids)
    sweep_dispatch_on_commit(connection_id)
    return marked


def products_mark_dirty(store_id: int, product_ids: Iterable[int]) -> int:
    """Every SKU of these products changed. Works after a deletion too: state rows keep product_id."""
    connection_id = _active_connection_id(store_id)
    pids = _unique_ints(product_ids)
    if connection_id is None or not pids:
        return 0
    now = clock.now()
    marked = 0
    for start in range(0, len(pids), CHUNK):
        chunk = pids[start : start + CHUNK]
        marked += SkuState.objects.filter(
            connection_id=connection_id, product_id__any=chunk, dirty=False
        ).update(dirty=True, updated_at=now)
        pairs = list(
            Sku.objects.filter(store_id=store_id, product_id__any=chunk).values_list("id", "product_id")
        )
        known = set(
            SkuState.objects.filter(
                connection_id=connection_id, sku_id__any=[s for s, _p in pairs]
            ).values_list("sku_id", flat=True)
        )
        fresh = [(s, p) for s, p in pairs if s not in known]
        _insert_missing(connection_id, fresh)
        marked += len(fresh)
    sweep_dispatch_on_commit(connection_id)
    return marked


def categories_mark_dirty(store_id: int, category_ids: Iterable[int]) -> int:
    """A category changed (name, Google category, parent, exclusion): its products and its
    subcategories' products are affected."""
    wanted = set(_unique_ints(category_ids))
    if not wanted:
        return 0
    children: dict[int | None, list[int]] = {}
    for cid, parent in Category.objects.filter(store_id=store_id).values_list("id", "parent_id"):
        children.setdefault(parent, []).append(cid)
    todo = list(wanted)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in wanted:
                wanted.add(child)
                todo.append(child)
    product_ids = Product.objects.filter(store_id=store_id, category_id__in=wanted).values_list(
        "id", flat=True
    )
    return products_mark_dirty(store_id, list(product_ids))


def brands_mark_dirty(store_id: int, brand_ids: Iterable[int]) -> int:
    product_ids = Product.objects.filter(store_id=store_id, brand_id__in=_unique_ints(brand_ids)).values_list(
        "id", flat=True
    )
    return products_mark_dirty(store_id, list(product_ids))


def skus_mark_deleted(store_id: int, sku_ids: Iterable[int], product_id: int | None = None) -> int:
    """Call in the transaction that deletes the SKUs (before or after the delete): leaves a tombstone
    with each sku_id so TikTok is told while connected."""
    ids = _unique_ints(sku_ids)
    if not ids:
        return 0
    products = dict(Sku.objects.filter(store_id=store_id, id__in=ids).values_list("id", "product_id"))
    SkuTombstone.objects.bulk_create(
        [SkuTombstone(store_id=store_id, sku_id=i, product_id=products.get(i, product_id)) for i in ids],
        batch_size=CHUNK,
    )
    return skus_mark_dirty(store_id, ids)


def products_mark_deleted(store_id: int, product_ids: Iterable[int]) -> int:
    """Call in the transaction that deletes the products (before the delete, so their SKUs are known;
    after the delete the state rows still carry product_id)."""
    pids = _unique_ints(product_ids)
    pairs = list(Sku.objects.filter(store_id=store_id, product_id__in=pids).values_list("id", "product_id"))
    if pairs:
        SkuTombstone.objects.bulk_create(
            [SkuTombstone(store_id=store_id, sku_id=s, product_id=p) for s, p in pairs], batch_size=CHUNK
        )
    return products_mark_dirty(store_id, pids)


def store_mark_all_dirty(store_id: int) -> int:
    """Everything may have changed (trade policy switched, exclusions rewritten, Sync now)."""
    connection_id = _active_connection_id(store_id)
    if connection_id is None:
        return 0
    marked = connection_mark_all_dirty(connection_id, store_id)
    sweep_dispatch_on_commit(connection_id)
    return marked


def connection_mark_all_dirty(connection_id: int, store_id: int, *, force: bool = False) -> int:
    """Two set-based statements however big the store: create the missing rows from the SKU table (dirty
    already) and mark dirty the rows that were not. `force` also forgets the accepted payload hashes, so
    everything is re-sent. Returns the rows inserted or changed.

    The UPDATE skips rows that would not change: on a first full sync every row was just inserted dirty,
    and rewriting each one at once doubled the writes of a million-row INSERT for nothing."""
    table = SkuState._meta.db_table
    sku_table = Sku._meta.db_table
    now = clock.now()
    with db_connection.cursor() as cursor:
        # WHERE true: SQLite needs it to parse INSERT ... SELECT ... ON CONFLICT.
        cursor.execute(
            f"INSERT INTO {table} (connection_id, sku_id, product_id, status, bucket, dirty, op, "  # noqa: S608
            "remote_present, problems, audit_status, image_status, reject_reason, reject_suggestion, "
            "sent_hash, accepted_hash, feed_log_id, attempts, last_error, created_at, updated_at) "
            "SELECT %s, s.id, s.product_id, 'new', 0, %s, '', %s, '[]', "
            "'', '', '', '', '', '', '', 0, '', %s, %s "
            f"FROM {sku_table} s WHERE s.store_id = %s AND true "
            "ON CONFLICT (connection_id, sku_id) DO NOTHING",
            [connection_id, True, False, now, now, store_id],
        )
        inserted = max(cursor.rowcount, 0)
    fields: dict[str, object] = {"dirty": True, "updated_at": now}
    stale = Q(dirty=False)
    if force:
        fields["accepted_hash"] = ""
        stale |= ~Q(accepted_hash="")
    return inserted + SkuState.objects.filter(stale, connection_id=connection_id).update(**fields)
