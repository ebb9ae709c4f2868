"""The engine's tunables (`CATALOG_SYNC_*` settings, read on every use so tests can override them) and
the wait before a retry."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from tiktok_api import backoff_delay

MAX_ITEM_ATTEMPTS = 3
REVIEW_CHUNK = 1000


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def upload_batch_size() -> int:
    return min(5000, int(_setting("CATALOG_SYNC_UPLOAD_BATCH", 5000)))


def delete_batch_size() -> int:
    return min(1000, int(_setting("CATALOG_SYNC_DELETE_BATCH", 1000)))


def sweep_chunk() -> int:
    return max(1, int(_setting("CATALOG_SYNC_SWEEP_CHUNK", 2000)))


def poll_seconds() -> float:
    return float(_setting("CATALOG_SYNC_POLL_SECONDS", 2))


def review_poll_seconds() -> float:
    return float(_setting("CATALOG_SYNC_REVIEW_POLL_SECONDS", 30))


def max_backoff_seconds() -> float:
    return float(_setting("CATALOG_SYNC_MAX_BACKOFF_SECONDS", 300))


def feed_log_give_up_seconds() -> float:
    return float(_setting("CATALOG_SYNC_FEED_LOG_GIVE_UP_SECONDS", 1800))


def retention_days() -> int:
    return int(_setting("CATALOG_SYNC_RETENTION_DAYS", 30))


def sync_now_interval() -> int:
    return int(_setting("CATALOG_SYNC_NOW_INTERVAL_SECONDS", 60))


def retry_wait(attempts: int, hint: float | None = None) -> float:
    """2 s for the first retry, doubling, never past CATALOG_SYNC_MAX_BACKOFF_SECONDS; TikTok's own
    retry-after wins when it asks for longer. The doubling stops at 1,024 s (nine doublings of 2 s) in
    case the cap is configured above that."""
    return backoff_delay(attempts, base=2.0, cap=max_backoff_seconds(), at_least=hint, max_doublings=9)
