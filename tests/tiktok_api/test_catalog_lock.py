"""Catalog write lock: held from before the write until its feed log leaves WAITING/PROCESSING."""

from __future__ import annotations

import time

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from tiktok_api import CatalogBusyError, CatalogLock, FakeClock, RetryPolicy, WriteConflictError

from .conftest import BASE, TOKEN, envelope

UPLOAD = f"{BASE}/open_api/v1.3/catalog/product/upload/"
LOG = f"{BASE}/open_api/v1.3/catalog/product/log/"


def _log(status: str) -> dict:
    return envelope({"product_feed_log": {"catalog_id": "C", "process_status": status}})


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.services)])
def lock(request) -> CatalogLock:
    if request.param == "redis":
        conn = request.getfixturevalue("redis_client")
        return CatalogLock(redis=conn, key_prefix=conn.test_prefix, write_ttl=30, log_ttl=60)
    return CatalogLock(clock=FakeClock(), write_ttl=30, log_ttl=60)


def test_one_holder_at_a_time_per_catalog(lock):
    token = lock.acquire("C")
    assert token is not None
    assert lock.acquire("C") is None
    assert lock.acquire("D") is not None, "other catalogs are independent"
    assert lock.holder("C").token == token and lock.holder("C").feed_log_id is None


def test_release_needs_the_holders_token(lock):
    token = lock.acquire("C")
    assert lock.release("C", "someone-else") is False
    assert lock.holder("C") is not None
    assert lock.release("C", token) is True
    assert lock.holder("C") is None


def test_the_lock_outlives_the_write_until_its_feed_log_finishes(lock):
    token = lock.acquire("C")
    assert lock.attach_feed_log("C", token, "73474") is True
    assert lock.acquire("C") is None
    assert lock.release_feed_log("C", "99999") is False, "another log finishing does not release it"
    assert lock.holder("C").feed_log_id == "73474"
    assert lock.release_feed_log("C", "73474") is True
    assert lock.acquire("C") is not None


def test_attach_by_a_stale_writer_is_refused(lock):
    token = lock.acquire("C")
    lock.release("C", token)
    other = lock.acquire("C")
    assert lock.attach_feed_log("C", token, "1") is False
    assert lock.holder("C").token == other and lock.holder("C").feed_log_id is None


def test_memory_lock_expires_after_its_ttl():
    clock = FakeClock()
    lock = CatalogLock(clock=clock, write_ttl=30, log_ttl=60)
    token = lock.acquire("C")
    clock.advance(29.9)
    assert lock.acquire("C") is None
    clock.advance(0.2)
    assert lock.acquire("C") is not None, "a writer that died does not block the catalog forever"
    lock2 = CatalogLock(clock=clock, write_ttl=30, log_ttl=60)
    token = lock2.acquire("C")
    lock2.attach_feed_log("C", token, "1")
    clock.advance(59)
    assert lock2.holder("C") is not None
    clock.advance(2)
    assert lock2.holder("C") is None


@pytest.mark.services
def test_redis_lock_expires_after_its_ttl(redis_client):
    lock = CatalogLock(redis=redis_client, key_prefix=redis_client.test_prefix, write_ttl=0.2)
    assert lock.acquire("C") is not None
    assert lock.acquire("C") is None
    time.sleep(0.3)
    assert lock.acquire("C") is not None


@pytest.mark.services
def test_two_processes_share_the_redis_lock(redis_client):
    a = CatalogLock(redis=redis_client, key_prefix=redis_client.test_prefix)
    b = CatalogLock(redis=redis_client, key_prefix=redis_client.test_prefix)
    token = a.acquire("C")
    assert b.acquire("C") is None
    a.attach_feed_log("C", token, "5")
    assert b.holder("C").feed_log_id == "5"
    assert b.release_feed_log("C", "5") is True, "whoever sees the log finish may release it"
    assert a.holder("C") is None


# ---------------------------------------------------------------- through the client


