"""Retries: exponential backoff with jitter, bounded, only for what is retryable."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tiktok_api import RetryableError, RetryPolicy, ThrottledError

from .conftest import BASE, TOKEN, envelope

OVERVIEW = f"{BASE}/open_api/v1.3/catalog/overview/"


@settings(deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 12))
def test_backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half(seed, attempt):
    policy = RetryPolicy(base_delay=1.0, max_delay=16.0)
    ceiling = min(16.0, 2.0 ** (attempt - 1))
    delay = policy.delay(attempt, random.Random(seed))
    assert ceiling / 2 <= delay <= ceiling


def test_server_error_then_success_is_retried_once(client, mocked, clock):
    mocked.get(OVERVIEW, json=envelope(code=50002, message="Internal error"))
    mocked.get(OVERVIEW, json=envelope({"approved": 4}))
    assert client.catalog_overview(TOKEN, bc_id="1", catalog_id="2").approved == 4
    assert len(mocked.calls) == 2
    assert len(clock.slept) == 1 and 0.5 <= clock.slept[0] <= 1.0


def test_backoff_sleeps_grow_and_stop_after_max_attempts(client, mocked, clock):
    mocked.get(OVERVIEW, json=envelope(code=50000, message="System error"))
    with pytest.raises(RetryableError):
        client.catalog_overview(TOKEN, bc_id="1", catalog_id="2")
    assert len(mocked.calls) == 5
    for attempt, slept in enumerate(clock.slept, start=1):
        assert 2 ** (attempt - 1) / 2 <= slept <= 2 ** (attempt - 1)


def test_a_per_second_throttle_waits_then_succeeds(client, mocked, clock):
    mocked.get(OVERVIEW, json=envelope(code=40100, message="App reaches the QPS limit."))
    mocked.get(OVERVIEW, json=envelope({"approved": 1}))
    assert client.catalog_overview(TOKEN, bc_id="1", catalog_id="2").approved == 1
    assert clock.slept[0] >= 1.0


def test_a_throttle_asking_longer_than_the_inline_limit_is_raised(make_client, mocked, clock):
    client = make_client(retry=RetryPolicy(max_inline_wait=0.5))
    mocked.get(OVERVIEW, json=envelope(code=40133, message="Advertiser QPS reaches QPS limit"))
    with pytest.raises(ThrottledError):
        client.catalog_overview(TOKEN, bc_id="1", catalog_id="2")
    assert len(mocked.calls) == 1 and clock.slept == []


def test_every_attempt_goes_through_the_rate_limiter(make_client, mocked, clock):
    from tiktok_api import RateLimiter

    limiter = RateLimiter(clock=clock, app_qps=1)
    client = make_client(
        rate_limiter=limiter, retry=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.01)
    )
    mocked.get(OVERVIEW, json=envelope(code=50002, message="x"))
    with pytest.raises(RetryableError):
        client.catalog_overview(TOKEN, bc_id="1", catalog_id="2")
    assert len(mocked.calls) == 3
    assert clock.now() - 1_700_000_000.0 >= 2.0, "three sends at 1 QPS take at least two seconds"


def test_a_throttle_that_outlasts_the_retries_on_a_minute_limited_endpoint_pauses_it(client, mocked, clock):
    upload = f"{BASE}/open_api/v1.3/catalog/product/upload/"
    mocked.post(upload, json=envelope(code=40100, message="App reaches the QPS limit."))
    with pytest.raises(ThrottledError) as info:
        client.product_upload(TOKEN, bc_id="1", catalog_id="2", products=[{"sku_id": "a"}])
    assert len(mocked.calls) == 5
    assert info.value.per_minute is True and info.value.retry_after == 300.0
    assert client.rate_limiter.try_acquire("catalog/product/upload", "another-store") > 299


def test_a_persistent_throttle_on_an_endpoint_without_minute_limit_does_not_pause(client, mocked, clock):
    mocked.get(OVERVIEW, json=envelope(code=40100, message="App reaches the QPS limit."))
    with pytest.raises(ThrottledError) as info:
        client.catalog_overview(TOKEN, bc_id="1", catalog_id="2")
    assert info.value.per_minute is False
    assert client.rate_limiter.try_acquire("catalog/overview", "x") == 0.0
