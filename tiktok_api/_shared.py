"""Shared-state failures: when Redis (the rate limiter's or the catalog lock's store) is unreachable, the
call cannot be made safely, so it fails as a RetryableError that callers already handle — never as a
foreign exception, and never by silently falling back to per-process limits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from redis.exceptions import RedisError

from .errors import RetryableError


@contextmanager
def shared_state(what: str) -> Iterator[None]:
    try:
        yield
    except RedisError as exc:
        raise RetryableError(f"{what} unavailable ({type(exc).__name__})", endpoint=what) from None