def test_a_second_writer_waits_for_the_first_feed_log_then_writes(client, mocked, clock):
    mocked.post(UPLOAD, json=envelope({"feed_log_id": "1"}))
    first = client.product_upload(TOKEN, bc_id="B", catalog_id="C", products=[{"sku_id": "a"}])
    assert first == "1"
    mocked.replace("POST", UPLOAD, json=envelope({"feed_log_id": "2"}))
    mocked.get(LOG, json=_log("WAITING"))
    mocked.get(LOG, json=_log("PROCESSING"))
    mocked.get(LOG, json=_log("SUCCESS"))
    second = client.product_upload(TOKEN, bc_id="B", catalog_id="C", products=[{"sku_id": "b"}])
    assert second == "2"
    sequence = [(c.request.method, c.request.url.split("?")[0].removeprefix(BASE)) for c in mocked.calls]
    assert sequence == [
        ("POST", "/open_api/v1.3/catalog/product/upload/"),
        ("GET", "/open_api/v1.3/catalog/product/log/"),
        ("GET", "/open_api/v1.3/catalog/product/log/"),
        ("GET", "/open_api/v1.3/catalog/product/log/"),
        ("POST", "/open_api/v1.3/catalog/product/upload/"),
    ], "no write is sent while the previous one is WAITING/PROCESSING"
    assert "feed_log_id=1" in mocked.calls[1].request.url
    assert clock.slept == [1.0, 1.0]
    assert client.lock.holder("C").feed_log_id == "2"


def test_polling_the_log_to_completion_releases_the_lock(client, mocked):
    mocked.post(UPLOAD, json=envelope({"feed_log_id": "7"}))
    client.product_upload(TOKEN, bc_id="B", catalog_id="C", products=[{"sku_id": "a"}])
    mocked.get(LOG, json=_log("PROCESSING"))
    mocked.get(LOG, json=_log("FAILED"))
    assert client.product_log(TOKEN, bc_id="B", catalog_id="C", feed_log_id="7").in_progress
    assert client.lock.holder("C") is not None
    assert client.product_log(TOKEN, bc_id="B", catalog_id="C", feed_log_id="7").done
    assert client.lock.holder("C") is None


def test_a_writer_gives_up_with_catalog_busy_and_sends_nothing(make_client, mocked, clock):
    client = make_client(lock_wait=5.0)
    token = client.lock.acquire("C")
    client.lock.attach_feed_log("C", token, "1")
    mocked.get(LOG, json=_log("PROCESSING"))
    mocked.post(UPLOAD, json=envelope({"feed_log_id": "2"}))
    with pytest.raises(CatalogBusyError) as info:
        client.product_upload(TOKEN, bc_id="B", catalog_id="C", products=[{"sku_id": "a"}])
    assert info.value.retryable is True and info.value.retry_after >= 1.0
    assert not any(c.request.method == "POST" for c in mocked.calls)


def test_write_conflict_from_tiktok_is_retried_with_backoff_under_the_lock(make_client, mocked, clock):
    client = make_client(retry=RetryPolicy(max_attempts=3))
    mocked.post(UPLOAD, json=envelope(code=40202, message="Write or update entity conflict"))
    mocked.post(UPLOAD, json=envelope({"feed_log_id": "9"}))
    assert client.product_upload(TOKEN, bc_id="B", catalog_id="C", products=[{"sku_id": "a"}]) == "9"
    assert len(mocked.calls) == 2
    assert 0.5 <= clock.slept[0] <= 1.0


def test_write_conflict_that_persists_releases_our_lock(make_client, mocked):
    client = make_client(retry=RetryPolicy(max_attempts=2))
    mocked.post(UPLOAD, json=envelope(code=40202, message="Write or update entity conflict"))
    with pytest.raises(WriteConflictError):
        client.product_upload(TOKEN, bc_id="B", catalog_id="C", products=[{"sku_id": "a"}])
    assert client.lock.holder("C") is None


def test_a_log_without_a_known_status_does_not_release_the_lock(client, mocked):
    mocked.post(UPLOAD, json=envelope({"feed_log_id": "7"}))
    client.product_upload(TOKEN, bc_id="B", catalog_id="C", products=[{"sku_id": "a"}])
    mocked.get(LOG, json=envelope({}))
    log = client.product_log(TOKEN, bc_id="B", catalog_id="C", feed_log_id="7")
    assert (log.done, log.in_progress) == (False, False)
    assert client.lock.holder("C").feed_log_id == "7"


