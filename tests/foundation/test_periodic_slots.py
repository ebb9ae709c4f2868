"""Periodic slots: the compare-and-set that lets a job run once per schedule period (core.periodic), and
the beat scheduler that names the period (tiktok_admin.beat): two beats started 1.3 s apart fire at the
same moments and send the same slots; a crontab's slot is its due time. The process test with two real
beats is tests/catalog_sync/test_two_beats.py."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from celery import Celery
from celery.beat import Scheduler
from celery.schedules import crontab
from django.db import connection

from core.models import PeriodicSlot
from core.periodic import periodic_slot_take
from integration.models import HealthCheckRun
from tiktok_admin.beat import SLOT_KWARG, SlotMixin, interval_slot
from tiktok_admin.celery import app as project_app

JOB = "tests.job"


@pytest.mark.django_db
def test_a_slot_is_taken_once_and_never_an_older_one(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="core.periodic")
    assert periodic_slot_take(JOB, 2_000, owner="task-a") is True
    assert periodic_slot_take(JOB, 2_000, owner="task-b") is False  # the second beat's message
    assert periodic_slot_take(JOB, 2_000) is False
    assert periodic_slot_take(JOB, 0, owner="task-c") is False  # an older period, late
    assert PeriodicSlot.objects.get(job=JOB).last_slot == 2_000
    assert periodic_slot_take(JOB, 4_000, owner="task-d") is True
    assert periodic_slot_take(JOB, 2_000, owner="task-a") is False  # its own, but a newer one ran since
    assert (PeriodicSlot.objects.get(job=JOB).last_slot, PeriodicSlot.objects.get(job=JOB).owner) == (
        4_000,
        "task-d",
    )
    assert "periodic slot refused: tests.job 2000 (last taken 2000); nothing done" in caplog.messages
    assert "periodic slot refused: tests.job 2000 (last taken 4000); nothing done" in caplog.messages


@pytest.mark.django_db
def test_a_redelivered_message_takes_its_own_slot_back_and_a_call_by_hand_takes_none() -> None:
    assert periodic_slot_take(JOB, 6_000, owner="task-a") is True
    # The worker died mid-run; the broker hands the same message (same task id) to another worker.
    assert periodic_slot_take(JOB, 6_000, owner="task-a") is True
    assert periodic_slot_take(JOB, 6_000, owner="") is False
    assert periodic_slot_take("tests.other", None) is True
    assert periodic_slot_take("tests.other", None) is True
    assert not PeriodicSlot.objects.filter(job="tests.other").exists()


@pytest.mark.django_db(transaction=True)
def test_racing_claims_of_one_slot_give_exactly_one_winner() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://...")
    threads = 8

    def race(slot: int) -> list[bool]:
        results: list[bool] = []
        barrier = threading.Barrier(threads)

        def claim(n: int) -> None:
            try:
                barrier.wait()
                results.append(periodic_slot_take(JOB, slot, owner=f"task-{slot}-{n}"))
            finally:
                connection.close()

        workers = [threading.Thread(target=claim, args=(n,)) for n in range(threads)]
        for t in workers:
            t.start()
        for t in workers:
            t.join()
        return results

    # The first round races on inserting the row, the later ones on updating it.
    for slot in (1_000, 3_000, 5_000, 7_000):
        assert sorted(race(slot)) == [False] * (threads - 1) + [True], slot
    assert PeriodicSlot.objects.get(job=JOB).last_slot == 7_000


@pytest.mark.django_db
def test_every_beat_job_takes_its_slot_before_doing_anything() -> None:
    """Every job of the production schedule accepts the slot, and a second message for it does nothing."""
    project_app.loader.import_default_modules()
    assert project_app.conf.beat_scheduler == "tiktok_admin.beat:SlotScheduler"
    for entry in project_app.conf.beat_schedule.values():
        task = project_app.tasks[entry["task"]]
        task.apply(kwargs={SLOT_KWARG: 10_000})
        task.apply(kwargs={SLOT_KWARG: 10_000})
        assert PeriodicSlot.objects.get(job=entry["task"]).last_slot == 10_000
    assert HealthCheckRun.objects.count() == 1
    # Ops running it by hand are never deduplicated.
    project_app.tasks["integration.tasks.check_connections"].apply()
    assert HealthCheckRun.objects.count() == 2


class Clock:
    """Wall time for the schedulers, moved by the test in whole milliseconds."""

    def __init__(self, ms: int) -> None:
        self.ms = ms

    @property
    def at(self) -> float:
        return self.ms / 1000

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.at, UTC)


class MemoryScheduler(SlotMixin, Scheduler):
    """The project's scheduler without a schedule file."""


