"""Rate limiter on a fake clock: never more than a limit in any window, pauses, fairness between stores.
The same scenarios run against the in-process backend and (with REDIS_URL) the Redis one."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tiktok_api import FakeClock, RateLimiter, ThrottledError
from tiktok_api.ratelimit import EndpointLimit, Limit


def _max_in_any_window(times: list[float], window: float) -> int:
    """Largest number of grants inside any half-open interval [t, t+window)."""
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while times[start] <= t - window:
            start += 1
        best = max(best, end - start + 1)
    return best


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.services)])
def make_limiter(request):
    def make(clock: FakeClock, **kwargs) -> RateLimiter:
        if request.param == "redis":
            conn = request.getfixturevalue("redis_client")
            kwargs.setdefault("redis", conn)
            kwargs.setdefault("key_prefix", conn.test_prefix)
        kwargs.setdefault("margin", 0.0)
        return RateLimiter(clock=clock, **kwargs)

    return make


def _drive(limiter: RateLimiter, clock: FakeClock, endpoint: str, tenant: str | None, n: int) -> list[float]:
    granted = []
    for _ in range(n):
        limiter.acquire(endpoint, tenant, max_wait=10_000)
        granted.append(clock.now())
    return granted


def test_app_qps_is_never_exceeded_in_any_second(make_limiter):
    clock = FakeClock()
    limiter = make_limiter(clock, app_qps=10)
    granted = _drive(limiter, clock, "catalog/get", None, 55)
    assert _max_in_any_window(granted, 1.0) == 10
    assert granted[-1] - granted[0] >= 5.0


def test_upload_is_held_to_5_per_second_and_300_per_minute(make_limiter):
    clock = FakeClock()
    limiter = make_limiter(clock, app_qps=50)
    granted = _drive(limiter, clock, "catalog/product/upload", "cat-1", 320)
    assert _max_in_any_window(granted, 1.0) == 5
    assert _max_in_any_window(granted, 60.0) == 300
    assert granted[300] - granted[0] >= 60.0


def test_update_and_delete_are_held_to_2_per_second_and_120_per_minute(make_limiter):
    clock = FakeClock()
    limiter = make_limiter(clock, app_qps=50)
    granted = _drive(limiter, clock, "/catalog/product/delete/", "cat-1", 130)
    assert _max_in_any_window(granted, 1.0) == 2
    assert _max_in_any_window(granted, 60.0) == 120


def test_endpoint_limits_also_count_toward_the_app_quota(make_limiter):
    clock = FakeClock()
    limiter = make_limiter(clock, app_qps=3)
    for _ in range(3):
        assert limiter.try_acquire("catalog/product/upload", "c") == 0.0
    assert limiter.try_acquire("catalog/get", "c") > 0, "the app's 3 QPS are used up by the uploads"


def test_events_do_not_use_the_app_quota(make_limiter):
    clock = FakeClock()
    limiter = make_limiter(clock, app_qps=1)
    assert limiter.try_acquire("catalog/get") == 0.0
    for _ in range(20):
        assert limiter.try_acquire("event/track", "PIXEL") == 0.0


def test_acquire_raises_throttled_when_the_wait_exceeds_max_wait(make_limiter):
    clock = FakeClock()
    limiter = make_limiter(clock, app_qps=1)
    limiter.acquire("catalog/get")
    with pytest.raises(ThrottledError) as info:
        limiter.acquire("catalog/get", max_wait=0.5)
    assert 0.9 < info.value.retry_after <= 1.01
    assert info.value.code is None
    assert clock.slept == []


def test_pause_stops_an_endpoint_for_everyone_until_it_ends(make_limiter):
    clock = FakeClock()
    limiter = make_limiter(clock)
    limiter.pause("catalog/product/upload", 300)
    assert 299.9 < limiter.try_acquire("catalog/product/upload", "any") <= 300.01
    assert limiter.try_acquire("catalog/get", "any") == 0.0
    clock.advance(300.0)
    assert limiter.try_acquire("catalog/product/upload", "any") == 0.0
    limiter.pause(None, 10)
    assert limiter.try_acquire("catalog/get") > 9.9, "an app-wide pause stops every endpoint"


def test_a_big_catalog_cannot_starve_a_small_one(make_limiter):
    """A flood of upload requests for one catalog, one request per tick for another: the small catalog
    is never kept waiting past one window, and gets about half the endpoint while both are busy."""
    clock = FakeClock()
    limiter = make_limiter(clock, app_qps=50)
    grants: Counter[str] = Counter()
    small_waits = []
    for _tick in range(40):  # 40 × 0.25 s = 10 s of contention
        small_asked = clock.now()
        for attempt in range(30):
            tenant = "small" if attempt == 3 else "big"
            if limiter.try_acquire("catalog/product/upload", tenant) == 0.0:
                grants[tenant] += 1
                if tenant == "small":
                    small_waits.append(clock.now() - small_asked)
        clock.advance(0.25)
    assert grants["small"] >= 19, grants
    assert grants["big"] <= 31, grants
    assert grants["big"] + grants["small"] <= 50
    assert max(small_waits) == 0.0


def test_a_lone_store_gets_the_whole_limit(make_limiter):
    clock = FakeClock()
    limiter = make_limiter(clock, app_qps=50)
    assert [limiter.try_acquire("catalog/product/upload", "only") for _ in range(5)] == [0.0] * 5
    clock.advance(10)  # the other tenant's activity has expired
    limiter.try_acquire("catalog/product/upload", "b")
    clock.advance(10)
    assert [limiter.try_acquire("catalog/product/upload", "only") for _ in range(5)] == [0.0] * 5


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    qps=st.integers(1, 8),
    tenants=st.integers(1, 4),
    steps=st.lists(st.floats(0, 0.7), min_size=10, max_size=120),
)
def test_property_no_window_ever_exceeds_any_limit(seed, qps, tenants, steps):
    rng = random.Random(seed)
    clock = FakeClock()
    limiter = RateLimiter(
        clock=clock,
        margin=0.0,
        app_qps=qps,
        endpoint_limits={"catalog/product/update": EndpointLimit((Limit(2, 1.0), Limit(7, 5.0)))},
    )
    app_grants, update_grants = [], []
    for step in steps:
        clock.advance(step)
        for _ in range(rng.randint(1, 6)):
            endpoint = rng.choice(["catalog/get", "catalog/product/update"])
            if limiter.try_acquire(endpoint, f"t{rng.randrange(tenants)}") == 0.0:
                app_grants.append(clock.now())
                if endpoint == "catalog/product/update":
                    update_grants.append(clock.now())
    assert _max_in_any_window(app_grants, 1.0) <= qps
    assert _max_in_any_window(update_grants, 1.0) <= 2
    assert _max_in_any_window(update_grants, 5.0) <= 7


def test_waits_returned_are_exact_enough_to_sleep_on(make_limiter):
    clock = FakeClock()
    limiter = make_limiter(clock, app_qps=2)
    limiter.acquire("catalog/get")
    clock.advance(0.3)
    limiter.acquire("catalog/get")
    wait = limiter.try_acquire("catalog/get")
    assert 0.69 < wait < 0.71
    clock.advance(wait)
    assert limiter.try_acquire("catalog/get") == 0.0


@pytest.mark.services
def test_two_limiters_on_one_redis_share_the_quota(redis_client):
    clock = FakeClock()
    a = RateLimiter(clock=clock, app_qps=4, redis=redis_client, key_prefix=redis_client.test_prefix)
    b = RateLimiter(clock=clock, app_qps=4, redis=redis_client, key_prefix=redis_client.test_prefix)
    assert a.margin == 0.25
    assert a.shared and b.shared
    results = [lim.try_acquire("catalog/get") == 0.0 for lim in (a, b, a, b, a, b)]
    assert results == [True, True, True, True, False, False]
    a.pause("catalog/get", 60)
    clock.advance(1.5)
    assert b.try_acquire("catalog/get") > 58


def test_the_default_margin_keeps_grants_apart_by_more_than_the_window(make_limiter):
    """We count at send time, TikTok at arrival: with the default 0.25 s margin, even requests that
    arrive up to 0.25 s closer together than they were sent stay within TikTok's window."""
    clock = FakeClock()
    limiter = make_limiter(clock, app_qps=10, margin=0.25)
    granted = _drive(limiter, clock, "catalog/get", "s", 40)
    assert _max_in_any_window(granted, 1.25) == 10
    assert granted[10] - granted[0] >= 1.25
