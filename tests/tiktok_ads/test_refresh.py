"""The refresh of the local copy against the sandbox: the figures equal the sandbox's, and on the failure
paths what must not happen does not (no lost copy, no disconnect on throttling or 5xx, no write after a
disconnect), while a revoked token disconnects the store through integration's automatic disconnect."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from core.models import AuditEvent
from integration.models import DisconnectReason, TikTokConnection
from tiktok_ads import services
from tiktok_ads.models import AdAccount, Campaign, CampaignDay, RefreshRun, RefreshStatus, RefreshTrigger

pytestmark = [pytest.mark.services, pytest.mark.django_db]


def _sandbox_totals(sandbox, adv_id: str, days: int) -> dict[str, dict]:
    end = sandbox.admin.ads_campaigns(adv_id)["end"]
    start = (date.fromisoformat(end) - timedelta(days=days - 1)).isoformat()
    return {
        c["campaign_id"]: c for c in sandbox.admin.ads_campaigns(adv_id, start=start, end=end)["campaigns"]
    }


def test_refresh_copies_campaigns_and_30_days_equal_to_the_sandbox(ads_connection, sandbox_settings):
    outcome = services.ads_refresh(ads_connection.pk, trigger=RefreshTrigger.OPS)
    assert outcome.run.status == RefreshStatus.SUCCEEDED and not outcome.retryable
    account = AdAccount.objects.get(connection=ads_connection)
    assert (account.currency, account.timezone) == ("BRL", "America/Sao_Paulo")
    assert account.refreshed_at is not None and not account.stale
    expected = _sandbox_totals(sandbox_settings, ads_connection.adv_id, 30)
    campaigns = list(Campaign.objects.filter(account=account))
    assert [c.campaign_id for c in campaigns] == list(expected)
    for campaign in campaigns:
        days = CampaignDay.objects.filter(campaign=campaign)
        assert days.count() == 30
        assert sum((d.spend for d in days), Decimal(0)) == Decimal(
            expected[campaign.campaign_id]["totals"]["spend"]
        )
        assert sum(d.conversions for d in days) == expected[campaign.campaign_id]["totals"]["conversions"]
        assert campaign.operation_status == expected[campaign.campaign_id]["operation_status"]
    assert (outcome.run.campaigns, outcome.run.days) == (3, 90)


def test_refresh_twice_writes_nothing_twice(ads_connection):
    services.ads_refresh(ads_connection.pk)
    services.ads_refresh(ads_connection.pk)
    assert Campaign.objects.count() == 3
    assert CampaignDay.objects.count() == 90
    assert RefreshRun.objects.filter(status=RefreshStatus.SUCCEEDED).count() == 2


@pytest.mark.parametrize(
    ("kind", "spec"),
    [("throttle", {}), ("error", {"code": 50002, "message": "Internal error."}), ("http500", {})],
)
def test_tiktok_down_or_throttling_keeps_the_last_copy_and_never_disconnects(
    ads_connection, sandbox_settings, kind, spec
):
    services.ads_refresh(ads_connection.pk)
    before = list(CampaignDay.objects.order_by("pk").values_list("pk", "spend"))
    as_of = AdAccount.objects.get().refreshed_at
    sandbox_settings.admin.fault(kind, endpoint="report/integrated/get", **spec)
    outcome = services.ads_refresh(ads_connection.pk)
    assert outcome.run.status == RefreshStatus.KEPT_LAST_COPY and outcome.retryable
    account = AdAccount.objects.get()
    assert account.refreshed_at == as_of and account.stale
    assert list(CampaignDay.objects.order_by("pk").values_list("pk", "spend")) == before
    connection = TikTokConnection.objects.get(pk=ads_connection.pk)
    assert connection.is_active and connection.disconnect_reason == ""
    assert not AuditEvent.objects.filter(action="auto_disconnected").exists()


def test_a_revoked_token_disconnects_the_store_and_writes_no_copy(ads_connection, sandbox_settings):
    sandbox_settings.admin.revoke(token=ads_connection.access_token)
    outcome = services.ads_refresh(ads_connection.pk)
    assert outcome.run.status == RefreshStatus.FAILED and not outcome.retryable
    assert outcome.run.error_code == 40105
    connection = TikTokConnection.objects.get(pk=ads_connection.pk)
    assert not connection.is_active
    assert connection.disconnect_reason == DisconnectReason.TOKEN_REVOKED
    assert Campaign.objects.count() == 0 and CampaignDay.objects.count() == 0
    # After the disconnect, a further refresh calls TikTok no more.
    calls = len(sandbox_settings.admin.journal())
    assert services.ads_refresh(ads_connection.pk).run is None
    assert len(sandbox_settings.admin.journal()) == calls


def test_a_permission_error_is_recorded_not_retried_and_does_not_disconnect(ads_connection, sandbox_settings):
    sandbox_settings.admin.fault("error", endpoint="campaign/get", code=40001, message="No permission.")
    outcome = services.ads_refresh(ads_connection.pk)
    assert outcome.run.status == RefreshStatus.FAILED and not outcome.retryable
    assert TikTokConnection.objects.get(pk=ads_connection.pk).is_active
    assert TikTokConnection.objects.get(pk=ads_connection.pk).last_error_code == 40001


def test_refresh_of_a_disconnected_store_calls_tiktok_never(ads_connection, sandbox_settings):
    TikTokConnection.objects.filter(pk=ads_connection.pk).update(status="disconnected")
    assert services.ads_refresh(ads_connection.pk).run is None
    assert sandbox_settings.admin.journal(endpoint="campaign/get") == []
    assert RefreshRun.objects.count() == 0
