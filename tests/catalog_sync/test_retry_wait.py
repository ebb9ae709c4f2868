"""The engine's retry wait is tiktok_api's one backoff formula: 2 s for the first retry, doubling up to
CATALOG_SYNC_MAX_BACKOFF_SECONDS (and never past 1,024 s), jittered in the upper half, TikTok's own
retry-after as a floor."""

from __future__ import annotations

import random

from catalog_sync.engine.tunables import retry_wait


def formula_before_the_shared_helper(attempts: int, hint: float | None, cap: float) -> float:
    """The engine's own copy, as it was, so the shared helper is checked draw for draw against it."""
    base = min(cap, 2.0 ** min(attempts, 10))
    wait = base / 2 + random.uniform(0, base / 2)
    if hint:
        wait = max(wait, hint)
    return min(wait, cap)


def test_retry_wait_is_the_engines_former_formula(settings):
    for cap in (300.0, 5000.0):
        settings.CATALOG_SYNC_MAX_BACKOFF_SECONDS = cap
        for attempts in (1, 2, 3, 8, 9, 10, 11, 50, 5000):
            for hint in (None, 0.0, 1.0, 60.0, 10_000.0):
                for seed in range(3):
                    random.seed(seed)
                    expected = formula_before_the_shared_helper(attempts, hint, cap)
                    random.seed(seed)
                    assert retry_wait(attempts, hint) == expected, (cap, attempts, hint, seed)


def test_retry_wait_doubles_from_two_seconds_and_stops_at_the_cap(settings):
    settings.CATALOG_SYNC_MAX_BACKOFF_SECONDS = 300
    for attempts, ceiling in ((1, 2.0), (2, 4.0), (5, 32.0), (9, 300.0), (40, 300.0)):
        for _ in range(20):
            assert ceiling / 2 <= retry_wait(attempts) <= ceiling
    assert retry_wait(1, hint=45.0) == 45.0
    assert retry_wait(1, hint=900.0) == 300.0
