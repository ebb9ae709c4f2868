"""The sync engine's clock. Every "now" the engine stores or compares (run and batch times, lease and claim
expiry, a retried batch's next attempt, the feed-log give-up) is read here, so a test moves time forward
instead of sleeping until a backoff or a lease has passed. Production keeps the system clock.

The clock is tiktok_api's (`Clock`: epoch seconds), the one the client's rate limiter and catalog lock
take, so a test can hand the same fake clock to both.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings

from tiktok_api import Clock, SystemClock

_clock: Clock = SystemClock()


def clock_get() -> Clock:
    return _clock


def clock_set(clock: Clock) -> Clock:
    """Install `clock` for the whole process (every thread, the lease heartbeat's too); returns the one
    it replaces so the caller can put it back."""
    global _clock
    previous, _clock = _clock, clock
    return previous


def now() -> datetime:
    """`django.utils.timezone.now()`, read from the engine's clock."""
    seconds = _clock.now()
    if settings.USE_TZ:
        return datetime.fromtimestamp(seconds, tz=UTC)
    return datetime.fromtimestamp(seconds)
