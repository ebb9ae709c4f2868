"""`pixel_isolation`: a clean pixel config cache and no broker dispatch, before and after a test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from pixel import cache as pixel_cache


@pytest.fixture
def pixel_isolation(settings: Any) -> Iterator[None]:
    settings.PIXEL_OUTBOX_DISPATCH = False
    pixel_cache.process_memo_forget()
    cache.clear()
    yield
    pixel_cache.process_memo_forget()
    try:
        cache.clear()
    except Exception:  # a test that simulates a cache outage
        pass
