"""The multi-store bench: opt-in selection (CI's `python -m bench` never runs it) and its statistics."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.__main__ import OPT_IN, modules_selected
from bench.storestats import completion_stats, percentile, rate_stats, task_times

MODULES = ["bench_sync", "bench_stores", "bench_seed", "bench_pixel", "bench_client", "bench_fileroute"]


def test_the_stores_run_is_left_out_unless_named():
    assert OPT_IN == {"bench_stores"}
    assert modules_selected(MODULES, []) == [
        "bench_client",
        "bench_fileroute",
        "bench_pixel",
        "bench_seed",
        "bench_sync",
    ]


def test_only_runs_exactly_the_named_modules_with_or_without_prefix():
    assert modules_selected(MODULES, ["stores"]) == ["bench_stores"]
    assert modules_selected(MODULES, ["bench_stores", "sync"]) == ["bench_stores", "bench_sync"]
    assert modules_selected(MODULES, ["sync"]) == ["bench_sync"]
    assert modules_selected(MODULES, ["nope"]) == []


def test_percentile_is_nearest_rank():
    assert percentile([4.0, 1.0, 3.0, 2.0], 0.5) == 2.0
    assert percentile([float(v) for v in range(1, 21)], 0.95) == 19.0
    assert percentile([7.0], 0.95) == 7.0
    with pytest.raises(ValueError):
        percentile([], 0.5)


def test_completion_stats_names_the_fastest_and_slowest_and_ignores_unfinished():
    times = {10: 40.0, 11: 60.0, 12: 50.0, 13: None, 14: 45.0}
    assert completion_stats(times) == {
        "stores": 5,
        "finished": 4,
        "unfinished": 1,
        "min_seconds": 40.0,
        "p50_seconds": 45.0,
        "p95_seconds": 60.0,
        "max_seconds": 60.0,
        "max_over_min": 1.5,
        "fastest": 10,
        "slowest": 11,
    }
    assert completion_stats({1: None}) == {"stores": 1, "finished": 0, "unfinished": 1}


def test_rate_stats_counts_the_busiest_window_as_a_qps_limit_does():
    # 10 calls in [0, 0.9], then 1 at 5.0: a 1 s window holds at most 10; a call exactly 1 s after
    # another falls in the next window.
    ts = [i / 10 for i in range(10)] + [1.0, 5.0]
    result = rate_stats(ts)
    assert result == {"calls": 12, "span_seconds": 5.0, "mean_qps": 2.4, "peak_in_1s": 10}
    assert rate_stats([]) == {"calls": 0, "span_seconds": 0.0, "mean_qps": None, "peak_in_1s": 0}


def test_task_times_sums_the_workers_logs(tmp_path: Path):
    (tmp_path / "worker1.log").write_text(
        "[2026-12-03 17:00:00,000: INFO/ForkPoolWorker-1] Task catalog_sync.tasks.sweep_catalog"
        "[0b1c-2] succeeded in 0.25s: {'checked': 500}\n"
        "[2026-12-03 17:00:01,000: INFO/ForkPoolWorker-1] Task catalog_sync.tasks.send_batches"
        "[0b1c-3] succeeded in 1.5s: 'sent'\n"
    )
    (tmp_path / "worker2.log").write_text(
        "[2026-12-03 17:00:02,000: INFO/ForkPoolWorker-1] Task catalog_sync.tasks.sweep_catalog"
        "[0b1c-4] succeeded in 0.5s: {'checked': 500}\n"
        "[2026-12-03 17:00:02,000: INFO/MainProcess] Task catalog_sync.tasks.poll_review[0b1c-5] received\n"
    )
    (tmp_path / "beat.log").write_text("Task catalog_sync.tasks.sweep_all[x] succeeded in 9.0s: 1\n")
    assert task_times(tmp_path) == {
        "sweep_catalog": {"count": 2, "seconds": 0.75, "max_seconds": 0.5},
        "send_batches": {"count": 1, "seconds": 1.5, "max_seconds": 1.5, "results": {"sent": 1}},
    }
