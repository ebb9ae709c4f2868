"""The Ads section of Marketplace > TikTok in a real Chromium, in pt-BR, es and en: the demo campaigns
with figures equal to the sandbox's, one campaign switched off and on again (the sandbox's campaign
changes, the audit shows who), and a viewer who sees the figures and no switch."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache

from store.models import Role
from store.money import format_money
from tests.integration.expected_strings import LANGUAGES
from tests.plugins.browser import login
from tests.tiktok_ads.conftest import connect_store  # noqa: F401 - the fixture, shared with the service tests
from tiktok_ads import services

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]

TURN_OFF = {"en": "Turn off", "pt-br": "Desligar", "es": "Desactivar"}
TITLE = {"en": "TikTok Ads", "pt-br": "Anúncios do TikTok", "es": "Anuncios de TikTok"}


@pytest.fixture(autouse=True)
def _env(settings: Any, live_server: Any, sandbox_settings: Any) -> None:
    settings.PUBLIC_BASE_URL = live_server.url
    cache.clear()


def _cell(page: Any, campaign_id: str, testid: str) -> str:
    return page.inner_text(f"[data-campaign-id='{campaign_id}'] [data-testid={testid}]").strip()


def _expected(sandbox: Any, adv_id: str, days: int) -> list[dict[str, Any]]:
    end = date.fromisoformat(sandbox.admin.ads_campaigns(adv_id)["end"])
    start = end - timedelta(days=days - 1)
    return sandbox.admin.ads_campaigns(adv_id, start=start.isoformat(), end=end.isoformat())["campaigns"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_ads_section_lists_switches_and_hides_the_switch_from_viewers(
    lang: str,
    page: Any,
    browser: Any,
    live_server: Any,
    store: Any,
    admin_user_of_store: Any,
    make_user: Any,
    connect_store: Any,  # noqa: F811
    sandbox_settings: Any,
    screenshot: Any,
) -> None:
    connection = connect_store(store)
    services.ads_refresh(connection.pk)
    base = live_server.url
    url = f"{base}/admin/{store.account}/marketplace/tiktok/?open=ads"
    page.context.add_cookies([{"name": "tta_language", "value": lang, "url": base}])
    login(page, base, "merchant")
    page.goto(url)
    assert TITLE[lang] in page.inner_text("[data-testid=section-ads] summary")
    for days in (7, 30):
        for campaign in _expected(sandbox_settings, connection.adv_id, days):
            cid = campaign["campaign_id"]
            assert _cell(page, cid, "ads-name") == campaign["campaign_name"]
            assert _cell(page, cid, f"ads-spend-{days}") == format_money(
                Decimal(campaign["totals"]["spend"]), "BRL"
            )
            assert _cell(page, cid, f"ads-impressions-{days}") == str(campaign["totals"]["impressions"])
            assert _cell(page, cid, f"ads-clicks-{days}") == str(campaign["totals"]["clicks"])
            assert _cell(page, cid, f"ads-conversions-{days}") == str(campaign["totals"]["conversions"])
    assert page.locator("[data-testid=ads-chart] rect").count() == 30
    screenshot(f"{lang}-01-ads-section")

    first = sandbox_settings.admin.ads_campaigns(connection.adv_id)["campaigns"][0]
    cid = first["campaign_id"]
    assert first["operation_status"] == "ENABLE"
    switch = page.locator(f"[data-campaign-id='{cid}'] [data-testid=ads-switch]")
    assert switch.inner_text().strip() == TURN_OFF[lang]
    switch.click()
    page.wait_for_selector("[data-testid=ads-switch-confirm]")
    screenshot(f"{lang}-02-confirm-off")
    page.click("[data-testid=ads-switch-confirm-button]")
    page.wait_for_selector("[data-testid=section-ads][open]")
    assert (
        sandbox_settings.admin.ads_campaigns(connection.adv_id)["campaigns"][0]["operation_status"]
        == "DISABLE"
    )
    assert page.locator(f"[data-campaign-id='{cid}'] .badge--success").count() == 0
    audit = page.locator("[data-testid=audit-ads_campaign_disabled]").first
    assert "merchant" in audit.inner_text()
    screenshot(f"{lang}-03-switched-off")

    page.locator(f"[data-campaign-id='{cid}'] [data-testid=ads-switch]").click()
    page.click("[data-testid=ads-switch-confirm-button]")
    page.wait_for_selector("[data-testid=section-ads][open]")
    assert (
        sandbox_settings.admin.ads_campaigns(connection.adv_id)["campaigns"][0]["operation_status"]
        == "ENABLE"
    )
    assert page.locator(f"[data-campaign-id='{cid}'] .badge--success").count() == 1
    assert "merchant" in page.locator("[data-testid=audit-ads_campaign_enabled]").first.inner_text()

    make_user(store, Role.VIEWER, username="viewer")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    viewer = context.new_page()
    try:
        context.add_cookies([{"name": "tta_language", "value": lang, "url": base}])
        login(viewer, base, "viewer")
        viewer.goto(url)
        viewer.wait_for_selector("[data-testid=ads-campaigns]")
        assert viewer.locator("[data-testid=ads-campaign]").count() == 3
        assert viewer.locator("[data-testid=ads-switch]").count() == 0
        assert _cell(viewer, cid, "ads-spend-7") == format_money(
            Decimal(_expected(sandbox_settings, connection.adv_id, 7)[0]["totals"]["spend"]), "BRL"
        )
    finally:
        context.close()
