"""What starts syncing from outside the engine: the first full sync after connecting, the page's *Sync
now* (at most once a minute) and a SKU's *Resync*, and ops' full sync."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import ServiceError
from core.models import AuditAction
from integration.models import TikTokConnection

from .. import dirty, tasks
from ..mapping import context_for_connection, evaluate, load_facts
from ..models import SkuState, Trigger
from ..state import counters_ensure, states_update
from .runs import run_open
from .tunables import sync_now_interval


def connection_start_full_sync(
    connection_id: int, *, trigger: str = Trigger.CONNECT, force: bool = False
) -> None:
    """Called by the integration right after connecting: every SKU of the store is checked and the
    eligible ones sent. The heavy part runs in a worker after the caller's transaction commits."""

    def go() -> None:
        tasks.nudge(tasks.full_sync, (connection_id, trigger, force))

    transaction.on_commit(go)


def connection_full_sync_prepare(
    connection_id: int, *, trigger: str = Trigger.CONNECT, force: bool = False
) -> int:
    """Create state rows for every SKU and mark them all dirty (two set-based statements)."""
    conn = TikTokConnection.objects.filter(pk=connection_id).first()
    if conn is None or not conn.is_active:
        return 0
    counters_ensure(connection_id)
    run_open(connection_id, trigger)
    with transaction.atomic():
        return dirty.connection_mark_all_dirty(connection_id, conn.store_id, force=force)


class SyncRateLimited(ServiceError):
    """*Sync now* asked again within the interval: nothing was started."""

    default_code = "sync_rate_limited"
    default_status = 429

    def __init__(self, wait_seconds: int) -> None:
        super().__init__(
            _("A sync was requested a moment ago. You can ask again in %(seconds)s seconds.")
            % {"seconds": wait_seconds}
        )
        self.wait_seconds = wait_seconds


def connection_request_sync(connection_id: int, *, actor: Any = None) -> None:
    """*Sync now*: check every SKU again (unchanged ones are still not re-sent). At most once a minute."""
    conn = TikTokConnection.objects.get(pk=connection_id)
    key = f"catalog-sync-now:{connection_id}"
    interval = sync_now_interval()
    # Wall time, not the engine's clock: it is compared with a cache entry that expires in wall time.
    now = timezone.now().timestamp()
    if not cache.add(key, now, timeout=interval):
        started = float(cache.get(key) or now)
        raise SyncRateLimited(max(1, int(interval - (now - started))))
    audit_record(conn.store_id, AuditAction.SYNC_REQUESTED, actor=actor, detail={"connection": connection_id})
    connection_start_full_sync(connection_id, trigger=Trigger.MANUAL)


@dataclass(frozen=True)
class ResyncResult:
    found: bool
    # What still keeps the SKU from being sent (stored problems: field, code, params); empty: it goes.
    blockers: list[dict[str, Any]]
    # The SKU must not be on TikTok at all (deleted, inactive, excluded, no price): not a detail to fix.
    ineligible: bool = False


def sku_resync(connection_id: int, sku_id: int) -> ResyncResult:
    """Per-SKU *Resync*: forget what TikTok accepted and send this SKU again.

    The SKU is evaluated now, against the store's current data, so the merchant is told the truth: a SKU that
    still fails validation (or is excluded, inactive...) is not sent, and the answer says why."""
    row = (
        SkuState.objects.filter(connection_id=connection_id, sku_id=sku_id)
        .select_related("connection")
        .first()
    )
    if row is None:
        return ResyncResult(found=False, blockers=[])
    states_update(connection_id, [row.pk], accepted_hash="", dirty=True, attempts=0)
    dirty.sweep_dispatch_on_commit(connection_id, Trigger.RESYNC)
    ctx = context_for_connection(row.connection)
    ev = evaluate(ctx, load_facts(ctx, [sku_id])[sku_id])
    if ev.ineligible:
        return ResyncResult(
            found=True, blockers=[{"field": "", "code": ev.ineligible, "params": {}}], ineligible=True
        )
    return ResyncResult(found=True, blockers=[problem.as_json() for problem in ev.problems])
