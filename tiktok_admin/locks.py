"""Database leases for singleton jobs: they work the same on SQLite and PostgreSQL, expire when a
worker dies, and are taken with a compare-and-set so two holders are impossible."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import JobLease


def lease_acquire(name: str, ttl_seconds: float, owner: str | None = None) -> str | None:
    """Take the lease `name` for `ttl_seconds`; return the owner token, or None if someone holds it."""
    owner = owner or uuid.uuid4().hex
    now = timezone.now()
    expires = now + timedelta(seconds=ttl_seconds)
    taken = JobLease.objects.filter(name=name, expires_at__lte=now).update(owner=owner, expires_at=expires)
    if taken:
        return owner
    try:
        with transaction.atomic():
            JobLease.objects.create(name=name, owner=owner, expires_at=expires)
    except IntegrityError:
        return None
    return owner


def lease_renew(name: str, owner: str, ttl_seconds: float) -> bool:
    expires = timezone.now() + timedelta(seconds=ttl_seconds)
    return bool(JobLease.objects.filter(name=name, owner=owner).update(expires_at=expires))


def lease_release(name: str, owner: str) -> None:
    JobLease.objects.filter(name=name, owner=owner).delete()


@contextmanager
def singleton(name: str, ttl_seconds: float = 600) -> Iterator[str | None]:
    """`with singleton("x") as owner:` — owner is None when another holder has it (skip the work)."""
    owner = lease_acquire(name, ttl_seconds)
    try:
        yield owner
    finally:
        if owner:
            lease_release(name, owner)
