"""The sweep: claim a chunk of dirty rows and classify each SKU, in one transaction.

Excluded → delete if TikTok has it; invalid → needs details; same payload hash as accepted → nothing;
else queued for upload. The dirty flag is cleared in the same transaction, so a worker killed in between
leaves the chunk dirty; an edit committed meanwhile waits for the row lock and marks the row dirty again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from integration.models import TikTokConnection, TikTokSetup

from .. import dirty
from ..mapping import CatalogContext, context_for_connection, evaluate, load_facts
from ..models import RemoteOp, SkuState, SyncStatus, SyncTarget, Trigger
from ..state import counters_ensure, states_update
from .runs import dirty_rows_waiting, run_add, run_open, run_seal
from .tunables import sweep_chunk


@dataclass
class SweepResult:
    checked: int = 0
    queued: int = 0
    unchanged: int = 0
    invalid: int = 0
    excluded: int = 0
    more: bool = False


UNCHANGED_OK = {SyncStatus.AVAILABLE, SyncStatus.IN_REVIEW, SyncStatus.REJECTED, SyncStatus.SENT}


def _dirty_chunk(connection_id: int, after_id: int, limit: int) -> list[dict[str, Any]]:
    """Lock the next dirty rows (skipping rows another transaction holds). Must run inside the transaction
    that classifies them: claim and classification commit together or not at all, so a worker that dies
    in between leaves the rows dirty for the next sweep. An edit committed meanwhile waits for the row lock
    and marks the row dirty again after this transaction commits, so no change slips through."""
    return list(
        SkuState.objects.filter(connection_id=connection_id, dirty=True, batch__isnull=True, id__gt=after_id)
        .order_by("id")
        .select_for_update(skip_locked=True)
        .values("id", "sku_id", "product_id", "status", "bucket", "remote_present", "accepted_hash")[:limit]
    )


def sweep_chunk_classify(
    connection_id: int,
    ctx: CatalogContext,
    *,
    trigger: str = Trigger.CHANGE,
    after_id: int = 0,
    limit: int | None = None,
) -> tuple[SweepResult, int, int | None]:
    """Claim the next chunk of dirty rows and classify them, in one transaction; the rows join the open
    run's set (opened here, in the same transaction, if there is none). Returns the result, the last id
    claimed (0: nothing was dirty) and the run."""
    with transaction.atomic():
        rows = _dirty_chunk(connection_id, after_id, limit or sweep_chunk())
        if not rows:
            return SweepResult(), 0, None
        run = run_open(connection_id, trigger)
        return classify_rows(connection_id, ctx, rows, run.pk), rows[-1]["id"], run.pk


def classify_rows(
    connection_id: int, ctx: CatalogContext, rows: list[dict[str, Any]], run_id: int | None
) -> SweepResult:
    """Decide each locked row's next state from the store's current data, clear its dirty flag and put it
    in the run's set. The caller's transaction holds the rows' locks."""
    result = SweepResult(checked=len(rows))
    loaded = load_facts(ctx, [r["sku_id"] for r in rows])
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    problems_by_id: dict[int, list[dict[str, Any]]] = {}
    product_ids: dict[int, int | None] = {}
    for row in rows:
        ev = evaluate(ctx, loaded[row["sku_id"]])
        product_ids[row["id"]] = ev.product_id
        if ev.ineligible:
            op = RemoteOp.DELETE if row["remote_present"] else RemoteOp.NONE
            problems_by_id[row["id"]] = [{"field": "eligibility", "code": ev.ineligible, "params": {}}]
            groups[(SyncStatus.EXCLUDED, op)].append(row["id"])
            result.excluded += 1
        elif ev.problems:
            op = RemoteOp.DELETE if row["remote_present"] else RemoteOp.NONE
            problems_by_id[row["id"]] = [p.as_json() for p in ev.problems]
            groups[(SyncStatus.NEEDS_DETAILS, op)].append(row["id"])
            result.invalid += 1
        elif row["accepted_hash"] and ev.hash == row["accepted_hash"] and row["status"] in UNCHANGED_OK:
            groups[(None, RemoteOp.NONE)].append(row["id"])
            result.unchanged += 1
        else:
            groups[(SyncStatus.QUEUED, RemoteOp.UPLOAD)].append(row["id"])
            result.queued += 1
    # The claim locked these rows (dirty, in no batch) in this transaction: no second lock and read.
    held = {row["id"]: row["bucket"] for row in rows}
    claimed: dict[str, Any] = {"dirty": False, "run_id": run_id, "held": held}
    with transaction.atomic():
        for (status, op), ids in groups.items():
            if status is None:
                states_update(connection_id, ids, op=op, **claimed)
            elif status in (SyncStatus.EXCLUDED, SyncStatus.NEEDS_DETAILS):
                # Problems differ per SKU: per-row values in the group's one statement (one write per row).
                states_update(
                    connection_id,
                    ids,
                    status=status,
                    op=op,
                    audit_status="",
                    reject_reason="",
                    reject_suggestion="",
                    each={"problems": problems_by_id, "product_id": product_ids},
                    **claimed,
                )
            else:
                states_update(
                    connection_id,
                    ids,
                    status=status,
                    op=op,
                    problems=[],
                    **claimed,
                )
        run_add(
            run_id,
            checked=result.checked,
            unchanged=result.unchanged,
            invalid=result.invalid,
            excluded=result.excluded,
        )
    return result


