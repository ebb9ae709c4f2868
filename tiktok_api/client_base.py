"""The plumbing every endpoint of `TikTokClient` goes through: construction, `_call` (rate limit, send,
classify, bounded retries), minute-breach detection, and the catalog write lock (take it, hold it until
the write's feed log finishes, release it). The endpoint groups in `endpoints/` build on `ClientBase`."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from .backoff import backoff_delay
from .catalog_lock import CatalogLock
from .clock import Clock, SystemClock
from .errors import (
    MINUTE_BREACH_PAUSE_SECONDS,
    CatalogBusyError,
    MalformedReplyError,
    PermanentError,
    RetryableError,
    ThrottledError,
    WriteOutcomeUnknown,
)
from .ratelimit import RateLimiter
from .transport import Envelope, Transport, encode_body, open_api_path
from .types import FeedLog


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter: attempt n waits between half and all of
    min(max_delay, base_delay * 2**(n-1)) (1s, 2s, 4s, 8s, 16s by default), at most `max_attempts` sends.
    A throttle asking for more than `max_inline_wait` seconds is raised to the caller instead."""

    max_attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 16.0
    max_inline_wait: float = 30.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        return backoff_delay(attempt, base=self.base_delay, cap=self.max_delay, rng=rng)


NO_RETRY = RetryPolicy(max_attempts=1)


