"""The ads endpoints over real HTTP against the sandbox: campaign list, campaign switch, the daily campaign
report (paged) and the ad account's details, with their errors (permission, bad advertiser, throttled,
revoked token). Expected figures come from the sandbox's own admin API."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tiktok_api import (
    NO_RETRY,
    AuthError,
    RateLimiter,
    ThrottledError,
    TikTokClient,
    TikTokPermissionError,
)
from tiktok_api.errors import PermanentError

pytestmark = [pytest.mark.services]

DEMO_BC = "7100000000000000001"


@pytest.fixture
def api(sandbox: Any) -> TikTokClient:
    return TikTokClient(
        sandbox.url,
        sandbox.provision["app_id"],
        sandbox.provision["secret"],
        timeout=(2.0, 10.0),
        # The app's real QPS (10, as the sandbox enforces it): the client paces itself.
        rate_limiter=RateLimiter(),
        retry=NO_RETRY,
    )


@pytest.fixture
def conn(sandbox: Any) -> dict[str, Any]:
    return sandbox.admin.connect("loja-ads")


def _today(sandbox: Any, adv_id: str) -> date:
    return date.fromisoformat(sandbox.admin.ads_campaigns(adv_id)["end"])


def test_advertiser_info_gives_the_currency_and_time_zone(api, conn, sandbox):
    (info,) = api.advertiser_info(conn["access_token"], advertiser_ids=[conn["adv_id"]])
    assert (info.advertiser_id, info.currency, info.timezone) == (conn["adv_id"], "BRL", "America/Sao_Paulo")
    assert sandbox.admin.journal(endpoint="advertiser/info")[-1]["code"] == 0


def test_campaign_get_lists_the_sandbox_campaigns_page_by_page(api, conn, sandbox):
    expected = sandbox.admin.ads_campaigns(conn["adv_id"])["campaigns"]
    first = api.campaign_get(conn["access_token"], advertiser_id=conn["adv_id"], page=1, page_size=2)
    assert (first.page_info.total_number, first.page_info.total_page) == (3, 2)
    every = api.campaigns_all(conn["access_token"], advertiser_id=conn["adv_id"], page_size=2)
    assert [c.campaign_id for c in every] == [c["campaign_id"] for c in expected]
    assert [(c.operation_status, c.budget) for c in every] == [
        (c["operation_status"], Decimal(str(c["budget"]))) for c in expected
    ]
    assert len(sandbox.admin.journal(endpoint="campaign/get")) == 3  # one page, then two


def test_report_rows_parse_strings_to_decimal_and_int_and_sum_to_the_sandbox_figures(api, conn, sandbox):
    end = _today(sandbox, conn["adv_id"])
    start = end - timedelta(days=29)
    rows = api.report_campaign_daily_all(
        conn["access_token"], advertiser_id=conn["adv_id"], start_date=start, end_date=end, page_size=7
    )
    expected = sandbox.admin.ads_campaigns(conn["adv_id"], start=start.isoformat(), end=end.isoformat())
    assert len(rows) == 30 * 3
    for campaign in expected["campaigns"]:
        mine = [r for r in rows if r.campaign_id == campaign["campaign_id"]]
        assert sum((r.spend for r in mine), Decimal(0)) == Decimal(campaign["totals"]["spend"])
        assert sum(r.impressions for r in mine) == campaign["totals"]["impressions"]
        assert sum(r.clicks for r in mine) == campaign["totals"]["clicks"]
        assert sum(r.conversions for r in mine) == campaign["totals"]["conversions"]
        assert all(isinstance(r.spend, Decimal) and isinstance(r.clicks, int) for r in mine)
    assert {r.stat_day for r in rows} == {start + timedelta(days=i) for i in range(30)}
    # 90 rows at 7 a page: 13 pages, each one request.
    assert len(sandbox.admin.journal(endpoint="report/integrated/get")) == 13


def test_campaign_status_update_switches_the_sandbox_campaign(api, conn, sandbox):
    campaign_id = sandbox.admin.ads_campaigns(conn["adv_id"])["campaigns"][0]["campaign_id"]
    result = api.campaign_status_update(
        conn["access_token"],
        advertiser_id=conn["adv_id"],
        campaign_ids=[campaign_id],
        operation_status="DISABLE",
    )
    assert result.campaign_ids == (campaign_id,)
    assert sandbox.admin.ads_campaigns(conn["adv_id"])["campaigns"][0]["operation_status"] == "DISABLE"
    api.campaign_status_update(
        conn["access_token"],
        advertiser_id=conn["adv_id"],
        campaign_ids=[campaign_id],
        operation_status="ENABLE",
    )
    assert sandbox.admin.ads_campaigns(conn["adv_id"])["campaigns"][0]["operation_status"] == "ENABLE"


def test_a_standard_member_reads_but_may_not_switch(api, conn, sandbox):
    campaign_id = sandbox.admin.ads_campaigns(conn["adv_id"])["campaigns"][0]["campaign_id"]
    assert sandbox.admin.ads_role(DEMO_BC, "demo@tiktok.test", "STANDARD") == 1
    assert len(api.campaigns_all(conn["access_token"], advertiser_id=conn["adv_id"])) == 3
    with pytest.raises(TikTokPermissionError) as caught:
        api.campaign_status_update(
            conn["access_token"],
            advertiser_id=conn["adv_id"],
            campaign_ids=[campaign_id],
            operation_status="DISABLE",
        )
    assert caught.value.code == 40001
    assert sandbox.admin.ads_campaigns(conn["adv_id"])["campaigns"][0]["operation_status"] == "ENABLE"


def test_an_ad_account_the_token_does_not_reach_is_refused(api, conn, sandbox):
    with pytest.raises(TikTokPermissionError) as caught:
        api.campaign_get(conn["access_token"], advertiser_id="7299999999999999999")
    assert "7299999999999999999" in caught.value.message
    with pytest.raises(TikTokPermissionError):
        api.report_campaign_daily(
            conn["access_token"],
            advertiser_id="7299999999999999999",
            start_date=date.today(),
            end_date=date.today(),
        )


def test_throttled_report_raises_throttled_and_nothing_is_parsed(api, conn, sandbox):
    sandbox.admin.fault("throttle", endpoint="report/integrated/get", count=1)
    with pytest.raises(ThrottledError) as caught:
        api.report_campaign_daily(
            conn["access_token"], advertiser_id=conn["adv_id"], start_date=date.today(), end_date=date.today()
        )
    assert caught.value.code == 40100 and caught.value.retryable


def test_a_revoked_token_is_an_auth_error_on_every_ads_endpoint(api, conn, sandbox):
    sandbox.admin.revoke(token=conn["access_token"])
    calls = [
        lambda: api.advertiser_info(conn["access_token"], advertiser_ids=[conn["adv_id"]]),
        lambda: api.campaign_get(conn["access_token"], advertiser_id=conn["adv_id"]),
        lambda: api.campaign_status_update(
            conn["access_token"], advertiser_id=conn["adv_id"], campaign_ids=["1"], operation_status="ENABLE"
        ),
        lambda: api.report_campaign_daily(
            conn["access_token"], advertiser_id=conn["adv_id"], start_date=date.today(), end_date=date.today()
        ),
    ]
    for call in calls:
        with pytest.raises(AuthError) as caught:
            call()
        assert caught.value.code == 40105
    assert sandbox.admin.ads_campaigns(conn["adv_id"])["campaigns"][0]["operation_status"] == "ENABLE"


def test_an_unknown_campaign_is_a_permanent_error(api, conn, sandbox):
    with pytest.raises(PermanentError) as caught:
        api.campaign_status_update(
            conn["access_token"],
            advertiser_id=conn["adv_id"],
            campaign_ids=["123"],
            operation_status="DISABLE",
        )
    assert caught.value.code == 40002
