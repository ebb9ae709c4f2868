"""The sandbox timings a sync bench runs with, and the floor they allow.

`fast` (the default, what CI runs): TikTok answers at once (feed processing and review take no time, the
sandbox's app QPS is 1,000); the app keeps its own client limits (10 QPS app-wide, 5 for uploads) and polls
every 0.2 s. `production`: TikTok's limits (10 QPS app-wide, 5 for uploads), feed processing of 2 s + 0.5 ms
per product, review delays drawn from an exponential distribution (30 s mean, fixed seed), and the app's
real poll intervals (its settings' defaults and the beat schedule)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

UPLOAD_BATCH = 5000
PRODUCT_GET_PAGE = 500
# The app's client limits (tiktok_api.ratelimit defaults, TIKTOK_APP_QPS): the sandbox's bind only below them.
CLIENT_APP_QPS = 10
CLIENT_UPLOAD_QPS = 5


@dataclass(frozen=True)
class Timings:
    name: str
    sandbox: dict[str, Any]
    # CATALOG_SYNC_* settings of the app's processes; empty: the settings' defaults (the real intervals).
    app_env: dict[str, str] = field(default_factory=dict)

    @property
    def app_qps(self) -> int:
        return min(CLIENT_APP_QPS, int(self.sandbox["app_qps"]))

    @property
    def upload_qps(self) -> int:
        return min(CLIENT_UPLOAD_QPS, int(self.sandbox["endpoint_limits"]["catalog/product/upload"]["qps"]))

    def describe(self) -> dict[str, Any]:
        s = self.sandbox
        return {
            "timings": self.name,
            "qps_limits": {"app": self.app_qps, "catalog/product/upload": self.upload_qps},
            "sandbox_app_qps": s["app_qps"],
            "feed_wait_seconds": s["feed_wait_seconds"],
            "feed_processing": (
                f"{s['feed_process_seconds']} s"
                f" + {s['feed_process_per_product_seconds'] * 1000:g} ms per product"
            ),
            "review_delay": (
                f"{s['review_seconds']} s + exponential, mean {s['review_delay_mean_seconds']} s,"
                f" seed {s['review_delay_seed']}"
            ),
            "app_poll_intervals": self.app_env
            or "the settings' defaults (CATALOG_SYNC_POLL_SECONDS 2 s, "
            "CATALOG_SYNC_REVIEW_POLL_SECONDS 30 s) and the beat schedule",
        }


_COMMON = {
    "image_fetch": False,  # no image server in the bench: every image counts as 1000x1000
    "allow_http_images": True,
    "endpoint_limits": {"catalog/product/upload": {"qps": 5, "per_minute": 300}},
}

FAST = Timings(
    "fast",
    sandbox={
        **_COMMON,
        "app_qps": 1000,
        "catalog_writes_per_hour": 100000,
        "feed_wait_seconds": 0.0,
        "feed_process_seconds": 0.0,
        "feed_process_per_product_seconds": 0.0,
        "review_seconds": 0.0,
        "review_delay_mean_seconds": 0.0,
        "review_delay_seed": 0,
    },
    app_env={"CATALOG_SYNC_POLL_SECONDS": "0.2", "CATALOG_SYNC_REVIEW_POLL_SECONDS": "0.5"},
)

PRODUCTION = Timings(
    "production",
    sandbox={
        **_COMMON,
        "app_qps": 10,
        "catalog_writes_per_hour": 1000,
        "feed_wait_seconds": 0.0,
        "feed_process_seconds": 2.0,
        "feed_process_per_product_seconds": 0.0005,
        "review_seconds": 0.0,
        "review_delay_mean_seconds": 30.0,
        "review_delay_seed": 14,
    },
)

PROFILES = {t.name: t for t in (FAST, PRODUCTION)}


def harmonic(n: int) -> float:
    return sum(1.0 / k for k in range(1, n + 1)) if n < 1000 else math.log(n) + 0.5772156649 + 1 / (2 * n)


def floor(eligible: int, timings: Timings) -> dict[str, Any]:
    """The least wall time TikTok allows for a full sync of `eligible` SKUs:
    max(API calls / their QPS limits, serialized feed processing + one mean review delay).

    The calls are the fewest a full sync needs: one upload per 5,000 SKUs, one feed-log check per upload,
    one product/get page per 500 SKUs for the review. Feed processing is serialized (one write in flight per
    catalog). Beside it: when the last review is expected to end (the slowest of the last batch's draws,
    mean x H(n)), which bounds the time until every SKU has its final state."""
    s = timings.sandbox
    uploads = math.ceil(eligible / UPLOAD_BATCH)
    pages = math.ceil(eligible / PRODUCT_GET_PAGE)
    calls = uploads * 2 + pages
    qps_seconds = max(calls / timings.app_qps, uploads / timings.upload_qps)
    feed_seconds = uploads * (
        float(s["feed_wait_seconds"]) + float(s["feed_process_seconds"])
    ) + eligible * float(s["feed_process_per_product_seconds"])
    mean_review = float(s["review_seconds"]) + float(s["review_delay_mean_seconds"])
    feed_review = feed_seconds + mean_review
    last_batch = eligible - (uploads - 1) * UPLOAD_BATCH if uploads else 0
    tail = float(s["review_seconds"]) + float(s["review_delay_mean_seconds"]) * harmonic(last_batch)
    return {
        "uploads": uploads,
        "product_get_pages": pages,
        "api_calls": calls,
        "qps_seconds": round(qps_seconds, 2),
        "feed_processing_seconds": round(feed_seconds, 2),
        "mean_review_seconds": mean_review,
        "floor_seconds": round(max(qps_seconds, feed_review), 2),
        "bound_by": "qps" if qps_seconds >= feed_review else "feed processing + review",
        "last_review_expected_seconds": round(max(qps_seconds, feed_seconds + tail), 2),
    }
