"""The sandbox's timing model: feed processing that grows with the products of a write, and review delays
drawn per product from an exponential distribution with a seed (what `python -m bench --timings production`
configures)."""

from __future__ import annotations

import calendar
import statistics
import time
from collections.abc import Callable
from typing import Any

import pytest

from sandbox.runtime import DEFAULT_CONFIG, review_delay
from tests.sandbox.conftest import product

pytestmark = pytest.mark.slow


def _wait(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def _upload(api, conn: dict[str, Any], products: list[dict[str, Any]]) -> str:
    result = api(
        "POST",
        "catalog/product/upload",
        token=conn["access_token"],
        body={"bc_id": conn["bc_id"], "catalog_id": conn["catalog_id"], "products": products},
    )
    assert result["code"] == 0, result
    return result["data"]["feed_log_id"]


def _feed_status(sandbox, catalog_id: str, feed_log_id: str) -> str:
    logs = {log["feed_log_id"]: log for log in sandbox.admin.feed_logs(catalog_id)}
    return logs[feed_log_id]["process_status"]


def test_defaults_keep_the_old_timings():
    assert DEFAULT_CONFIG["feed_process_per_product_seconds"] == 0.0
    assert DEFAULT_CONFIG["review_delay_mean_seconds"] == 0.0
    assert review_delay(7, 0.0, "cat", "sku", 1) == 0.0


def test_review_delay_is_a_repeatable_exponential_draw():
    draws = [review_delay(7, 30.0, "7300000000000000001", f"SKU-{i}", 1) for i in range(20000)]
    # The same seed and product revision give the same delay, whatever was drawn before.
    assert review_delay(7, 30.0, "7300000000000000001", "SKU-5", 1) == draws[5]
    assert [review_delay(7, 30.0, "7300000000000000001", f"SKU-{i}", 1) for i in (9, 3, 5)] == [
        draws[9],
        draws[3],
        draws[5],
    ]
    # Another seed, catalog or revision is another draw.
    assert review_delay(8, 30.0, "7300000000000000001", "SKU-5", 1) != draws[5]
    assert review_delay(7, 30.0, "7300000000000000002", "SKU-5", 1) != draws[5]
    assert review_delay(7, 30.0, "7300000000000000001", "SKU-5", 2) != draws[5]
    # Exponential with mean 30: mean and median (30 ln 2) of 20,000 draws, all positive.
    assert min(draws) > 0
    assert 29.0 < statistics.fmean(draws) < 31.0
    assert 20.0 < statistics.median(draws) < 21.6


def test_feed_processing_time_grows_with_the_products_of_the_write(sandbox, api):
    sandbox.admin.config(
        feed_wait_seconds=0,
        feed_process_seconds=0,
        feed_process_per_product_seconds=0.003,
        image_fetch=False,
        review_seconds=3600,
    )
    small, big = sandbox.admin.connect("loja-small"), sandbox.admin.connect("loja-big")
    big_log = _upload(api, big, [product(f"B-{i}") for i in range(1000)])  # 3 s of processing
    small_log = _upload(api, small, [product("S-1")])  # 3 ms
    _wait(lambda: _feed_status(sandbox, small["catalog_id"], small_log) == "SUCCESS")
    assert _feed_status(sandbox, big["catalog_id"], big_log) == "PROCESSING"
    _wait(lambda: _feed_status(sandbox, big["catalog_id"], big_log) == "SUCCESS")
    log = next(x for x in sandbox.admin.feed_logs(big["catalog_id"]) if x["feed_log_id"] == big_log)
    assert log["add_count"] == 1000
    started = calendar.timegm(time.strptime(log["start_time"], "%Y-%m-%d %H:%M:%S"))
    ended = calendar.timegm(time.strptime(log["end_time"], "%Y-%m-%d %H:%M:%S"))
    assert ended - started >= 2  # 3 s, shown to the second


def test_review_waits_for_each_products_drawn_delay(sandbox, api, conn):
    mean, seed = 1000.0, 11
    sandbox.admin.config(
        feed_wait_seconds=0,
        feed_process_seconds=0,
        image_fetch=False,
        review_seconds=0,
        review_delay_mean_seconds=mean,
        review_delay_seed=seed,
    )
    delays = {f"R-{i}": review_delay(seed, mean, conn["catalog_id"], f"R-{i}", 1) for i in range(20000)}
    quick = next(sku for sku, d in delays.items() if d < 1.0)
    slow = next(sku for sku, d in delays.items() if d > 600.0)
    _upload(api, conn, [product(slow), product(quick)])

    def audit() -> dict[str, str]:
        return {p["sku_id"]: p["audit"]["audit_status"] for p in sandbox.admin.products(conn["catalog_id"])}

    _wait(lambda: audit().get(quick) == "approved")
    # Stored at the same moment, but its draw is over ten minutes: still in review.
    assert audit() == {quick: "approved", slow: "processing"}
