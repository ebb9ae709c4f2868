"""Ads: the ad account's details, its campaigns, switching campaigns on and off, and the daily campaign
report (reference: tiktok-openapi `advertiser_info.yml`, `python-CampaignCreationApi.md`,
`python-CampaignStatusUpdateBody.md`, `python-ReportingApi.md`, `report_integrated_get.yml`).

Where the reference is silent (page sizes, the report's row order, the status-update reply) the choices
are in docs/tiktok-api-client.md, "Ads", marked unverified."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from ..client_base import ClientBase
from ..transport import open_api_path
from ..types import PageInfo
from ..types.ads import (
    DISABLE,
    ENABLE,
    AdvertiserInfo,
    Campaign,
    CampaignDayMetrics,
    CampaignPage,
    CampaignStatusResult,
    ReportPage,
)

MAX_CAMPAIGN_PAGE_SIZE = 1000
MAX_REPORT_PAGE_SIZE = 1000
MAX_CAMPAIGNS_PER_STATUS_UPDATE = 20
CAMPAIGN_FIELDS = (
    "campaign_id",
    "campaign_name",
    "objective_type",
    "budget",
    "budget_mode",
    "operation_status",
    "secondary_status",
    "create_time",
)
REPORT_METRICS = ("spend", "impressions", "clicks", "ctr", "cpc", "conversion", "cost_per_conversion")
ADVERTISER_FIELDS = ("advertiser_id", "name", "currency", "timezone", "display_timezone")


class AdsEndpoints(ClientBase):
    """Ad account, campaign and report endpoints of `TikTokClient`."""

    def advertiser_info(
        self, access_token: str, *, advertiser_ids: Sequence[str]
    ) -> tuple[AdvertiserInfo, ...]:
        """Currency and time zone of ad accounts. GET /open_api/v1.3/advertiser/info/ (`data.list`)."""
        if not advertiser_ids:
            raise ValueError("advertiser_info takes at least one advertiser_id")
        envelope = self._call(
            "GET",
            open_api_path("v1.3", "advertiser/info"),
            limit_key="advertiser/info",
            tenant=str(advertiser_ids[0]),
            access_token=access_token,
            params={"advertiser_ids": [str(a) for a in advertiser_ids], "fields": list(ADVERTISER_FIELDS)},
        )
        rows = self._data(envelope).get("list") or []
        return tuple(AdvertiserInfo.from_data(r) for r in rows if isinstance(r, Mapping))

    def campaign_get(
        self,
        access_token: str,
        *,
        advertiser_id: str,
        filtering: Mapping[str, Any] | None = None,
        page: int = 1,
        page_size: int = 100,
        fields: Sequence[str] = CAMPAIGN_FIELDS,
    ) -> CampaignPage:
        """One page of the ad account's campaigns. GET /open_api/v1.3/campaign/get/."""
        if not 1 <= page_size <= MAX_CAMPAIGN_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_CAMPAIGN_PAGE_SIZE}")
        envelope = self._call(
            "GET",
            open_api_path("v1.3", "campaign/get"),
            limit_key="campaign/get",
            tenant=advertiser_id,
            access_token=access_token,
            params={
                "advertiser_id": advertiser_id,
                "filtering": dict(filtering) if filtering else None,
                "page": page,
                "page_size": page_size,
                "fields": list(fields),
            },
        )
        data = self._data(envelope)
        return CampaignPage(
            campaigns=tuple(Campaign.from_data(c) for c in data.get("list") or [] if isinstance(c, Mapping)),
            page_info=PageInfo.from_data(data.get("page_info")),
        )

    def campaigns_all(self, access_token: str, *, advertiser_id: str, page_size: int = 100) -> list[Campaign]:
        """Every campaign of the ad account, page after page (stops at `total_page`)."""
        campaigns: list[Campaign] = []
        page = 1
        while True:
            result = self.campaign_get(
                access_token, advertiser_id=advertiser_id, page=page, page_size=page_size
            )
            campaigns.extend(result.campaigns)
            if page >= result.page_info.total_page or not result.campaigns:
                return campaigns
            page += 1

    def campaign_status_update(
        self, access_token: str, *, advertiser_id: str, campaign_ids: Sequence[str], operation_status: str
    ) -> CampaignStatusResult:
        """Switch campaigns on (ENABLE) or off (DISABLE). POST /open_api/v1.3/campaign/status/update/.
        Setting a status twice is harmless, so a re-send after a timeout is safe."""
        if operation_status not in (ENABLE, DISABLE):
            raise ValueError("operation_status must be ENABLE or DISABLE")
        if not 0 < len(campaign_ids) <= MAX_CAMPAIGNS_PER_STATUS_UPDATE:
            raise ValueError(
                f"campaign_status_update takes 1..{MAX_CAMPAIGNS_PER_STATUS_UPDATE} campaign_ids"
            )
        envelope = self._call(
            "POST",
            open_api_path("v1.3", "campaign/status/update"),
            limit_key="campaign/status/update",
            tenant=advertiser_id,
            access_token=access_token,
            body={
                "advertiser_id": advertiser_id,
                "campaign_ids": [str(c) for c in campaign_ids],
                "operation_status": operation_status,
            },
        )
        return CampaignStatusResult.from_data(self._data(envelope))

    def report_campaign_daily(
        self,
        access_token: str,
        *,
        advertiser_id: str,
        start_date: date,
        end_date: date,
        page: int = 1,
        page_size: int = MAX_REPORT_PAGE_SIZE,
        metrics: Sequence[str] = REPORT_METRICS,
    ) -> ReportPage:
        """One page of the BASIC / AUCTION / AUCTION_CAMPAIGN report by campaign_id and stat_time_day.
        Dates are days in the ad account's time zone. GET /open_api/v1.3/report/integrated/get/."""
        if not 1 <= page_size <= MAX_REPORT_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_REPORT_PAGE_SIZE}")
        if end_date < start_date:
            raise ValueError("end_date is before start_date")
        envelope = self._call(
            "GET",
            open_api_path("v1.3", "report/integrated/get"),
            limit_key="report/integrated/get",
            tenant=advertiser_id,
            access_token=access_token,
            params={
                "advertiser_id": advertiser_id,
                "report_type": "BASIC",
                "service_type": "AUCTION",
                "data_level": "AUCTION_CAMPAIGN",
                "dimensions": ["campaign_id", "stat_time_day"],
                "metrics": list(metrics),
                "start_date": start_date.isoformat(),
                "end_date": end_date.isoformat(),
                "page": page,
                "page_size": page_size,
            },
        )
        data = self._data(envelope)
        return ReportPage(
            rows=tuple(
                CampaignDayMetrics.from_data(r) for r in data.get("list") or [] if isinstance(r, Mapping)
            ),
            page_info=PageInfo.from_data(data.get("page_info")),
        )

    def report_campaign_daily_all(
        self,
        access_token: str,
        *,
        advertiser_id: str,
        start_date: date,
        end_date: date,
        page_size: int = 1000,
    ) -> list[CampaignDayMetrics]:
        """Every row of the daily campaign report for the range, page after page."""
        rows: list[CampaignDayMetrics] = []
        page = 1
        while True:
            result = self.report_campaign_daily(
                access_token,
                advertiser_id=advertiser_id,
                start_date=start_date,
                end_date=end_date,
                page=page,
                page_size=page_size,
            )
            rows.extend(result.rows)
            if page >= result.page_info.total_page or not result.rows:
                return rows
            page += 1
