"""The store's own sales from TikTok ad clicks, read through `settings.TIKTOK_ADS_ATTRIBUTION_SOURCE` (a
dotted path to a callable; the pixel app provides it). The ads app never imports the pixel app.

The callable takes `(store_id, since_by_window)` — a mapping of window name to the earliest order time —
and answers `{window: {"orders": int, "revenue": Decimal, "currency": str}}`."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string

from core.registry import dotted_path_problem

AttributionSource = Callable[[int, Mapping[str, datetime]], Mapping[str, Mapping[str, Any]]]


@functools.cache
def _load(path: str) -> AttributionSource:
    return import_string(path)


def attribution_source() -> AttributionSource | None:
    path = getattr(settings, "TIKTOK_ADS_ATTRIBUTION_SOURCE", "") or ""
    return _load(path) if path else None


def attribution_totals(store_id: int, since: Mapping[str, datetime]) -> dict[str, dict[str, Any]]:
    """Orders and revenue per window; zeros when no source is configured."""
    source = attribution_source()
    raw = source(store_id, since) if source is not None else {}
    out: dict[str, dict[str, Any]] = {}
    for window in since:
        entry = raw.get(window) or {}
        out[window] = {
            "orders": int(entry.get("orders") or 0),
            "revenue": Decimal(str(entry.get("revenue") or 0)),
            "currency": str(entry.get("currency") or ""),
        }
    return out


def attribution_window_days() -> int:
    return int(getattr(settings, "TIKTOK_ATTRIBUTION_WINDOW_DAYS", 7))


def check_attribution_source(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    """System check: the configured source imports and is callable (a typo fails `manage.py check`)."""
    path = getattr(settings, "TIKTOK_ADS_ATTRIBUTION_SOURCE", "") or ""
    if not path:
        return []
    problem = dotted_path_problem(path)
    if problem is None:
        return []
    kind, message = problem
    error_id = "tiktok_ads.E001" if kind == "import" else "tiktok_ads.E002"
    return [checks.Error(f"TIKTOK_ADS_ATTRIBUTION_SOURCE: {message}", id=error_id)]
