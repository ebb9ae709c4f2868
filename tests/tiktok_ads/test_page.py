"""The Ads section on Marketplace > TikTok: built from the local copy only. While the page renders it
sends no request to TikTok (the sandbox journal shows none), and its query count is the same with TikTok
up, slow or down."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from store.money import format_money
from tiktok_ads import services
from tiktok_ads.models import AdAccount

pytestmark = [pytest.mark.services, pytest.mark.django_db]


def _page(client, store, lang: str = "en") -> tuple[str, int]:
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = lang
    with CaptureQueriesContext(db_connection) as queries:
        response = client.get(reverse("tiktok-page", kwargs={"account": store.account}))
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def _cell(html: str, campaign_id: str, testid: str) -> str:
    row = html.split(f'data-campaign-id="{campaign_id}"', 1)[1].split("</tr>", 1)[0]
    return re.search(rf'data-testid="{testid}">([^<]*)<', row).group(1).strip()


def test_the_section_shows_the_sandbox_figures_and_never_calls_tiktok(
    client, store, admin_user_of_store, ads_connection, sandbox_settings
):
    services.ads_refresh(ads_connection.pk)
    client.force_login(admin_user_of_store)
    mark = len(sandbox_settings.admin.journal())
    html, _count = _page(client, store)
    assert len(sandbox_settings.admin.journal()) == mark
    end = date.fromisoformat(sandbox_settings.admin.ads_campaigns(ads_connection.adv_id)["end"])
    for days in (7, 30):
        start = (end - timedelta(days=days - 1)).isoformat()
        for c in sandbox_settings.admin.ads_campaigns(
            ads_connection.adv_id, start=start, end=end.isoformat()
        )["campaigns"]:
            assert _cell(html, c["campaign_id"], f"ads-spend-{days}") == format_money(
                Decimal(c["totals"]["spend"]), "BRL"
            )
            assert _cell(html, c["campaign_id"], f"ads-clicks-{days}") == str(c["totals"]["clicks"])
            assert _cell(html, c["campaign_id"], f"ads-impressions-{days}") == str(c["totals"]["impressions"])
            assert _cell(html, c["campaign_id"], f"ads-conversions-{days}") == str(c["totals"]["conversions"])
    assert 'data-testid="ads-chart"' in html and "style=" not in html.split('data-testid="section-ads"')[1]
    assert html.count('data-testid="ads-switch"') == 3


def test_query_count_is_the_same_with_tiktok_up_slow_or_down(
    client, store, admin_user_of_store, ads_connection, sandbox_settings
):
    services.ads_refresh(ads_connection.pk)
    client.force_login(admin_user_of_store)
    _page(client, store)  # warm caches shared by every state
    mark = len(sandbox_settings.admin.journal())
    _html, up = _page(client, store)
    sandbox_settings.admin.fault("latency", seconds=3)
    _html, slow = _page(client, store)
    sandbox_settings.admin.clear_faults()
    sandbox_settings.admin.fault("http500")
    _html, down = _page(client, store)
    assert up == slow == down
    assert len(sandbox_settings.admin.journal()) == mark


def test_tiktok_down_shows_the_last_copy_and_says_so(
    client, store, admin_user_of_store, ads_connection, sandbox_settings
):
    services.ads_refresh(ads_connection.pk)
    sandbox_settings.admin.fault("http500", endpoint="campaign/get")
    services.ads_refresh(ads_connection.pk)
    client.force_login(admin_user_of_store)
    html, _count = _page(client, store)
    assert 'data-testid="ads-stale"' in html
    assert html.count('data-testid="ads-campaign"') == 3
    assert AdAccount.objects.get().stale


@pytest.mark.parametrize(
    ("lang", "title", "refresh", "rule"),
    [
        ("en", "TikTok Ads", "Refresh", "at most 7 days before ordering"),
        ("pt-br", "Anúncios do TikTok", "Atualizar", "no máximo 7 dias antes do pedido"),
        ("es", "Anuncios de TikTok", "Actualizar", "como máximo 7 días antes del pedido"),
    ],
)
def test_the_section_speaks_the_merchants_language(
    client, store, viewer_user_of_store, ads_connection, lang, title, refresh, rule
):
    services.ads_refresh(ads_connection.pk)
    client.force_login(viewer_user_of_store)
    html, _count = _page(client, store, lang)
    assert title in html and refresh in html and rule in html
    # A viewer sees the figures and no switch.
    assert html.count('data-testid="ads-campaign"') == 3
    assert 'data-testid="ads-switch"' not in html


def test_ops_status_json_and_refresh(ads_connection, store, capsys, sandbox_settings):
    call_command("tiktok_ads", "refresh", "--store", store.account)
    assert capsys.readouterr().out.strip() == f"{store.account}: succeeded campaigns=3 days=90"
    call_command("tiktok_ads", "status", "--store", str(store.pk), "--format", "json")
    report = json.loads(capsys.readouterr().out)
    expected = sandbox_settings.admin.ads_campaigns(ads_connection.adv_id)["campaigns"]
    assert [c["campaign_id"] for c in report["campaigns"]] == [c["campaign_id"] for c in expected]
    assert [c["spend_7"] for c in report["campaigns"]] == [c["totals"]["spend"] for c in expected]
    assert (report["currency"], report["stale"], report["last_run"]["trigger"]) == ("BRL", False, "ops")
