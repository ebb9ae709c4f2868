"""The project's one retry-wait formula: exponential backoff with "equal jitter".

Half of each wait is fixed and half random, so retries from many workers spread out without any of them
coming back almost at once. Framework-free like the rest of tiktok_api, so every app can use it.
"""

from __future__ import annotations

import random

# 2**30 base periods is already centuries; the bound only keeps a runaway attempt counter (a row retried
# forever) from overflowing the float conversion.
MAX_DOUBLINGS = 30


def backoff_delay(
    attempt: int,
    *,
    base: float,
    cap: float,
    rng: random.Random | None = None,
    at_least: float | None = None,
    max_doublings: int = MAX_DOUBLINGS,
) -> float:
    """Seconds to wait before retry number `attempt` (1 for the first retry): between half and all of
    min(cap, base * 2**(attempt-1)), the doubling stopping after `max_doublings`. A server's own hint
    (`at_least`, e.g. Retry-After) lengthens the wait, never past `cap`."""
    doublings = min(max(0, attempt - 1), max_doublings)
    ceiling = min(cap, base * 2**doublings)
    wait = ceiling / 2 + (rng or random).uniform(0, ceiling / 2)
    if at_least:
        wait = max(wait, at_least)
    return min(wait, cap)
