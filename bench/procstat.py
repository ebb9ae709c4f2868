"""CPU and memory of other processes, read from /proc (Linux): a process tree (a Celery worker and its pool
children), the PostgreSQL backends serving the app's connections, and the machine as a whole."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class Stat:
    ppid: int
    own: float  # utime + stime, seconds
    reaped: float  # cutime + cstime: children that exited and were waited for


def parse_stat(text: str) -> Stat:
    # The command name (field 2) is in parentheses and may hold spaces or parentheses itself.
    fields = text[text.rindex(")") + 2 :].split()
    # fields[0] is field 3 (state): ppid is field 4, utime..cstime fields 14-17.
    ppid = int(fields[1])
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    return Stat(ppid, (utime + stime) / TICK, (cutime + cstime) / TICK)


def read_stat(pid: int, proc: Path = Path("/proc")) -> Stat | None:
    try:
        return parse_stat((proc / str(pid) / "stat").read_text())
    except (OSError, ValueError, IndexError):
        return None


def own_cpu(pid: int, proc: Path = Path("/proc")) -> float | None:
    """CPU seconds of one process itself: schedstat's nanoseconds where the kernel has them (a backend's
    few milliseconds per page would be lost in stat's 10 ms ticks), else utime + stime."""
    try:
        return int((proc / str(pid) / "schedstat").read_text().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        stat = read_stat(pid, proc)
        return stat.own if stat is not None else None


def descendants(root: int, proc: Path = Path("/proc")) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in proc.iterdir():
        if entry.name.isdigit():
            stat = read_stat(int(entry.name), proc)
            if stat is not None:
                parents.setdefault(stat.ppid, []).append(int(entry.name))
    out: list[int] = []
    todo = [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def tree_cpu(root: int, proc: Path = Path("/proc")) -> float:
    """CPU seconds of `root` and every descendant, alive or exited (an exited child is in its parent's
    reaped times once waited for, and still in /proc as a zombie until then): monotonic over time."""
    total = 0.0
    for pid in (root, *descendants(root, proc)):
        stat = read_stat(pid, proc)
        if stat is not None:
            total += stat.own + stat.reaped
    return total


def peak_rss_mb(pid: int, proc: Path = Path("/proc")) -> float | None:
    """VmHWM: the process's peak resident set since it started."""
    try:
        for line in (proc / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def machine_ticks(proc: Path = Path("/proc")) -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores (iowait counts as idle)."""
    values = [int(v) for v in (proc / "stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    total = sum(values[:8])
    return (total - idle) / TICK, total / TICK


def loadavg(proc: Path = Path("/proc")) -> list[float]:
    return [float(v) for v in (proc / "loadavg").read_text().split()[:3]]


@dataclass
class BackendTimes:
    """Cumulative CPU of a changing set of backends: a backend first seen at the first sample counts from
    then, one that appears later from zero (it was forked during the run); one that exits keeps what was
    sampled last (the part after the last sample is lost: `exited` says how often that happened)."""

    base: dict[int, float] = field(default_factory=dict)
    last: dict[int, float] = field(default_factory=dict)
    gone: float = 0.0  # what the backends that exited used while sampled
    exited: int = 0
    started: bool = False

    def update(self, sampled: dict[int, float]) -> None:
        for pid in set(self.last) - set(sampled):
            self.exited += 1
            self.gone += self.last.pop(pid) - self.base.pop(pid)
        for pid, seconds in sampled.items():
            if pid not in self.base:
                self.base[pid] = seconds if not self.started else 0.0
            self.last[pid] = seconds
        self.started = True

    def total(self) -> float:
        return self.gone + sum(self.last[pid] - self.base[pid] for pid in self.last)


class BackendSampler(threading.Thread):
    """Samples, every `interval` seconds on its own connection, the /proc CPU of the backends of this
    database whose application_name starts with `prefix` (the bench gives the app's processes one)."""

    def __init__(self, conninfo: dict[str, Any], prefix: str, interval: float = 0.5) -> None:
        super().__init__(daemon=True, name="bench-pg-sampler")
        import psycopg

        self._conn = psycopg.connect(**conninfo, application_name="bench-harness-sampler", autocommit=True)
        self.prefix = prefix
        self.interval = interval
        self.times = BackendTimes()
        self._lock = threading.Lock()
        self._halt = threading.Event()
        self.pids: set[int] = set()

    def sample(self) -> float:
        with self._lock:
            rows = self._conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND application_name LIKE %s",
                (self.prefix + "%",),
            ).fetchall()
            sampled = {}
            for (pid,) in rows:
                seconds = own_cpu(int(pid))
                if seconds is not None:
                    sampled[int(pid)] = seconds
            self.pids |= set(sampled)
            self.times.update(sampled)
            return self.times.total()

    def run(self) -> None:
        while not self._halt.wait(self.interval):
            try:
                self.sample()
            except Exception:  # noqa: BLE001 - a lost sample is a lost sample; the totals say so
                time.sleep(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)
        with self._lock:
            self._conn.close()
