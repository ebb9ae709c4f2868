"""Watching a sync that runs in the app's own processes: when it reaches each milestone (read from the
database by the harness), what every process used meanwhile (from /proc), and what the state table wrote
(from pg_stat_user_tables)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from bench.apps import Processes
from bench.procstat import BackendSampler, descendants, machine_ticks, peak_rss_mb, tree_cpu

# pg_stat reports a backend's counts at most once a second and within 10 s of going idle.
STATS_FLUSH_SECONDS = 11.0


@dataclass
class Milestones:
    """Seconds from connecting (the full_sync task published) to each milestone; None: not reached."""

    first_available: float | None = None
    all_sent: float | None = None  # nothing dirty, queued or sent without an answer: every feed log is done
    all_final: float | None = None  # and nothing in review: every SKU has its final state
    timed_out: bool = False
    worker_peak_rss_mb: dict[str, float] = field(default_factory=dict)


def watch(
    connection_id: int,
    procs: Processes,
    *,
    until_final: bool,
    timeout: float,
    started: float,
) -> Milestones:
    from catalog_sync.models import SkuState, SyncStatus

    states = SkuState.objects.filter(connection_id=connection_id)
    between = [SyncStatus.NEW, SyncStatus.QUEUED, SyncStatus.SENT]
    out = Milestones()
    polls = 0
    while True:
        now = time.monotonic() - started
        if out.first_available is None and states.filter(status=SyncStatus.AVAILABLE).exists():
            out.first_available = now
        if (
            out.all_sent is None
            and states.exists()
            and not states.filter(dirty=True).exists()
            and not states.filter(status__in=between).exists()
        ):
            out.all_sent = now
        if out.all_sent is not None and not states.filter(status=SyncStatus.IN_REVIEW).exists():
            out.all_final = now
        if polls % 10 == 0:
            _peak_rss(procs, out)
        polls += 1
        if out.all_final is not None or (out.all_sent is not None and not until_final):
            break
        if now > timeout:
            out.timed_out = True
            break
        if procs.procs["worker"].poll() is not None:
            raise RuntimeError("the worker exited:\n" + procs.log_tail("worker"))
        time.sleep(0.2)
    _peak_rss(procs, out)
    return out


def _peak_rss(procs: Processes, out: Milestones) -> None:
    worker = procs.procs["worker"].pid
    for label, pid in [("main", worker), *((f"child {pid}", pid) for pid in descendants(worker))]:
        mb = peak_rss_mb(pid)
        if mb is not None:
            out.worker_peak_rss_mb[label] = round(max(mb, out.worker_peak_rss_mb.get(label, 0.0)), 1)


class CpuMeter:
    """CPU seconds of each process group since the meter's last snapshot, and of the machine."""

    def __init__(self, procs: Processes, sampler: BackendSampler | None) -> None:
        self.procs = procs
        self.sampler = sampler

    def snapshot(self) -> dict[str, float | None]:
        busy, total = machine_ticks()
        snap: dict[str, float | None] = {
            name: tree_cpu(proc.pid) for name, proc in self.procs.procs.items() if proc.poll() is None
        }
        snap["postgresql_app_backends"] = self.sampler.sample() if self.sampler is not None else None
        snap["harness"] = time.process_time()
        snap["machine_busy"] = busy
        snap["machine_total"] = total
        return snap

    @staticmethod
    def delta(before: dict[str, float | None], after: dict[str, float | None]) -> dict[str, float | None]:
        return {
            key: (after[key] - before[key])
            if after.get(key) is not None and before.get(key) is not None
            else None
            for key in before
        }


def cpu_report(delta: dict[str, float | None], skus: int, wall: float, cores: int) -> dict[str, Any]:
    def us(value: float | None) -> float | None:
        return round(value * 1e6 / max(1, skus), 1) if value is not None else None

    app = (delta.get("worker") or 0.0) + (delta.get("beat") or 0.0)
    ours = sum(
        delta.get(k) or 0.0
        for k in ("worker", "beat", "sandbox", "redis", "harness", "postgresql_app_backends")
    )
    busy = delta["machine_busy"] or 0.0
    return {
        "app_us_per_sku": us(app),
        "app_split_us_per_sku": {"worker": us(delta.get("worker")), "beat": us(delta.get("beat"))},
        "postgresql_us_per_sku": us(delta.get("postgresql_app_backends")),
        "not_counted_us_per_sku": {
            "sandbox": us(delta.get("sandbox")),
            "redis": us(delta.get("redis")),
            "bench_harness": us(delta.get("harness")),
        },
        "machine": {
            "cores": cores,
            "busy_core_seconds": round(busy, 1),
            "wall_seconds": round(wall, 1),
            "other_processes_core_seconds": round(max(0.0, busy - ours), 1),
            "other_processes_share_of_machine": round(max(0.0, busy - ours) / max(1e-9, wall * cores), 3),
        },
    }


def state_writes(table: str) -> dict[str, int] | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del FROM pg_stat_user_tables"
            " WHERE relid = %s::regclass",
            [table],
        )
        row = cursor.fetchone()
    return dict(zip(("inserts", "updates", "hot_updates", "deletes"), (int(v) for v in row), strict=True))


def writes_report(before: dict[str, int] | None, after: dict[str, int] | None, skus: int) -> dict[str, Any]:
    if before is None or after is None:
        return {"state_row_writes_per_sku": "n/a (PostgreSQL only)"}
    delta = {k: after[k] - before[k] for k in before}
    writes = delta["inserts"] + delta["updates"] + delta["deletes"]
    return {"state_row_writes_per_sku": round(writes / max(1, skus), 2), **delta}
