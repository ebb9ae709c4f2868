"""Beat's scheduler: celery's persistent scheduler, with interval jobs fired on whole multiples of their
interval since the epoch and every message of a periodic job stamped with the slot it fires for
(`beat_slot`, the start of its period in milliseconds since the epoch). The task takes the slot in the
database before doing anything (core.periodic.periodic_slot_take), so a second beat, started by mistake or
left over from a deploy, sends the same slot and changes nothing.

Aligned slots are what make two beats agree: beat A started at 10:00:00.4 and beat B at 10:00:01.7 both
fire a 30 s job at 10:00:30.0 for slot 10:00:30. An interval counted from each beat's own start would give
each its own periods. A crontab's slot is the due time it fires for (the first match after the last run).
Loaded before Django is set up (tiktok_admin.celery names it): celery only, no Django imports.
"""

from __future__ import annotations

import inspect
import logging
import math
from datetime import datetime, timedelta
from typing import Any

from celery.beat import PersistentScheduler, ScheduleEntry
from celery.schedules import crontab, schedstate, schedule

logger = logging.getLogger(__name__)

# The keyword argument every periodic task accepts (None when ops or tests call it by hand).
SLOT_KWARG = "beat_slot"


def interval_index(timestamp: float, period: float) -> int:
    """Which period of `period` seconds, counted from the epoch, `timestamp` falls in."""
    return math.floor(timestamp / period)


def interval_slot(timestamp: float, period: float) -> int:
    """The slot of an interval job fired at `timestamp`: the start of its period, in ms since the epoch."""
    return round(interval_index(timestamp, period) * period * 1000)


def crontab_slot(cron: crontab, last_run_at: datetime) -> int:
    """The slot of a crontab job due after `last_run_at`: that due time, in ms since the epoch."""
    start, delta, _now = cron.remaining_delta(last_run_at)
    return round((start + delta).timestamp() * 1000)


class aligned(schedule):  # noqa: N801 - named like celery's schedule classes
    """An interval due at every whole multiple of it since the epoch, whenever the beat started."""

    def remaining_estimate(self, last_run_at: datetime) -> timedelta:
        period = self.seconds
        if period <= 0:
            return super().remaining_estimate(last_run_at)
        due = (interval_index(self.maybe_make_aware(last_run_at).timestamp(), period) + 1) * period
        return timedelta(seconds=due - self.maybe_make_aware(self.now()).timestamp())

    def is_due(self, last_run_at: datetime) -> schedstate:
        period = self.seconds
        if period <= 0:
            return super().is_due(last_run_at)
        last = interval_index(self.maybe_make_aware(last_run_at).timestamp(), period)
        now = self.maybe_make_aware(self.now()).timestamp()
        current = interval_index(now, period)
        if current > last:
            return schedstate(is_due=True, next=max((current + 1) * period - now, 0.001))
        # Decided on the indexes alone, so a float remainder at the boundary cannot fire early.
        return schedstate(is_due=False, next=max((last + 1) * period - now, 0.001))


class SlotEntry(ScheduleEntry):
    """A schedule entry whose plain interval is aligned to the epoch."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if type(self.schedule) is schedule:
            self.schedule = aligned(self.schedule.run_every, nowfun=self.schedule.nowfun, app=self.app)


def entry_slot(entry: ScheduleEntry) -> int | None:
    """The slot `entry` fires for now (before it is advanced), or None for a schedule without slots."""
    if isinstance(entry.schedule, aligned):
        return interval_slot(
            entry.schedule.maybe_make_aware(entry.schedule.now()).timestamp(), entry.schedule.seconds
        )
    if isinstance(entry.schedule, crontab):
        return crontab_slot(entry.schedule, entry.last_run_at)
    return None


class SlotMixin:
    """Stamps each due message of a task that takes `beat_slot` with its slot."""

    Entry = SlotEntry
    app: Any

    def adjust(self, n: float | None, drift: float = 0.0) -> float | None:
        # Celery wakes 10 ms early to make up for the tick's own time; an aligned entry woken early is not
        # due yet and would spin until its boundary.
        return n

    def takes_slot(self, name: str) -> bool:
        cache = self.__dict__.setdefault("_slot_tasks", {})
        if name not in cache:
            task = self.app.tasks.get(name)
            cache[name] = task is not None and SLOT_KWARG in inspect.signature(task.run).parameters
        return cache[name]

    def apply_async(
        self, entry: ScheduleEntry, producer: Any = None, advance: bool = True, **kwargs: Any
    ) -> Any:
        # The slot comes from the entry as it was when it fell due (a crontab's from its last run).
        slot = entry_slot(entry) if self.takes_slot(entry.task) else None
        if advance:
            entry = self.reserve(entry)  # type: ignore[attr-defined]
        if slot is not None:
            logger.info("beat slot: %s %s", entry.task, slot)
            entry = type(entry)(**dict(entry, kwargs={**(entry.kwargs or {}), SLOT_KWARG: slot}))
        return super().apply_async(entry, producer, advance=False, **kwargs)  # type: ignore[misc]


class SlotScheduler(SlotMixin, PersistentScheduler):
    """The project's beat scheduler (`beat_scheduler` in tiktok_admin.celery)."""
