"""Periodic slots: a beat job runs at most once per period of its schedule, however many beats send it.

Beat (tiktok_admin.beat) stamps every message of a periodic job with its schedule slot: the start of the
period it fires for, in milliseconds since the epoch (interval schedules are aligned to the epoch, so two
beats started at different moments name the same period alike; a crontab's slot is the due time it fires
for). The task takes the slot with a compare-and-set before it does anything: a second message for the
same or an older slot finds it taken and does nothing. Leases (core.leases.singleton) still stop runs that
overlap; slots stop the same period from running twice one after the other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .models import PeriodicSlot

logger = logging.getLogger(__name__)


def periodic_slot_take(
    job: str, slot: int | None, *, owner: str | None = None, now: Callable[[], datetime] = timezone.now
) -> bool:
    """Claim `slot` for `job`: True when this caller is the one to run it. A later slot than the last one
    taken is taken; the same or an older one is refused, except the same slot asked again by the task that
    took it (`owner`, a task id: its redelivery after a killed worker must still do the work). `slot`
    None means a call by hand (ops, tests): no slot, no dedup."""
    if slot is None:
        return True
    owner = owner or ""
    later = Q(last_slot__lt=slot)
    if owner:
        later |= Q(last_slot=slot, owner=owner)
    values = {"last_slot": slot, "owner": owner, "taken_at": now()}
    if PeriodicSlot.objects.filter(Q(job=job) & later).update(**values):
        return _taken(job, slot)
    try:
        with transaction.atomic():
            PeriodicSlot.objects.create(job=job, **values)
    except IntegrityError:
        # The row exists (maybe created a moment ago by a racing claim, now committed): compare with it.
        if PeriodicSlot.objects.filter(Q(job=job) & later).update(**values):
            return _taken(job, slot)
        last = PeriodicSlot.objects.filter(job=job).values_list("last_slot", flat=True).first()
        logger.info("periodic slot refused: %s %s (last taken %s); nothing done", job, slot, last)
        return False
    return _taken(job, slot)


def _taken(job: str, slot: int) -> bool:
    logger.info("periodic slot taken: %s %s", job, slot)
    return True
