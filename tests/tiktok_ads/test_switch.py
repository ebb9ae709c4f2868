"""The campaign switch and the *Refresh* button, through the views: confirmation, audit, viewers refused,
TikTok's refusal shown with its reason, and on every failure path nothing changed locally or at TikTok."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from core.models import AuditEvent
from integration.models import TikTokConnection
from tiktok_ads import services, tasks
from tiktok_ads.models import AdAccount, Campaign, RefreshTrigger

pytestmark = [pytest.mark.services, pytest.mark.django_db]

DEMO_BC = "7100000000000000001"


def _switch_url(store, campaign_id: str) -> str:
    return reverse("tiktok-ads-switch", kwargs={"account": store.account, "campaign_id": campaign_id})


@pytest.fixture
def copied(ads_connection) -> Campaign:
    services.ads_refresh(ads_connection.pk)
    return Campaign.objects.get(position=0)


def test_switch_asks_for_confirmation_then_switches_at_tiktok_and_locally(
    client, store, admin_user_of_store, ads_connection, copied, sandbox_settings
):
    client.force_login(admin_user_of_store)
    url = _switch_url(store, copied.campaign_id)
    confirm = client.get(url)
    assert confirm.status_code == 200 and b'data-testid="ads-switch-confirm"' in confirm.content
    # A post without the confirmation only shows the confirmation again.
    assert client.post(url).status_code == 200
    assert sandbox_settings.admin.journal(endpoint="campaign/status/update") == []
    response = client.post(url, {"confirm": "1"})
    assert response.status_code == 302 and response["Location"].endswith("?open=ads#ads")
    remote = sandbox_settings.admin.ads_campaigns(ads_connection.adv_id)["campaigns"][0]
    assert remote["operation_status"] == "DISABLE"
    assert Campaign.objects.get(pk=copied.pk).operation_status == "DISABLE"
    event = AuditEvent.objects.get(action=services.AUDIT_DISABLED)
    assert event.actor == admin_user_of_store
    assert event.detail == {"campaign_id": copied.campaign_id, "message": copied.name}
    client.post(url, {"confirm": "1"})
    assert (
        sandbox_settings.admin.ads_campaigns(ads_connection.adv_id)["campaigns"][0]["operation_status"]
        == "ENABLE"
    )
    assert AuditEvent.objects.filter(action=services.AUDIT_ENABLED, actor=admin_user_of_store).count() == 1


def test_a_viewer_may_not_switch(
    client, store, viewer_user_of_store, ads_connection, copied, sandbox_settings
):
    client.force_login(viewer_user_of_store)
    assert client.post(_switch_url(store, copied.campaign_id), {"confirm": "1"}).status_code == 403
    assert sandbox_settings.admin.journal(endpoint="campaign/status/update") == []
    assert Campaign.objects.get(pk=copied.pk).operation_status == "ENABLE"
    assert not AuditEvent.objects.filter(action__startswith="ads_campaign").exists()


def test_tiktok_refusing_shows_its_reason_and_changes_nothing(
    client, store, admin_user_of_store, ads_connection, copied, sandbox_settings
):
    sandbox_settings.admin.ads_role(DEMO_BC, "demo@tiktok.test", "STANDARD")
    client.force_login(admin_user_of_store)
    response = client.post(_switch_url(store, copied.campaign_id), {"confirm": "1"}, follow=True)
    shown = [str(m) for m in response.context["messages"]]
    assert shown == [
        f"TikTok refused the change: You don't have permission to operate this advertiser:{ads_connection.adv_id}."
    ]
    assert Campaign.objects.get(pk=copied.pk).operation_status == "ENABLE"
    assert (
        sandbox_settings.admin.ads_campaigns(ads_connection.adv_id)["campaigns"][0]["operation_status"]
        == "ENABLE"
    )
    assert not AuditEvent.objects.filter(action__startswith="ads_campaign").exists()
    assert TikTokConnection.objects.get(pk=ads_connection.pk).is_active


def test_tiktok_down_changes_nothing_and_never_disconnects(
    ads_connection, copied, sandbox_settings, admin_user_of_store
):
    sandbox_settings.admin.fault("http500", endpoint="campaign/status/update")
    with pytest.raises(services.AdsError) as caught:
        services.campaign_switch(
            ads_connection.pk, copied.campaign_id, enabled=False, actor=admin_user_of_store
        )
    assert caught.value.code == "ads_unavailable"
    assert Campaign.objects.get(pk=copied.pk).operation_status == "ENABLE"
    assert TikTokConnection.objects.get(pk=ads_connection.pk).is_active
    assert not AuditEvent.objects.filter(action__startswith="ads_campaign").exists()


def test_a_revoked_token_on_switch_disconnects_and_changes_nothing(
    ads_connection, copied, sandbox_settings, admin_user_of_store
):
    sandbox_settings.admin.revoke(token=ads_connection.access_token)
    with pytest.raises(services.AdsError) as caught:
        services.campaign_switch(
            ads_connection.pk, copied.campaign_id, enabled=False, actor=admin_user_of_store
        )
    assert caught.value.code == "ads_auth"
    assert not TikTokConnection.objects.get(pk=ads_connection.pk).is_active
    assert Campaign.objects.get(pk=copied.pk).operation_status == "ENABLE"
    assert not AuditEvent.objects.filter(action__startswith="ads_campaign").exists()


def test_refresh_button_dispatches_once_per_minute(
    client, store, viewer_user_of_store, ads_connection, monkeypatch, django_capture_on_commit_callbacks
):
    sent: list[tuple[Any, ...]] = []
    monkeypatch.setattr(tasks.refresh, "delay", lambda *args: sent.append(args))
    client.force_login(viewer_user_of_store)
    url = reverse("tiktok-ads-refresh", kwargs={"account": store.account})
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, follow=True)
        second = client.post(url, follow=True)
    assert sent == [(ads_connection.pk, RefreshTrigger.MANUAL)]
    assert [str(m) for m in first.context["messages"]] == [
        "Refreshing the figures from TikTok. Reload the page in a moment."
    ]
    assert [str(m) for m in second.context["messages"]] == [
        "The figures were refreshed a moment ago. Try again in a minute."
    ]
    assert AdAccount.objects.get().last_manual_refresh_at is not None


def test_refresh_task_retries_only_retryable_errors(ads_connection, sandbox_settings, monkeypatch):
    retried: list[int] = []

    class Retry(Exception):
        pass

    def fake_retry(*args: Any, **kwargs: Any) -> Exception:
        retried.append(kwargs.get("countdown"))
        return Retry()

    monkeypatch.setattr(tasks.refresh, "retry", fake_retry)
    sandbox_settings.admin.fault("throttle", endpoint="campaign/get")
    with pytest.raises(Retry):
        tasks.refresh.apply(args=(ads_connection.pk,), throw=True)
    sandbox_settings.admin.clear_faults()
    sandbox_settings.admin.fault("error", endpoint="campaign/get", code=40002, message="bad")
    tasks.refresh.apply(args=(ads_connection.pk,), throw=True)
    assert retried == [tasks.RETRY_SECONDS]


def test_beat_job_takes_its_slot_once(ads_connection, monkeypatch, django_capture_on_commit_callbacks):
    sent: list[tuple[Any, ...]] = []
    monkeypatch.setattr(tasks.refresh, "delay", lambda *args: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.refresh_all.apply(kwargs={"beat_slot": 1_000}).get() == 1
        assert tasks.refresh_all.apply(kwargs={"beat_slot": 1_000}).get() == 0
    assert sent == [(ads_connection.pk, RefreshTrigger.BEAT)]
