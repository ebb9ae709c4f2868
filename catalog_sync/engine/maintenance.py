"""Housekeeping for beat: the reaper (what dead workers held, freed so their work restarts), pruning
(old runs, batches, tombstones and long-disconnected connections' state) and the catalogs with work."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef

from integration.models import TikTokConnection
from store.models import Sku

from .. import clock
from ..leases import leases_live, leases_reap, send_lease_name, sweep_lease_name
from ..models import (
    BatchStatus,
    CatalogCounter,
    RunStatus,
    SkuState,
    SkuTombstone,
    SyncBatch,
    SyncRun,
    SyncStatus,
)
from .nextstep import send_next_queued
from .tunables import retention_days


@dataclass
class Reaped:
    """What the reaper freed, by connection, so each one's work can be started again."""

    batches: int = 0
    leases: int = 0
    send: set[int] = field(default_factory=set)
    sweep: set[int] = field(default_factory=set)
    review: set[int] = field(default_factory=set)
    reconcile: set[int] = field(default_factory=set)

    def as_dict(self) -> dict[str, int]:
        return {"batches": self.batches, "leases": self.leases, "connections": len(self.send)}


def reap(*, now: datetime | None = None) -> Reaped:
    """Free what dead workers held: expired batch claims go back to their connection's send loop,
    expired leases are dropped. A live holder's heartbeat keeps both from expiring."""
    now = now or clock.now()
    expired = list(
        SyncBatch.objects.filter(status=BatchStatus.CLAIMED, lease_expires_at__lte=now).values_list(
            "id", "connection_id"
        )
    )
    SyncBatch.objects.filter(id__in=[b for b, _c in expired], lease_expires_at__lte=now).update(
        lease_owner="", lease_expires_at=None
    )
    out = Reaped(batches=len(expired), send={c for _b, c in expired})
    names = leases_reap(now)
    out.leases = len(names)
    kinds = {"send": out.send, "sweep": out.sweep, "review": out.review, "reconcile": out.reconcile}
    for name in names:
        kind, _sep, cid = name.removeprefix("catalog-").partition(":")
        if kind in kinds and cid.isdigit():
            kinds[kind].add(int(cid))
    return out


def prune(*, now: datetime | None = None) -> dict[str, int]:
    """Old runs, finished batches, tombstones, and the state of long-disconnected connections."""
    now = now or clock.now()
    cutoff = now - timedelta(days=retention_days())
    out = {}
    out["runs"] = SyncRun.objects.filter(finished_at__lt=cutoff).exclude(status=RunStatus.RUNNING).delete()[0]
    out["batches"] = SyncBatch.objects.filter(
        created_at__lt=cutoff, status__in=[BatchStatus.DONE, BatchStatus.FAILED, BatchStatus.CANCELLED]
    ).delete()[0]
    out["tombstones"] = SkuTombstone.objects.filter(deleted_at__lt=cutoff).delete()[0]
    # State rows of SKUs deleted long ago whose removal TikTok already knows (nothing counted, nothing owed).
    gone = SkuState.objects.filter(
        status=SyncStatus.EXCLUDED, remote_present=False, op="", batch__isnull=True, updated_at__lt=cutoff
    ).filter(~Exists(Sku.objects.filter(pk=OuterRef("sku_id"))))
    out["deleted_skus"] = 0
    while True:
        ids = list(gone.values_list("id", flat=True)[:5000])
        if not ids:
            break
        out["deleted_skus"] += SkuState.objects.filter(id__in=ids).delete()[0]
    old = list(
        TikTokConnection.objects.exclude(status="connected")
        .filter(disconnected_at__lt=cutoff)
        .values_list("id", flat=True)
    )
    states = 0
    for cid in old:
        while True:
            ids = list(SkuState.objects.filter(connection_id=cid).values_list("id", flat=True)[:5000])
            if not ids:
                break
            states += SkuState.objects.filter(id__in=ids).delete()[0]
        CatalogCounter.objects.filter(connection_id=cid).delete()
    out["states"] = states
    return out


def connections_with_work() -> list[int]:
    """Active connections that have something queued, claimed or in flight."""
    active = TikTokConnection.objects.filter(status="connected")
    busy_batches = set(
        SyncBatch.objects.filter(
            connection__in=active, status__in=[BatchStatus.CLAIMED, BatchStatus.SENT]
        ).values_list("connection_id", flat=True)
    )
    todo = set(
        SkuState.objects.filter(connection__in=active, batch__isnull=True)
        .exclude(op="")
        .values_list("connection_id", flat=True)
        .distinct()
    )
    return sorted(busy_batches | todo)


def connections_stranded() -> list[int]:
    """Connections with work whose send loop has no step queued (engine/nextstep.py) or running, and no
    sweep running (a sweep queues the loop's step itself): the loop's message was lost with a dead worker,
    or never queued. Beat nudges only these: a nudge to a loop with a step queued would run that
    catalog's work ahead of the stores queued before it, or start a second chain of steps."""
    ids = connections_with_work()
    queued = send_next_queued(ids)
    names = {cid: (send_lease_name(cid), sweep_lease_name(cid)) for cid in ids if cid not in queued}
    live = leases_live([name for pair in names.values() for name in pair])
    return [cid for cid, pair in names.items() if not live.intersection(pair)]
