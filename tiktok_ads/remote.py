"""The TikTok calls of the Ads section, on the one settings-built client (`integration.tiktok_client`).
Errors are the client's own (`tiktok_api.errors`), raised unchanged."""

from __future__ import annotations

import copy
from datetime import date

from integration import tiktok_client
from tiktok_api import RetryPolicy, TikTokClient
from tiktok_api.types.ads import AdvertiserInfo, Campaign, CampaignDayMetrics, CampaignStatusResult

# A merchant waits on the switch: one quick retry, then report.
INTERACTIVE_RETRY = RetryPolicy(max_attempts=2, base_delay=0.5, max_delay=1.0, max_inline_wait=2.0)
# The refresh keeps the last copy when TikTok fails, and its task and the next beat try again: a few
# short inline retries are enough, a worker need not wait out long backoffs.
REFRESH_RETRY = RetryPolicy(max_attempts=3, base_delay=0.5, max_delay=2.0, max_inline_wait=5.0)


def _client(*, interactive: bool = False) -> TikTokClient:
    # Same session, rate limiter and lock as every other caller; only the retry policy differs.
    quick = copy.copy(tiktok_client.client())
    quick.retry = INTERACTIVE_RETRY if interactive else REFRESH_RETRY
    return quick


def advertiser_info(access_token: str, adv_id: str) -> AdvertiserInfo | None:
    infos = _client().advertiser_info(access_token, advertiser_ids=[adv_id])
    return next((i for i in infos if i.advertiser_id == adv_id), None)


def campaigns(access_token: str, adv_id: str) -> list[Campaign]:
    return _client().campaigns_all(access_token, advertiser_id=adv_id)


def report_daily(access_token: str, adv_id: str, start: date, end: date) -> list[CampaignDayMetrics]:
    return _client().report_campaign_daily_all(
        access_token, advertiser_id=adv_id, start_date=start, end_date=end
    )


def campaign_status_set(
    access_token: str, adv_id: str, campaign_id: str, status: str
) -> CampaignStatusResult:
    return _client(interactive=True).campaign_status_update(
        access_token, advertiser_id=adv_id, campaign_ids=[campaign_id], operation_status=status
    )
