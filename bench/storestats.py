"""The multi-store bench's arithmetic (bench/bench_stores.py): how evenly stores finished, and how many
requests per second reached TikTok. Django-free, so tests check it directly."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted or unsorted `values` (p50 of 1..4 is 2, p95 of 1..20 is 19)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def completion_stats(times: Mapping[Any, float | None]) -> dict[str, Any]:
    """Per-store completion times (seconds from the common enqueue; None: not finished) summed up:
    max/min is the fairness figure (goal <= 1.5); the fastest and slowest stores are named."""
    done = {key: t for key, t in times.items() if t is not None}
    out: dict[str, Any] = {"stores": len(times), "finished": len(done), "unfinished": len(times) - len(done)}
    if not done:
        return out
    values = list(done.values())
    fastest = min(done, key=lambda key: done[key])
    slowest = max(done, key=lambda key: done[key])
    low, high = done[fastest], done[slowest]
    out.update(
        {
            "min_seconds": round(low, 2),
            "p50_seconds": round(percentile(values, 0.50), 2),
            "p95_seconds": round(percentile(values, 0.95), 2),
            "max_seconds": round(high, 2),
            "max_over_min": round(high / low, 2) if low > 0 else None,
            "fastest": fastest,
            "slowest": slowest,
        }
    )
    return out


def rate_stats(timestamps: Iterable[float], window: float = 1.0) -> dict[str, Any]:
    """Requests as TikTok saw them: how many, over which span (first to last), their mean rate, and the
    most that fell in any `window` seconds (what a QPS limit counts)."""
    ts = sorted(timestamps)
    if not ts:
        return {"calls": 0, "span_seconds": 0.0, "mean_qps": None, f"peak_in_{window:g}s": 0}
    peak = 0
    start = 0
    for end, t in enumerate(ts):
        while ts[start] <= t - window:
            start += 1
        peak = max(peak, end - start + 1)
    span = ts[-1] - ts[0]
    return {
        "calls": len(ts),
        "span_seconds": round(span, 2),
        "mean_qps": round(len(ts) / span, 2) if span > 0 else None,
        f"peak_in_{window:g}s": peak,
    }


_SUCCEEDED = re.compile(r"Task ([\w.]+)\[[^\]]+\] succeeded in ([0-9.]+)s: ?(\S*)")


def task_times(tmp: Path) -> dict[str, dict[str, Any]]:
    """From the workers' logs: per task name, how many ran and the seconds they took in all (limiter and
    lock waits included: a task that sleeps in the limiter holds its pool process), and how often each
    plain-word result came back (the send loop's step actions: 'busy' and 'idle' steps are overhead)."""
    out: dict[str, dict[str, Any]] = {}
    for log in sorted(tmp.glob("worker*.log")):
        for name, seconds, result in _SUCCEEDED.findall(log.read_text(errors="replace")):
            entry = out.setdefault(name.rsplit(".", 1)[-1], {"count": 0, "seconds": 0.0, "max_seconds": 0.0})
            entry["count"] += 1
            entry["seconds"] = round(entry["seconds"] + float(seconds), 2)
            entry["max_seconds"] = max(entry["max_seconds"], round(float(seconds), 2))
            word = result.strip("'")
            if re.fullmatch(r"'[a-z_]+'", result):
                results = entry.setdefault("results", {})
                results[word] = results.get(word, 0) + 1
    return out


def timeline(entries: list[dict[str, Any]], catalog_id: str, wall0: float) -> dict[str, float]:
    """One store's requests, in seconds from the enqueue: what it waited for between its steps."""
    out: dict[str, float] = {}
    for e in entries:
        if e["catalog_id"] == catalog_id:
            out.setdefault(e["endpoint"].rsplit("/", 1)[-1], round(e["ts"] - wall0, 2))
    return out


def rank_effect(times: dict[int, float | None], order: list[int]) -> dict[str, float | None]:
    """Mean completion of the first and last tenth of the stores in enqueue order: a FIFO shows here."""
    tenth = max(1, len(order) // 10)

    def mean(ids: list[int]) -> float | None:
        values = [times[i] for i in ids if times[i] is not None]
        return round(sum(values) / len(values), 2) if values else None

    return {
        "first_tenth_enqueued_mean_s": mean(order[:tenth]),
        "last_tenth_enqueued_mean_s": mean(order[-tenth:]),
    }