class CatalogLockMachine(RuleBasedStateMachine):
    """Random interleavings of writers against a model: at most one holder per catalog, a token only
    works for the holder it was given to, and expiry frees the catalog."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.lock = CatalogLock(clock=self.clock, write_ttl=10, log_ttl=20)
        self.model: dict[str, tuple[str, str | None, float]] = {}  # catalog -> (token, feed_log, expires)
        self.tokens: list[tuple[str, str]] = []
        self.next_log = 0

    def _live(self, catalog: str) -> tuple[str, str | None, float] | None:
        entry = self.model.get(catalog)
        if entry is not None and entry[2] <= self.clock.now():
            del self.model[catalog]
            return None
        return entry

    @rule(catalog=st.sampled_from(["A", "B"]))
    def acquire(self, catalog):
        token = self.lock.acquire(catalog)
        if self._live(catalog) is None:
            assert token is not None
            self.model[catalog] = (token, None, self.clock.now() + 10)
            self.tokens.append((catalog, token))
        else:
            assert token is None

    @rule(data=st.data())
    def attach(self, data):
        if not self.tokens:
            return
        catalog, token = data.draw(st.sampled_from(self.tokens))
        self.next_log += 1
        ok = self.lock.attach_feed_log(catalog, token, str(self.next_log))
        live = self._live(catalog)
        assert ok == (live is not None and live[0] == token)
        if ok:
            self.model[catalog] = (token, str(self.next_log), self.clock.now() + 20)

    @rule(data=st.data())
    def release(self, data):
        if not self.tokens:
            return
        catalog, token = data.draw(st.sampled_from(self.tokens))
        ok = self.lock.release(catalog, token)
        live = self._live(catalog)
        assert ok == (live is not None and live[0] == token)
        if ok:
            del self.model[catalog]

    @rule(catalog=st.sampled_from(["A", "B"]), feed_log=st.integers(1, 6))
    def log_finished(self, catalog, feed_log):
        ok = self.lock.release_feed_log(catalog, str(feed_log))
        live = self._live(catalog)
        assert ok == (live is not None and live[1] == str(feed_log))
        if ok:
            del self.model[catalog]

    @rule(seconds=st.sampled_from([0.5, 5.0, 9.9, 15.0, 25.0]))
    def time_passes(self, seconds):
        self.clock.advance(seconds)

    @invariant()
    def holder_matches_the_model(self):
        for catalog in ("A", "B"):
            live = self._live(catalog)
            state = self.lock.holder(catalog)
            if live is None:
                assert state is None
            else:
                assert (state.token, state.feed_log_id) == (live[0], live[1])


TestCatalogLockMachine = CatalogLockMachine.TestCase
TestCatalogLockMachine.settings = settings(deadline=None, max_examples=60, stateful_step_count=30)


def test_an_unreachable_redis_fails_the_write_as_retryable_and_sends_nothing(make_client, mocked):
    import redis

    from tests.plugins.processes import free_port
    from tiktok_api import RateLimiter, RetryableError

    dead = redis.Redis(port=free_port(), socket_connect_timeout=0.2, socket_timeout=0.2)
    client = make_client(lock=CatalogLock(redis=dead))
    mocked.post(UPLOAD, json=envelope({"feed_log_id": "1"}))
    with pytest.raises(RetryableError) as info:
        client.product_upload(TOKEN, bc_id="B", catalog_id="C", products=[{"sku_id": "a"}])
    assert info.value.message == "catalog lock unavailable (ConnectionError)"
    client = make_client(rate_limiter=RateLimiter(redis=dead))
    with pytest.raises(RetryableError) as info:
        client.catalog_overview(TOKEN, bc_id="B", catalog_id="C")
    assert info.value.message == "rate limiter unavailable (ConnectionError)"
    assert len(mocked.calls) == 0
