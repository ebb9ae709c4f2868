"""What the Ads section shows, read from the local copy only (never TikTok): a fixed number of queries
whatever TikTok is doing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Q, Sum

from integration.models import TikTokConnection
from store.money import format_money

from .attribution import attribution_totals, attribution_window_days
from .models import AdAccount, Campaign, CampaignDay, RefreshRun
from .services.refresh import HISTORY_DAYS, account_today

WINDOWS = (("7", 7), ("30", 30))
CHART_W = 600
CHART_H = 120
CHART_PAD = 4


@dataclass
class Window:
    days: int
    spend: Decimal = Decimal(0)
    impressions: int = 0
    clicks: int = 0
    conversions: int = 0
    orders: int = 0
    revenue: Decimal = Decimal(0)
    revenue_currency: str = ""
    spend_text: str = ""
    revenue_text: str = ""
    roas: Decimal | None = None  # revenue / spend, only when both are in one currency


@dataclass
class CampaignRow:
    campaign: Campaign
    budget_text: str
    windows: dict[str, Window] = field(default_factory=dict)


def _sums(prefix: str, since: Any) -> dict[str, Any]:
    where = Q(**{f"{prefix}day__gte": since})
    return {
        "spend": Sum(f"{prefix}spend", filter=where),
        "impressions": Sum(f"{prefix}impressions", filter=where),
        "clicks": Sum(f"{prefix}clicks", filter=where),
        "conversions": Sum(f"{prefix}conversions", filter=where),
    }


def _window_fill(window: Window, values: dict[str, Any], currency: str) -> None:
    window.spend = values.get("spend") or Decimal(0)
    window.impressions = int(values.get("impressions") or 0)
    window.clicks = int(values.get("clicks") or 0)
    window.conversions = int(values.get("conversions") or 0)
    window.spend_text = format_money(window.spend, currency)


def _store_zone(time_zone: str) -> ZoneInfo:
    try:
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def chart_points(account: AdAccount, today: Any) -> dict[str, Any]:
    """Daily spend (bars) and conversions (dots) of the last 30 days, as SVG coordinates."""
    start = today - timedelta(days=HISTORY_DAYS - 1)
    per_day = {
        row["day"]: row
        for row in CampaignDay.objects.filter(campaign__account=account, day__gte=start)
        .values("day")
        .annotate(spend=Sum("spend"), conversions=Sum("conversions"))
        .order_by("day")
    }
    max_spend = max([r["spend"] or Decimal(0) for r in per_day.values()] + [Decimal(1)])
    max_conv = max([int(r["conversions"] or 0) for r in per_day.values()] + [1])
    slot = (CHART_W - 2 * CHART_PAD) / HISTORY_DAYS
    bars, dots = [], []
    for i in range(HISTORY_DAYS):
        day = start + timedelta(days=i)
        row = per_day.get(day) or {}
        spend = row.get("spend") or Decimal(0)
        conversions = int(row.get("conversions") or 0)
        h = float(spend / max_spend) * (CHART_H - 2 * CHART_PAD)
        x = CHART_PAD + i * slot
        bars.append(
            {
                "x": round(x + slot * 0.15, 1),
                "y": round(CHART_H - CHART_PAD - h, 1),
                "w": round(slot * 0.7, 1),
                "h": round(h, 1),
                "day": day,
                "spend": format_money(spend, account.currency),
                "conversions": conversions,
            }
        )
        cy = CHART_H - CHART_PAD - conversions / max_conv * (CHART_H - 2 * CHART_PAD)
        dots.append(
            {"cx": round(x + slot / 2, 1), "cy": round(cy, 1), "day": day, "conversions": conversions}
        )
    return {"bars": bars, "dots": dots, "width": CHART_W, "height": CHART_H, "start": start, "end": today}


def ads_section(connection: TikTokConnection, store_time_zone: str) -> dict[str, Any] | None:
    """The section's data, or None when nothing was copied yet (the page then says so)."""
    account = AdAccount.objects.filter(connection=connection).first()
    last_run = RefreshRun.objects.filter(connection=connection).order_by("-started_at", "-id").first()
    if account is None or account.refreshed_at is None:
        return {"account": account, "empty": True, "last_run": last_run}
    today = account_today(account.timezone)
    since = {key: today - timedelta(days=days - 1) for key, days in WINDOWS}
    aggregates: dict[str, Any] = {}
    for key, day in since.items():
        for name, agg in _sums("days__", day).items():
            aggregates[f"{name}_{key}"] = agg
    campaigns = list(
        Campaign.objects.filter(account=account).annotate(**aggregates).order_by("position", "pk")
    )
    rows = []
    totals = {key: Window(days) for key, days in WINDOWS}
    for campaign in campaigns:
        row = CampaignRow(
            campaign, format_money(campaign.budget, account.currency) if campaign.budget else ""
        )
        for key, days in WINDOWS:
            window = Window(days)
            values = {
                n: getattr(campaign, f"{n}_{key}") for n in ("spend", "impressions", "clicks", "conversions")
            }
            _window_fill(window, values, account.currency)
            row.windows[key] = window
            total = totals[key]
            total.spend += window.spend
            total.impressions += window.impressions
            total.clicks += window.clicks
            total.conversions += window.conversions
        rows.append(row)
    # The store's orders over the same account days, from midnight in the ad account's time zone.
    zone = _store_zone(account.timezone)
    order_since = {key: datetime.combine(day, time.min, tzinfo=zone) for key, day in since.items()}
    sales = attribution_totals(connection.store_id, order_since)
    for key, total in totals.items():
        total.spend_text = format_money(total.spend, account.currency)
        total.orders = sales[key]["orders"]
        total.revenue = sales[key]["revenue"]
        total.revenue_currency = sales[key]["currency"] or connection.store.currency
        total.revenue_text = format_money(total.revenue, total.revenue_currency)
        if total.revenue_currency == account.currency and total.spend > 0:
            total.roas = total.revenue / total.spend
    return {
        "account": account,
        "empty": False,
        "rows": rows,
        "totals": totals,
        "chart": chart_points(account, today),
        "last_run": last_run,
        "window_days": attribution_window_days(),
        "same_currency": all(t.revenue_currency == account.currency for t in totals.values()),
        "store_time_zone": store_time_zone,
    }