Sent = list[tuple[str, float, str, dict[str, Any]]]


def _slotted(beat_slot: int | None = None) -> None:
    pass


def _plain() -> None:
    pass


def _beat(name: str, clock: Clock, sent: Sent) -> MemoryScheduler:
    """One beat process: its own app (on the shared clock) whose tasks record what beat sends them."""
    beat_app = Celery(f"beat-{name}", broker="memory://", set_as_current=False)
    beat_app.conf.update(timezone="UTC", enable_utc=True, result_expires=None)
    beat_app.now = clock.now  # type: ignore[method-assign]
    beat_app.conf.beat_schedule = {
        "every-2": {"task": "t.every", "schedule": 2.0},
        "nightly": {"task": "t.nightly", "schedule": crontab(hour=5, minute=17)},
        "plain": {"task": "t.plain", "schedule": 2.0},
    }
    beat_app.task(name="t.every")(_slotted)
    beat_app.task(name="t.nightly")(_slotted)
    beat_app.task(name="t.plain")(_plain)
    beat_app.finalize()

    def record(task: str) -> Any:
        def apply_async(args: Any = None, kwargs: Any = None, **options: Any) -> None:
            sent.append((name, clock.at, task, dict(kwargs or {})))

        return apply_async

    for task in ("t.every", "t.nightly", "t.plain"):
        beat_app.tasks[task].apply_async = record(task)
    return MemoryScheduler(beat_app, Producer=lambda *a, **k: None)


def _utc(minute: int, second: int) -> float:
    return datetime(2026, 3, 1, 5, minute, second, tzinfo=UTC).timestamp()


def test_two_schedulers_started_apart_send_the_same_slot_for_the_same_period() -> None:
    start = round(_utc(16, 52) * 1000) + 900  # 05:16:52.9
    clock = Clock(start)
    sent: Sent = []
    beats = {"a": _beat("a", clock, sent)}
    for step in range(200):  # 10 s of beat, a tick every 50 ms
        clock.ms = start + step * 50
        if "b" not in beats and clock.ms >= start + 1300:
            beats["b"] = _beat("b", clock, sent)
        for beat in beats.values():
            for _ in range(10):
                if beat.tick() != 0:
                    break

    def slots(beat: str, task: str) -> list[tuple[float, int | None]]:
        return [(at, kw.get(SLOT_KWARG)) for b, at, name, kw in sent if b == beat and name == task]

    # Beat A started at 05:16:52.9, beat B at 05:16:54.2: both fire on the even seconds after they
    # started, whatever their start, and name each period by its start.
    boundaries = [_utc(16, 54), _utc(16, 56), _utc(16, 58), _utc(17, 0), _utc(17, 2)]
    assert slots("a", "t.every") == [(b, round(b * 1000)) for b in boundaries]
    assert slots("b", "t.every") == slots("a", "t.every")[1:]
    assert interval_slot(boundaries[1] + 1.999, 2.0) == interval_slot(boundaries[1], 2.0)
    # The nightly crontab: both fire at 05:17:00 for the slot 05:17:00.
    assert slots("a", "t.nightly") == slots("b", "t.nightly") == [(_utc(17, 0), round(_utc(17, 0) * 1000))]
    # A task that takes no slot (celery's own backend_cleanup, say) is sent without one.
    plain = [kw for _b, _at, name, kw in sent if name == "t.plain"]
    assert plain == [{}] * 9
