"""The client's inline retry waits come from the project's one backoff formula (tiktok_api.backoff_delay):
the same waits, draw for draw, as the formula the client had of its own."""

from __future__ import annotations

import random

from tiktok_api import RetryPolicy


def test_retry_policy_waits_are_backoff_delay_draw_for_draw() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=16.0)
    for seed in (0, 1, 42):
        ours, reference = random.Random(seed), random.Random(seed)
        waits = [policy.delay(attempt, ours) for attempt in range(1, 9)]
        expected = []
        for attempt in range(1, 9):
            ceiling = min(16.0, 1.0 * 2 ** (attempt - 1))
            expected.append(ceiling / 2 + reference.uniform(0, ceiling / 2))
        assert waits == expected
