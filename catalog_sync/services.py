"""The catalog sync's public surface: what other apps, the views, the admin and the commands call.

The engine lives in `catalog_sync.engine`, one module per step (see its docstring); this module only
re-exports the names callers use, so `from catalog_sync import services` keeps working."""

from __future__ import annotations

from .engine.entry import (
    ResyncResult,
    SyncRateLimited,
    connection_full_sync_prepare,
    connection_request_sync,
    connection_start_full_sync,
    sku_resync,
)
from .engine.feedlog import batch_complete
from .engine.maintenance import Reaped, connections_with_work, prune, reap
from .engine.outcome import StepAction, StepOutcome
from .engine.reconcile import connection_reconcile, counters_recount, states_recover
from .engine.review import connection_poll_review, review_apply
from .engine.runs import (
    connection_stop_sync,
    dirty_rows_waiting,
    run_finish_if_idle,
    run_open,
    runs_notify_if_failing,
)
from .engine.send import connection_send_step
from .engine.sweep import SweepResult, connection_sweep, sweep_chunk_classify, trade_policy_follow
from .engine.tunables import review_poll_seconds
from .exclusions import exclusion_add, exclusion_remove
from .state import counters_apply

__all__ = [
    "Reaped",
    "ResyncResult",
    "StepAction",
    "StepOutcome",
    "SweepResult",
    "SyncRateLimited",
    "batch_complete",
    "connection_full_sync_prepare",
    "connection_poll_review",
    "connection_reconcile",
    "connection_request_sync",
    "connection_send_step",
    "connection_start_full_sync",
    "connection_stop_sync",
    "connection_sweep",
    "connections_with_work",
    "counters_apply",
    "counters_recount",
    "dirty_rows_waiting",
    "exclusion_add",
    "exclusion_remove",
    "prune",
    "reap",
    "review_apply",
    "review_poll_seconds",
    "run_finish_if_idle",
    "run_open",
    "runs_notify_if_failing",
    "sku_resync",
    "states_recover",
    "sweep_chunk_classify",
    "trade_policy_follow",
]
