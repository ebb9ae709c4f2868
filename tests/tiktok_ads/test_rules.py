"""Rules of the section that need no TikTok: the attribution source is checked at start-up, and revenue
over spend is shown only when both are in one currency (side by side otherwise)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from integration.models import TikTokConnection
from tiktok_ads import selectors
from tiktok_ads.attribution import check_attribution_source
from tiktok_ads.models import AdAccount, Campaign, CampaignDay
from tiktok_ads.services import account_today

pytestmark = pytest.mark.django_db


def test_a_bad_attribution_source_fails_the_system_check(settings):
    assert check_attribution_source() == []
    settings.TIKTOK_ADS_ATTRIBUTION_SOURCE = "pixel.selectors.no_such_callable"
    (error,) = check_attribution_source()
    assert error.id == "tiktok_ads.E001"
    settings.TIKTOK_ADS_ATTRIBUTION_SOURCE = "tiktok_ads.selectors.WINDOWS"
    assert [e.id for e in check_attribution_source()] == ["tiktok_ads.E002"]


def _copy(store, currency: str) -> TikTokConnection:
    connection = TikTokConnection.objects.create(
        store=store, external_business_id="x", adv_id="7200", access_token="t", connected_at=timezone.now()
    )
    account = AdAccount.objects.create(
        connection=connection, adv_id="7200", currency=currency, timezone="UTC", refreshed_at=timezone.now()
    )
    campaign = Campaign.objects.create(
        account=account, campaign_id="1", name="C", operation_status="ENABLE", budget=Decimal("10")
    )
    today = account_today("UTC")
    CampaignDay.objects.create(campaign=campaign, day=today, spend=Decimal("20.00"), conversions=2)
    CampaignDay.objects.create(campaign=campaign, day=today - timedelta(days=10), spend=Decimal("5.00"))
    return connection


def test_revenue_over_spend_only_in_one_currency(store):
    section = selectors.ads_section(_copy(store, "BRL"), "America/Sao_Paulo")
    week, month = section["totals"]["7"], section["totals"]["30"]
    assert (week.spend, month.spend, week.conversions) == (Decimal("20.00"), Decimal("25.00"), 2)
    assert week.roas == Decimal(0) and section["same_currency"]


def test_different_currencies_are_side_by_side(store):
    section = selectors.ads_section(_copy(store, "USD"), "America/Sao_Paulo")
    week = section["totals"]["7"]
    assert week.roas is None and not section["same_currency"]
    assert (week.spend_text, week.revenue_text) == ("US$ 20.00", "R$ 0,00")
