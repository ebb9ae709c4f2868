"""The Django side of `tiktok_api`: a `TikTokClient` built from settings, and `external_data` signing
with the app's key. Everything TikTok-specific lives in `tiktok_api`; this module only wires settings. It is
the one client factory of every channel, and lives in `integration`, the channel app the others may use.

With `REDIS_URL` set, the rate limiter and the catalog write lock live in Redis, so every web and worker
process shares TikTok's per-app and per-endpoint quotas and the one-write-per-catalog rule.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Any

import redis
from django.conf import settings

from tiktok_api import CatalogLock, RateLimiter, TikTokClient, external_data_build

EXTERNAL_DATA_VERSION = "1.0"

_lock = threading.Lock()
_cached: dict[tuple[Any, ...], TikTokClient] = {}


def _config() -> tuple[Any, ...]:
    # The pid is part of the key: a client built before a fork must not share its sockets with children.
    return (
        os.getpid(),
        settings.TIKTOK_API_BASE_URL,
        settings.TIKTOK_APP_ID,
        settings.TIKTOK_APP_SECRET,
        float(settings.TIKTOK_CONNECT_TIMEOUT),
        float(settings.TIKTOK_HTTP_TIMEOUT),
        int(settings.TIKTOK_APP_QPS),
        getattr(settings, "REDIS_URL", "") or "",
    )


def client_cache_clear() -> None:
    """Forget the process's client, so the next `client()` is built afresh (tests: a fresh limiter)."""
    with _lock:
        _cached.clear()


def client() -> TikTokClient:
    """The process's TikTokClient (rebuilt when the TikTok settings change, e.g. under override_settings)."""
    key = _config()
    with _lock:
        existing = _cached.get(key)
        if existing is not None:
            return existing
        _, base_url, app_id, app_secret, connect_timeout, read_timeout, app_qps, redis_url = key
        redis_client: Any = None
        if redis_url:
            redis_client = redis.Redis.from_url(redis_url)
        built = TikTokClient(
            base_url,
            app_id,
            app_secret,
            timeout=(connect_timeout, read_timeout),
            rate_limiter=RateLimiter(app_qps=app_qps, redis=redis_client),
            lock=CatalogLock(redis=redis_client),
        )
        _cached.clear()
        _cached[key] = built
        return built


def external_data_for(fields: Mapping[str, Any]) -> str:
    """Sign `fields` for TikTok's onboarding with TIKTOK_EXTERNAL_DATA_KEY. `business_platform` defaults to
    TIKTOK_BUSINESS_PLATFORM, `version` to 1.0 and `timestamp` to now. The result is a credential: keep it
    out of logs and task arguments."""
    payload = dict(fields)
    payload.setdefault("business_platform", settings.TIKTOK_BUSINESS_PLATFORM)
    payload.setdefault("version", EXTERNAL_DATA_VERSION)
    return external_data_build(payload, settings.TIKTOK_EXTERNAL_DATA_KEY)
