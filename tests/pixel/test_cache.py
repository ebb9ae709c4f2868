"""The per-store pixel config cache: no query on a warm cache, and a disconnect seen by every web
process within 5 seconds (shared Redis: next request; memory + DB stamp: at most 2 s)."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from pixel import cache as pixel_cache
from pixel.cache import LocalConfigs, PixelConfig, pixel_config_for_account, pixel_config_invalidate
from pixel.models import PixelConfigStamp
from store.models import CmsKind

from .conftest import PIXEL_CODE, disconnect

pytestmark = pytest.mark.django_db


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_config_values(store: Any, connect: Any) -> None:
    connect(store, advanced_matching=True)
    assert pixel_config_for_account(store.account) == PixelConfig(
        store_id=store.pk,
        account=store.account,
        pixel_code=PIXEL_CODE,
        advanced_matching=True,
        purchase_event="PlaceAnOrder",
        require_consent=False,
        currency="BRL",
    )


def test_other_web_process_sees_a_disconnect_within_the_check_interval(store: Any, connect: Any) -> None:
    """Two web processes = two independent memories sharing only the database."""
    conn = connect(store)
    clock = FakeClock()
    other_process = LocalConfigs(clock=clock)
    assert other_process.get(store.account).pixel_code == PIXEL_CODE
    disconnect(conn)  # done by "this" process
    clock.now += 1.0
    with CaptureQueriesContext(connection) as queries:
        still = other_process.get(store.account)
    assert still is not None and queries.captured_queries == []  # no query inside the interval
    clock.now += 1.5  # 2.5 s after the disconnect: < 5 s
    assert other_process.get(store.account) is None


def test_memory_mode_makes_one_stamp_query_per_interval_at_most(store: Any, connect: Any) -> None:
    connect(store)
    clock = FakeClock()
    proc = LocalConfigs(clock=clock)
    proc.get(store.account)
    counts = []
    for _ in range(5):
        clock.now += 0.3
        with CaptureQueriesContext(connection) as queries:
            proc.get(store.account)
        counts.append(len(queries.captured_queries))
    assert counts == [0, 0, 0, 0, 0]
    clock.now += 2.0
    with CaptureQueriesContext(connection) as queries:
        proc.get(store.account)
    assert len(queries.captured_queries) == 1  # the stamp; the config itself is still valid


def test_invalidate_inside_a_transaction_acts_again_after_commit(
    store: Any, connect: Any, django_capture_on_commit_callbacks: Any
) -> None:
    connect(store)
    before = PixelConfigStamp.objects.get(pk=1).version
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        pixel_config_invalidate(store.pk)
    assert len(callbacks) == 1
    assert PixelConfigStamp.objects.get(pk=1).version == before + 2


def test_non_io_store_is_cached_as_no_pixel(make_store: Any, connect: Any) -> None:
    legacy = make_store(cms_kind=CmsKind.LEGACY)
    connect(legacy)
    assert pixel_config_for_account(legacy.account) is None
    with CaptureQueriesContext(connection) as queries:
        assert pixel_config_for_account(legacy.account) is None
    assert queries.captured_queries == []


REDIS_URL = os.environ.get("PIXEL_TEST_REDIS_URL", "redis://127.0.0.1:6379/4")


@pytest.fixture
def redis_cache(settings: Any) -> Any:
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except Exception:
        pytest.skip(f"no Redis at {REDIS_URL}")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "pixel-tests",
        }
    }
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()


@pytest.mark.services
def test_shared_cache_disconnect_is_seen_on_the_next_request(
    store: Any, connect: Any, redis_cache: Any
) -> None:
    assert pixel_cache.shared_cache_enabled()
    conn = connect(store)
    assert pixel_config_for_account(store.account).pixel_code == PIXEL_CODE
    with CaptureQueriesContext(connection) as queries:
        assert pixel_config_for_account(store.account).pixel_code == PIXEL_CODE
    assert queries.captured_queries == []
    assert redis_cache.get(pixel_cache.CACHE_PREFIX + store.account)["pixel_code"] == PIXEL_CODE
    disconnect(conn)
    assert redis_cache.get(pixel_cache.CACHE_PREFIX + store.account) is None
    assert pixel_config_for_account(store.account) is None


@pytest.mark.services
def test_cache_outage_serves_pages_without_the_pixel(store: Any, connect: Any, settings: Any) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    connect(store)
    assert pixel_config_for_account(store.account) is None


@pytest.mark.parametrize(
    ("backend", "shared"),
    [
        ("django.core.cache.backends.locmem.LocMemCache", False),
        ("django.core.cache.backends.filebased.FileBasedCache", False),
        ("django.core.cache.backends.dummy.DummyCache", False),
        ("django.core.cache.backends.redis.RedisCache", True),
        ("django.core.cache.backends.memcached.PyMemcacheCache", True),
    ],
)
def test_only_cross_process_backends_count_as_shared(settings: Any, backend: str, shared: bool) -> None:
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": "x"}}
    assert pixel_cache.shared_cache_enabled() is shared


@pytest.mark.django_db(transaction=True)
def test_watcher_thread_keeps_page_views_query_free_and_sees_a_disconnect(
    store: Any, connect: Any, settings: Any
) -> None:
    import time

    settings.PIXEL_CONFIG_CHECK_SECONDS = 0.2
    conn = connect(store)
    proc = LocalConfigs(watch=True)  # another web process, with its watcher thread
    try:
        assert proc.get(store.account).pixel_code == PIXEL_CODE  # first view of this store: loads it
        deadline = time.monotonic() + 3
        while proc.stamp is None and time.monotonic() < deadline:
            time.sleep(0.05)
        # a load that raced the watcher's first round is answered but not remembered: load it again
        proc.get(store.account)
        with CaptureQueriesContext(connection) as queries:
            for _ in range(20):
                assert proc.get(store.account) is not None
        assert queries.captured_queries == []  # the stamp is read by the watcher, not by page views
        disconnect(conn)
        started = time.monotonic()
        with CaptureQueriesContext(connection) as queries:
            while proc.get(store.account) is not None:
                assert time.monotonic() - started < 5, "the watcher did not see the disconnect"
                time.sleep(0.05)
        assert queries.captured_queries == []
    finally:
        proc.stop()


@pytest.mark.services
def test_shared_mode_other_process_sees_a_change_within_the_local_ttl(
    store: Any, connect: Any, redis_cache: Any, settings: Any
) -> None:
    clock = FakeClock()
    previous = pixel_cache.memo_clock_use(clock)
    try:
        _memo_expires_after_its_ttl(store, connect, redis_cache, settings, clock)
    finally:
        pixel_cache.memo_clock_use(previous)


def _memo_expires_after_its_ttl(
    store: Any, connect: Any, redis_cache: Any, settings: Any, clock: Any
) -> None:
    settings.PIXEL_CONFIG_LOCAL_TTL = 0.3
    conn = connect(store)
    assert pixel_config_for_account(store.account) is not None
    # Another process disconnects: the shared entry goes, this process's memo is not told.
    type(conn).objects.filter(pk=conn.pk).update(status="disconnected")
    redis_cache.delete(pixel_cache.CACHE_PREFIX + store.account)
    with CaptureQueriesContext(connection) as queries:
        assert pixel_config_for_account(store.account) is not None  # still within the memo's second
    assert queries.captured_queries == []
    clock.now += 0.29
    assert pixel_config_for_account(store.account) is not None, "the memo lasts its whole TTL"
    clock.now += 0.02
    assert pixel_config_for_account(store.account) is None
