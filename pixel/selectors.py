"""Reads of the pixel app other apps use through settings (never by importing pixel)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from store.models import Store

from .models import OrderAttribution


def attribution_totals(store_id: int, since: Mapping[str, datetime]) -> dict[str, dict[str, Any]]:
    """`settings.TIKTOK_ADS_ATTRIBUTION_SOURCE`: orders attributed to TikTok ad clicks and their revenue,
    per window (name -> earliest order time), in one query. Revenue is in the store's currency."""
    currency = Store.objects.filter(pk=store_id).values_list("currency", flat=True).first() or ""
    aggregates: dict[str, Any] = {}
    for name, start in since.items():
        aggregates[f"orders_{name}"] = Count("pk", filter=Q(placed_at__gte=start))
        aggregates[f"revenue_{name}"] = Sum("total", filter=Q(placed_at__gte=start))
    values = OrderAttribution.objects.filter(store_id=store_id).aggregate(**aggregates) if since else {}
    return {
        name: {
            "orders": int(values.get(f"orders_{name}") or 0),
            "revenue": values.get(f"revenue_{name}") or Decimal(0),
            "currency": currency,
        }
        for name in since
    }
