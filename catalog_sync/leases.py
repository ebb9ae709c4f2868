"""Leases for the sync engine's singleton steps (one sweeper, one sender, one review poll, one
reconciliation per catalog), kept alive by a heartbeat while their holder runs.

A lease is short (`CATALOG_SYNC_LEASE_SECONDS`, 30 s by default) and a daemon thread renews it, and the
claims of the batches its owner holds, every third of that. A worker that dies stops renewing, so what
it held is free again within one lease period, instead of after the broker's visibility timeout.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.db.models import Q

from tiktok_admin.models import JobLease

from . import clock
from .models import BatchStatus, SyncBatch

logger = logging.getLogger(__name__)


def lease_seconds() -> float:
    return float(getattr(settings, "CATALOG_SYNC_LEASE_SECONDS", 30))


def lease_take(name: str, owner: str, ttl: float | None = None) -> bool:
    """Take or renew the lease. The same owner (a redelivered task keeps its task id) may take it back
    at once; anyone else waits for it to expire."""
    now = clock.now()
    expires = now + timedelta(seconds=ttl if ttl is not None else lease_seconds())
    if JobLease.objects.filter(Q(name=name) & (Q(owner=owner) | Q(expires_at__lte=now))).update(
        owner=owner, expires_at=expires
    ):
        return True
    try:
        with transaction.atomic():
            JobLease.objects.create(name=name, owner=owner, expires_at=expires)
    except IntegrityError:
        return False
    return True


def lease_give_back(name: str, owner: str) -> None:
    JobLease.objects.filter(name=name, owner=owner).delete()


def owner_renew(owner: str, ttl: float | None = None) -> int:
    """Push back the expiry of every lease and batch claim `owner` holds. Returns what was renewed."""
    expires = clock.now() + timedelta(seconds=ttl if ttl is not None else lease_seconds())
    renewed = JobLease.objects.filter(owner=owner).update(expires_at=expires)
    renewed += SyncBatch.objects.filter(lease_owner=owner, status=BatchStatus.CLAIMED).update(
        lease_expires_at=expires
    )
    return renewed


class Heartbeat:
    """Renews one owner's leases from a daemon thread until stopped. The thread has its own database
    connection (Django's are per thread) and closes it when it ends."""

    def __init__(self, owner: str, ttl: float | None = None) -> None:
        self.owner = owner
        self.ttl = ttl if ttl is not None else lease_seconds()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-heartbeat-{owner}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.ttl)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.ttl / 3):
                try:
                    owner_renew(self.owner, self.ttl)
                except DatabaseError:
                    # The next beat tries again; if the database stays away the lease lapses, as it should.
                    logger.warning("lease heartbeat: could not renew owner=%s", self.owner)
        finally:
            connections.close_all()


@contextmanager
def lease_held(name: str, owner: str, ttl: float | None = None) -> Iterator[bool]:
    """`with lease_held(name, owner) as mine:` takes the lease and keeps it alive while the block runs;
    `mine` is False when someone else holds it (skip the work)."""
    ttl = ttl if ttl is not None else lease_seconds()
    if not lease_take(name, owner, ttl):
        yield False
        return
    beat = Heartbeat(owner, ttl)
    beat.start()
    try:
        yield True
    finally:
        beat.stop()
        lease_give_back(name, owner)


def send_lease_name(connection_id: int) -> str:
    return f"catalog-send:{connection_id}"


def sweep_lease_name(connection_id: int) -> str:
    return f"catalog-sweep:{connection_id}"


def review_lease_name(connection_id: int) -> str:
    return f"catalog-review:{connection_id}"


def reconcile_lease_name(connection_id: int) -> str:
    return f"catalog-reconcile:{connection_id}"


LEASE_PREFIX = "catalog-"


def leases_reap(now: datetime | None = None) -> list[str]:
    """Drop the expired catalog leases (their holders died); returns their names."""
    now = now or clock.now()
    names = list(
        JobLease.objects.filter(name__startswith=LEASE_PREFIX, expires_at__lte=now).values_list(
            "name", flat=True
        )
    )
    if names:
        JobLease.objects.filter(name__in=names, expires_at__lte=now).delete()
    return names
