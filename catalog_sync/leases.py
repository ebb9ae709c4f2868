"""The sync engine's leases (one sweeper, one sender, one review poll, one reconciliation per catalog), on
the project's one lease implementation (`core.leases`), read on the engine's clock.

A lease is short (`CATALOG_SYNC_LEASE_SECONDS`, 30 s by default) and a heartbeat thread renews it, and the
claims of the batches its owner holds, every third of that. A worker that dies stops renewing, so what
it held is free again within one lease period, instead of after the broker's visibility timeout.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings

from core import leases as core_leases
from core.models import JobLease

from . import clock
from .models import BatchStatus, SyncBatch

LEASE_PREFIX = "catalog-"


def lease_seconds() -> float:
    return float(getattr(settings, "CATALOG_SYNC_LEASE_SECONDS", 30))


def lease_take(name: str, owner: str, ttl: float | None = None) -> bool:
    """Take or renew the lease. The same owner (a redelivered task keeps its task id) may take it back
    at once; anyone else waits for it to expire."""
    return core_leases.lease_take(name, owner, ttl if ttl is not None else lease_seconds(), now=clock.now)


def lease_give_back(name: str, owner: str) -> None:
    core_leases.lease_release(name, owner)


def claims_renew(owner: str, ttl: float) -> int:
    """Push back the expiry of the batch claims `owner` holds (its leases are renewed by core)."""
    expires = clock.now() + timedelta(seconds=ttl)
    return SyncBatch.objects.filter(lease_owner=owner, status=BatchStatus.CLAIMED).update(
        lease_expires_at=expires
    )


def owner_renew(owner: str, ttl: float | None = None) -> int:
    """Push back the expiry of every lease and batch claim `owner` holds. Returns what was renewed."""
    ttl = ttl if ttl is not None else lease_seconds()
    return core_leases.owner_renew(owner, ttl, now=clock.now) + claims_renew(owner, ttl)


@contextmanager
def lease_held(name: str, owner: str, ttl: float | None = None) -> Iterator[bool]:
    """`with lease_held(name, owner) as mine:` takes the lease and keeps it, and the owner's batch claims,
    alive while the block runs; `mine` is False when someone else holds it (skip the work)."""
    ttl = ttl if ttl is not None else lease_seconds()
    with core_leases.lease_held(name, owner, ttl, renew=claims_renew, now=clock.now) as mine:
        yield mine


def send_lease_name(connection_id: int) -> str:
    return f"{LEASE_PREFIX}send:{connection_id}"


def sweep_lease_name(connection_id: int) -> str:
    return f"{LEASE_PREFIX}sweep:{connection_id}"


def review_lease_name(connection_id: int) -> str:
    return f"{LEASE_PREFIX}review:{connection_id}"


def reconcile_lease_name(connection_id: int) -> str:
    return f"{LEASE_PREFIX}reconcile:{connection_id}"


def leases_reap(now: datetime | None = None) -> list[str]:
    """Drop the catalog leases expired at `now` (their holders died); returns their names."""
    return core_leases.leases_expired_take(LEASE_PREFIX, now=(lambda: now) if now else clock.now)


def leases_live(names: list[str]) -> set[str]:
    """Which of these leases a live holder has now (not expired)."""
    if not names:
        return set()
    return set(
        JobLease.objects.filter(name__in=names, expires_at__gt=clock.now()).values_list("name", flat=True)
    )
