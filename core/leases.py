"""Leases: the one way a job makes sure it runs alone (one sweeper per catalog, one health check at a
time, one order import per shop), on SQLite and PostgreSQL alike.

A lease is a row (`JobLease`) taken with a compare-and-set, held by an owner (a task id: a redelivered
task keeps it, so it may take its own lease back at once) until it expires. A holder that may run longer
than its lease keeps it alive with a heartbeat thread (`lease_held`); a worker that dies stops renewing,
so what it held is free again within one lease period.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db import DatabaseError, IntegrityError, connections, transaction
from django.db.models import Q
from django.utils import timezone

from .models import JobLease

logger = logging.getLogger(__name__)

Now = Callable[[], datetime]


def lease_take(name: str, owner: str, ttl: float, *, now: Now = timezone.now) -> bool:
    """Take or renew the lease for `ttl` seconds. The same owner may take it back at once; anyone else
    waits for it to expire."""
    at = now()
    expires = at + timedelta(seconds=ttl)
    if JobLease.objects.filter(Q(name=name) & (Q(owner=owner) | Q(expires_at__lte=at))).update(
        owner=owner, expires_at=expires
    ):
        return True
    try:
        with transaction.atomic():
            JobLease.objects.create(name=name, owner=owner, expires_at=expires)
    except IntegrityError:
        return False
    return True


def lease_acquire(name: str, ttl_seconds: float, owner: str | None = None) -> str | None:
    """Take the lease for a new (or the given) owner; the owner token, or None if someone holds it."""
    owner = owner or uuid.uuid4().hex
    return owner if lease_take(name, owner, ttl_seconds) else None


def lease_renew(name: str, owner: str, ttl_seconds: float, *, now: Now = timezone.now) -> bool:
    expires = now() + timedelta(seconds=ttl_seconds)
    return bool(JobLease.objects.filter(name=name, owner=owner).update(expires_at=expires))


def lease_release(name: str, owner: str) -> None:
    JobLease.objects.filter(name=name, owner=owner).delete()


def owner_renew(owner: str, ttl_seconds: float, *, now: Now = timezone.now) -> int:
    """Push back the expiry of every lease `owner` holds; returns how many."""
    expires = now() + timedelta(seconds=ttl_seconds)
    return JobLease.objects.filter(owner=owner).update(expires_at=expires)


def leases_expired_take(prefix: str, *, now: Now = timezone.now) -> list[str]:
    """Drop the expired leases whose name starts with `prefix` (their holders died); returns their names."""
    at = now()
    names = list(
        JobLease.objects.filter(name__startswith=prefix, expires_at__lte=at).values_list("name", flat=True)
    )
    if names:
        JobLease.objects.filter(name__in=names, expires_at__lte=at).delete()
    return names


Renew = Callable[[str, float], object]


class LeaseHeartbeat:
    """Calls `renew(owner, ttl)` every third of `ttl` from a daemon thread until stopped. The thread has its
    own database connection (Django's are per thread) and closes it when it ends."""

    def __init__(self, owner: str, ttl: float, renew: Renew) -> None:
        self.owner = owner
        self.ttl = ttl
        self.renew = renew
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
                    self.renew(self.owner, self.ttl)
                except DatabaseError:
                    # The next beat tries again; if the database stays away the lease lapses, as it should.
                    logger.warning("lease heartbeat: could not renew owner=%s", self.owner)
        finally:
            connections.close_all()


@contextmanager
def lease_held(
    name: str, owner: str, ttl: float, *, renew: Renew | None = None, now: Now = timezone.now
) -> Iterator[bool]:
    """`with lease_held(name, owner, ttl) as mine:` takes the lease and keeps it alive while the block runs
    (`renew` may renew more than the owner's leases, e.g. its claims); `mine` is False when someone else
    holds it (skip the work)."""
    if not lease_take(name, owner, ttl, now=now):
        yield False
        return

    def renew_all(holder: str, seconds: float) -> object:
        owner_renew(holder, seconds, now=now)
        return renew(holder, seconds) if renew is not None else None

    beat = LeaseHeartbeat(owner, ttl, renew_all)
    beat.start()
    try:
        yield True
    finally:
        beat.stop()
        lease_release(name, owner)


@contextmanager
def singleton(name: str, ttl_seconds: float = 600) -> Iterator[str | None]:
    """`with singleton("x") as owner:` — owner is None when another holder has it (skip the work)."""
    owner = lease_acquire(name, ttl_seconds)
    try:
        yield owner
    finally:
        if owner:
            lease_release(name, owner)
