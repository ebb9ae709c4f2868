"""Results of the ads endpoints: the ad account's details, campaigns, and the daily campaign report.

Metric values are strings on the wire (`"12.34"`, `"1500"`): money-like metrics become `Decimal`, counts
become `int`, here at the edge, so no caller ever does arithmetic on a string or a float."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ._parse import _mapping, _str_or_none
from .common import PageInfo

ENABLE = "ENABLE"
DISABLE = "DISABLE"


def _decimal(value: object) -> Decimal:
    """A metric string ("12.34", "-", "") as a Decimal; TikTok writes "-" when a ratio has no base."""
    if value is None or value == "" or value == "-":
        return Decimal(0)
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)
    return result if result.is_finite() else Decimal(0)


def _decimal_or_none(value: object) -> Decimal | None:
    if value is None or value == "" or value == "-":
        return None
    return _decimal(value)


def _count(value: object) -> int:
    """Counts arrive as strings too, sometimes with a fractional part ("12.0")."""
    return int(_decimal(value))


def _day(value: object) -> date | None:
    """`stat_time_day` is "YYYY-MM-DD HH:MM:SS" (midnight in the ad account's time zone)."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return datetime.strptime(text[:10], "%Y-%m-%d").date()
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class AdvertiserInfo:
    advertiser_id: str
    name: str
    currency: str
    timezone: str
    display_timezone: str | None

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> AdvertiserInfo:
        return cls(
            advertiser_id=str(data.get("advertiser_id") or ""),
            name=str(data.get("name") or ""),
            currency=str(data.get("currency") or "").upper(),
            timezone=str(data.get("timezone") or ""),
            display_timezone=_str_or_none(data.get("display_timezone")),
        )


@dataclass(frozen=True, slots=True)
class Campaign:
    campaign_id: str
    campaign_name: str
    objective_type: str
    budget: Decimal | None
    budget_mode: str
    operation_status: str
    secondary_status: str
    create_time: str | None

    @property
    def enabled(self) -> bool:
        return self.operation_status == ENABLE

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Campaign:
        return cls(
            campaign_id=str(data.get("campaign_id") or ""),
            campaign_name=str(data.get("campaign_name") or ""),
            objective_type=str(data.get("objective_type") or ""),
            budget=_decimal_or_none(data.get("budget")),
            budget_mode=str(data.get("budget_mode") or ""),
            operation_status=str(data.get("operation_status") or ""),
            secondary_status=str(data.get("secondary_status") or ""),
            create_time=_str_or_none(data.get("create_time")),
        )


@dataclass(frozen=True, slots=True)
class CampaignPage:
    campaigns: tuple[Campaign, ...]
    page_info: PageInfo


@dataclass(frozen=True, slots=True)
class CampaignDayMetrics:
    """One row of a BASIC / AUCTION_CAMPAIGN report by `campaign_id` and `stat_time_day`."""

    campaign_id: str
    stat_day: date | None
    spend: Decimal
    impressions: int
    clicks: int
    conversions: int
    ctr: Decimal | None
    cpc: Decimal | None
    cost_per_conversion: Decimal | None

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> CampaignDayMetrics:
        dimensions = _mapping(data.get("dimensions"))
        metrics = _mapping(data.get("metrics"))
        return cls(
            campaign_id=str(dimensions.get("campaign_id") or metrics.get("campaign_id") or ""),
            stat_day=_day(dimensions.get("stat_time_day")),
            spend=_decimal(metrics.get("spend")),
            impressions=_count(metrics.get("impressions")),
            clicks=_count(metrics.get("clicks")),
            conversions=_count(metrics.get("conversion")),
            ctr=_decimal_or_none(metrics.get("ctr")),
            cpc=_decimal_or_none(metrics.get("cpc")),
            cost_per_conversion=_decimal_or_none(metrics.get("cost_per_conversion")),
        )


@dataclass(frozen=True, slots=True)
class ReportPage:
    rows: tuple[CampaignDayMetrics, ...]
    page_info: PageInfo


@dataclass(frozen=True, slots=True)
class CampaignStatusResult:
    """What `campaign/status/update/` says it changed (the campaign IDs it names back)."""

    campaign_ids: tuple[str, ...]

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> CampaignStatusResult:
        raw = data.get("campaign_ids")
        ids = raw if isinstance(raw, list) else []
        return cls(campaign_ids=tuple(str(i) for i in ids if i not in (None, "")))


__all__ = [
    "DISABLE",
    "ENABLE",
    "AdvertiserInfo",
    "Campaign",
    "CampaignDayMetrics",
    "CampaignPage",
    "CampaignStatusResult",
    "ReportPage",
]
