"""The sync bench's arithmetic and its /proc readers (bench/timings.py, bench/procstat.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.procstat import TICK, BackendTimes, machine_ticks, parse_stat, tree_cpu
from bench.timings import FAST, PRODUCTION, floor


def test_production_floor_at_100k_is_bound_by_feed_processing_and_review():
    # 92,757 eligible SKUs: 19 uploads of at most 5,000, 186 product/get pages of 500.
    result = floor(92_757, PRODUCTION)
    assert result["uploads"] == 19
    assert result["product_get_pages"] == 186
    assert result["api_calls"] == 19 * 2 + 186
    assert result["qps_seconds"] == 22.4  # 224 calls at 10 QPS; 19 uploads at 5 QPS is only 3.8 s
    # 19 x 2 s + 92,757 x 0.5 ms, serialized; then one mean review delay of 30 s.
    assert result["feed_processing_seconds"] == 84.38
    assert result["floor_seconds"] == 114.38
    assert result["bound_by"] == "feed processing + review"
    # The slowest of the last batch's 2,757 exponential draws is expected after 30 s x H(2757).
    assert result["last_review_expected_seconds"] == pytest.approx(84.38 + 30 * 8.4993, abs=0.05)


def test_fast_floor_is_the_clients_qps_limits_alone():
    result = floor(12_000, FAST)
    assert (result["uploads"], result["product_get_pages"]) == (3, 24)
    assert result["qps_seconds"] == 3.0  # 30 calls at the client's 10 QPS, though the sandbox allows 1,000
    assert result["floor_seconds"] == 3.0
    assert result["bound_by"] == "qps"
    assert floor(0, FAST)["floor_seconds"] == 0.0


def _stat_line(pid: int, comm: str, ppid: int, ticks: tuple[int, int, int, int]) -> str:
    # Fields 3..17 of /proc/<pid>/stat: state, ppid, pgrp, session, tty, tpgid, flags, minflt, cminflt,
    # majflt, cmajflt, utime, stime, cutime, cstime; then the rest.
    fields = ["S", str(ppid), "1", "1", "0", "-1", "0", "0", "0", "0", "0", *map(str, ticks), "20", "0"]
    return f"{pid} ({comm}) " + " ".join(fields) + "\n"


def test_parse_stat_reads_past_a_command_name_with_spaces_and_parentheses():
    stat = parse_stat(_stat_line(42, "celery (worker) x", 7, (100, 50, 30, 20)))
    assert stat.ppid == 7
    assert stat.own == 150 / TICK
    assert stat.reaped == 50 / TICK


def test_tree_cpu_adds_descendants_and_their_reaped_children_not_other_processes(tmp_path: Path):
    for pid, ppid, ticks in (
        (10, 1, (100, 0, 40, 0)),  # the worker: 40 ticks of pool children that exited
        (11, 10, (200, 100, 0, 0)),  # a pool child
        (12, 11, (5, 5, 0, 0)),  # its child
        (20, 1, (999, 999, 999, 999)),  # not ours
    ):
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "stat").write_text(_stat_line(pid, "p", ppid, ticks))
    (tmp_path / "self").mkdir()  # not a pid
    assert tree_cpu(10, tmp_path) == pytest.approx((100 + 40 + 300 + 10) / TICK)
    assert tree_cpu(11, tmp_path) == pytest.approx(310 / TICK)


def test_machine_ticks_counts_iowait_as_idle(tmp_path: Path):
    (tmp_path / "stat").write_text("cpu  100 10 50 800 40 5 5 0 0 0\ncpu0 1 1 1 1 1 1 1 0 0 0\n")
    busy, total = machine_ticks(tmp_path)
    assert busy == 170 / TICK
    assert total == 1010 / TICK


def test_backend_times_count_new_backends_from_zero_and_keep_what_exited_ones_used():
    times = BackendTimes()
    times.update({1: 5.0, 2: 1.0})  # before the run: baselines, nothing counted
    assert times.total() == 0.0
    times.update({1: 5.5, 2: 1.25, 3: 0.5})  # 3 was forked during the run
    assert times.total() == 0.5 + 0.25 + 0.5
    times.update({1: 6.0, 3: 0.75})  # 2 exited after its last sample
    assert times.exited == 1
    assert times.total() == 1.0 + 0.25 + 0.75


def test_tree_cpu_of_a_live_process_includes_a_child_that_exited():
    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass\n"
    parent = (
        "import subprocess, sys\n"
        f"subprocess.run([sys.executable, '-c', {burn!r}], check=True)\n"
        "print('done', flush=True)\n"
        "sys.stdin.read()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", parent], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline() == "done\n"
        assert tree_cpu(proc.pid) >= 0.3
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)
