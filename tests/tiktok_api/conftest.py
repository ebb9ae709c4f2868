"""Shared pieces for the tiktok_api unit tests: a client on a fake clock (retries and lock waits take no
real time), the reference fixtures, and a Redis connection on the DB reserved for these tests."""

from __future__ import annotations

import json
import os
import random
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import responses

from tiktok_api import CatalogLock, FakeClock, RateLimiter, RetryPolicy, TikTokClient

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "tiktok"
BASE = "https://business-api.test"
APP_ID = "7400000000000000001"
APP_SECRET = "app-secret-value-never-logged"
TOKEN = "tok-8a7b-secret-access-token"


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


def envelope(
    data: Any = None, code: int = 0, message: str = "OK", request_id: str = "req-1"
) -> dict[str, Any]:
    return {"code": code, "message": message, "request_id": request_id, "data": {} if data is None else data}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_client(clock: FakeClock) -> Callable[..., TikTokClient]:
    def make(**kwargs: Any) -> TikTokClient:
        kwargs.setdefault("timeout", (1.0, 2.0))
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("rate_limiter", RateLimiter(clock=clock, app_qps=1000))
        kwargs.setdefault("lock", CatalogLock(clock=clock))
        kwargs.setdefault("retry", RetryPolicy())
        kwargs.setdefault("rng", random.Random(7))
        return TikTokClient(BASE, APP_ID, APP_SECRET, **kwargs)

    return make


@pytest.fixture
def client(make_client: Callable[..., TikTokClient]) -> TikTokClient:
    return make_client()


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def redis_client() -> Iterator[Any]:
    """A real Redis (REDIS_URL, e.g. redis://127.0.0.1:6379/6). Tests use a unique key prefix and remove
    their keys afterwards."""
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL not set")
    import redis

    conn = redis.Redis.from_url(url)
    prefix = f"test-tiktok-api-{uuid.uuid4().hex}"
    conn.test_prefix = prefix  # type: ignore[attr-defined]
    yield conn
    keys = list(conn.scan_iter(f"{prefix}*"))
    if keys:
        conn.delete(*keys)
    conn.close()