class ClientBase:
    """Construction and the plumbing shared by the endpoint groups; callers use `TikTokClient`."""

    def __init__(
        self,
        base_url: str,
        app_id: str,
        app_secret: str,
        *,
        timeout: tuple[float, float],
        rate_limiter: RateLimiter | None = None,
        lock: CatalogLock | None = None,
        session: requests.Session | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        lock_wait: float = 60.0,
        lock_poll_interval: float = 1.0,
        rng: random.Random | None = None,
    ) -> None:
        self.app_id = app_id
        self._app_secret = app_secret
        self.transport = Transport(base_url, timeout=timeout, session=session)
        self.clock: Clock = clock or SystemClock()
        self.rate_limiter = rate_limiter or RateLimiter(clock=self.clock)
        self.lock = lock or CatalogLock(clock=self.clock)
        self.retry = retry or RetryPolicy()
        self.lock_wait = lock_wait
        self.lock_poll_interval = lock_poll_interval
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security

    def _call(
        self,
        method: str,
        path: str,
        *,
        limit_key: str,
        tenant: str | None = None,
        access_token: str | None = None,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        write: bool = False,
        idempotent: bool = True,
        policy: RetryPolicy | None = None,
    ) -> Envelope:
        """One logical call: rate limit, send, classify, retry what is retryable (bounded).

        Not retried inline: AuthError/Permission/Permanent (never), WriteOutcomeUnknown (the caller must
        check the feed log), a per-minute throttle (the endpoint is paused for everyone and the error is
        raised with retry_after=300), transport failures (including malformed replies) of non-idempotent
        calls."""
        retry = policy or self.retry
        # Encode once, before taking a rate-limit slot: a 5,000-product body takes a while to encode, and
        # the slot should be taken as close as possible to the moment TikTok counts the request.
        payload = encode_body(body) if body is not None else None
        attempt = 0
        while True:
            attempt += 1
            self.rate_limiter.acquire(limit_key, tenant)
            try:
                return self.transport.call(
                    method, path, access_token=access_token, params=params, body=payload, write=write
                )
            except ThrottledError as exc:
                if exc.per_minute:
                    self.rate_limiter.pause(limit_key, exc.retry_after)
                    raise
                wait = max(exc.retry_after, retry.delay(attempt, self._rng))
                if attempt >= retry.max_attempts:
                    self._throttle_persisted(exc, limit_key, attempt)
                    raise
                if wait > retry.max_inline_wait:
                    raise
                self.clock.sleep(wait)
            except RetryableError as exc:
                if not idempotent and (
                    isinstance(exc, MalformedReplyError) or (exc.code is None and exc.http_status is None)
                ):
                    raise  # transport failure or mangled reply: the request may have been processed
                if attempt >= retry.max_attempts:
                    raise
                self.clock.sleep(retry.delay(attempt, self._rng))

    def _throttle_persisted(self, exc: ThrottledError, limit_key: str, attempts: int) -> None:
        """TikTok's throttle messages do not reliably say which window was breached. A throttle that
        outlasts several backed-off attempts (seconds apart) on an endpoint with a per-minute limit is
        not a per-second one: treat it as a minute breach and pause that endpoint for everyone."""
        spec = self.rate_limiter.endpoint_limits.get(limit_key.strip("/"))
        has_minute_limit = spec is not None and any(limit.window >= 60 for limit in spec.limits)
        if exc.code is not None and attempts >= 3 and has_minute_limit:
            exc.per_minute = True
            exc.retry_after = MINUTE_BREACH_PAUSE_SECONDS
            self.rate_limiter.pause(limit_key, MINUTE_BREACH_PAUSE_SECONDS)

    @staticmethod
    def _data(envelope: Envelope) -> Mapping[str, Any]:
        return envelope.data if isinstance(envelope.data, Mapping) else {}

    # ------------------------------------------------------------------ Catalog write lock

    def _catalog_write(
        self, endpoint: str, access_token: str, bc_id: str, catalog_id: str, body: Mapping[str, Any]
    ) -> str:
        token = self._catalog_lock_take(access_token, bc_id, catalog_id)
        try:
            envelope = self._call(
                "POST",
                open_api_path("v1.3", endpoint),
                limit_key=endpoint,
                tenant=catalog_id,
                access_token=access_token,
                body=body,
                write=True,
            )
        except WriteOutcomeUnknown:
            # TikTok may be processing it: keep the lock until write_ttl so nobody collides with it.
            raise
        except BaseException:
            self._lock_release_quietly(catalog_id, token)
            raise
        feed_log_id = str(self._data(envelope).get("feed_log_id") or "")
        if not feed_log_id:
            self._lock_release_quietly(catalog_id, token)
            raise PermanentError(
                "feed_log_id missing from a successful write",
                code=envelope.code,
                request_id=envelope.request_id,
                endpoint=endpoint,
            )
        self.lock.attach_feed_log(catalog_id, token, feed_log_id)
        return feed_log_id

    def _lock_release_quietly(self, catalog_id: str, token: str) -> None:
        # On an error path: a lock store that is down must not hide the original error (the TTL frees it).
        try:
            self.lock.release(catalog_id, token)
        except RetryableError:
            pass

    def _catalog_lock_take(self, access_token: str, bc_id: str, catalog_id: str) -> str:
        """Wait (up to lock_wait) for the previous write on this catalog to finish processing. While
        waiting, look the holder's feed log up ourselves: the writer may be gone and nobody else polling."""
        deadline = self.clock.now() + self.lock_wait
        while True:
            token = self.lock.acquire(catalog_id)
            if token is not None:
                return token
            state = self.lock.holder(catalog_id)
            if state is not None and state.feed_log_id:
                try:
                    # One try: a throttled or failed look-up just waits for the next poll.
                    log = self._feed_log(access_token, bc_id, catalog_id, state.feed_log_id, "en", NO_RETRY)
                except RetryableError:
                    log = None
                if log is not None and log.done:
                    continue  # product_log released it
            if self.clock.now() + self.lock_poll_interval > deadline:
                raise CatalogBusyError(
                    f"catalog {catalog_id} has a write still processing",
                    retry_after=max(self.lock_poll_interval, 1.0),
                    endpoint="catalog/product",
                )
            self.clock.sleep(self.lock_poll_interval)

    def _feed_log(
        self,
        access_token: str,
        bc_id: str,
        catalog_id: str,
        feed_log_id: str,
        language: str,
        policy: RetryPolicy,
    ) -> FeedLog:
        envelope = self._call(
            "GET",
            open_api_path("v1.3", "catalog/product/log"),
            limit_key="catalog/product/log",
            tenant=catalog_id,
            access_token=access_token,
            params={
                "bc_id": bc_id,
                "catalog_id": catalog_id,
                "feed_log_id": feed_log_id,
                "language": language,
            },
            policy=policy,
        )
        log = FeedLog.from_data(self._data(envelope), feed_log_id)
        if log.done:
            self.lock.release_feed_log(catalog_id, str(feed_log_id))
        return log