def trade_policy_follow(connection_id: int, store_id: int) -> bool:
    """If the setup's trade policy changed since the catalog was built, mark every SKU dirty (prices and
    eligibility come from it). Compare-and-set, so two sweepers mark once."""
    current = TikTokSetup.objects.filter(store_id=store_id).values_list("trade_policy_id", flat=True).first()
    target, created = SyncTarget.objects.get_or_create(
        connection_id=connection_id, defaults={"trade_policy_id": current}
    )
    if created or target.trade_policy_id == current:
        return False
    with transaction.atomic():
        moved = SyncTarget.objects.filter(
            connection_id=connection_id, trade_policy_id=target.trade_policy_id
        ).update(trade_policy_id=current)
        if moved:
            dirty.connection_mark_all_dirty(connection_id, store_id)
    return bool(moved)


def connection_sweep(
    connection_id: int,
    *,
    trigger: str = Trigger.CHANGE,
    max_rows: int | None = None,
    on_progress: Callable[[int], None] | None = None,
    on_first_chunk: Callable[[], None] | None = None,
) -> SweepResult:
    """Classify the connection's dirty SKUs (no TikTok call), one chunk per transaction. Stops after
    `max_rows` so one task stays short; `more` says whether dirty rows remain. A pass that reaches the
    end seals the run: edits that arrive from then on belong to the next run."""
    total = SweepResult()
    conn = TikTokConnection.objects.select_related("store").filter(pk=connection_id).first()
    if conn is None or not conn.is_active:
        return total
    trade_policy_follow(connection_id, conn.store_id)
    if not dirty_rows_waiting(connection_id):
        return total  # the common case for beat: one indexed probe, nothing else
    ctx = context_for_connection(conn)
    counters_ensure(connection_id)
    run_id: int | None = None
    after = 0
    while True:
        limit = sweep_chunk() if max_rows is None else min(sweep_chunk(), max_rows - total.checked)
        if limit <= 0:
            total.more = dirty_rows_waiting(connection_id)
            break
        part, last_id, chunk_run = sweep_chunk_classify(
            connection_id, ctx, trigger=trigger, after_id=after, limit=limit
        )
        if not last_id:
            break
        after, run_id = last_id, chunk_run
        for name in ("checked", "queued", "unchanged", "invalid", "excluded"):
            setattr(total, name, getattr(total, name) + getattr(part, name))
        if on_progress is not None:
            on_progress(total.checked)
        if on_first_chunk is not None and part.queued:
            on_first_chunk()
            on_first_chunk = None
    if run_id is not None and not total.more:
        run_seal(run_id)
    return total
