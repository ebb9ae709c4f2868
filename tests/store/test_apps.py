"""Apps > My apps and the App Store: install / uninstall, audit trail, roles."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditAction, AuditEvent
from integration.models import TikTokConnection
from store.models import InstalledApp
from store.selectors import app_is_installed

pytestmark = pytest.mark.django_db


def url(name, store, **kwargs):
    return reverse(name, kwargs={"account": store.account, **kwargs})


def test_app_store_lists_tiktok_with_the_readme_text(client, store, admin_user_of_store):
    client.force_login(admin_user_of_store)
    body = client.get(url("apps-app-store", store)).content.decode()
    assert "TikTok for Business" in body
    assert (
        "The TikTok for Business app allows merchants to easily connect their stores to TikTok, using it as a "
        "channel to drive sales and market products sold in their ecommerce." in body
    )
    assert "Syncing products in your catalog with TikTok." in body
    assert "The integration with TikTok is available only for stores in Brazil." in body
    assert 'data-testid="install-tiktok"' in body


def test_install_then_my_apps_shows_settings_and_uninstall(client, store, admin_user_of_store):
    client.force_login(admin_user_of_store)
    assert not app_is_installed(store, "tiktok")
    response = client.post(url("apps-install", store, app="tiktok"))
    assert response.status_code == 302
    assert response["Location"] == url("apps-my-apps", store)
    assert app_is_installed(store, "tiktok")
    event = AuditEvent.objects.get(store=store)
    assert (event.action, event.actor, event.detail) == (
        AuditAction.APP_INSTALLED,
        admin_user_of_store,
        {"app": "tiktok"},
    )
    body = client.get(url("apps-my-apps", store)).content.decode()
    assert f'href="/admin/{store.account}/marketplace/tiktok/" data-testid="app-settings-tiktok"' in body
    assert 'data-testid="app-uninstall-tiktok"' in body
    assert f'href="/admin/{store.account}/apps/tiktok/" data-testid="app-page-tiktok"' in body
    assert "TikTok for Business was installed." in body
    # Installing twice is refused and adds nothing.
    client.post(url("apps-install", store, app="tiktok"))
    assert InstalledApp.objects.filter(store=store).count() == 1
    assert AuditEvent.objects.filter(store=store).count() == 1


def test_uninstall_needs_a_post_and_confirmation_dialog(client, store, admin_user_of_store):
    client.force_login(admin_user_of_store)
    InstalledApp.objects.create(store=store, app="tiktok")
    confirm = client.get(url("apps-my-apps", store) + "?confirm-uninstall=tiktok").content.decode()
    assert 'id="dlg-uninstall-tiktok" aria-labelledby="dlg-uninstall-title-tiktok" open' in confirm
    assert "Uninstall TikTok for Business?" in confirm
    assert client.get(url("apps-uninstall", store, app="tiktok")).status_code == 405
    assert app_is_installed(store, "tiktok")
    response = client.post(url("apps-uninstall", store, app="tiktok"))
    assert response.status_code == 302
    assert not app_is_installed(store, "tiktok")
    assert AuditEvent.objects.get(store=store).action == AuditAction.APP_UNINSTALLED
    assert "No apps installed yet." in client.get(url("apps-my-apps", store)).content.decode()


def test_uninstall_while_connected_is_refused(client, store, admin_user_of_store):
    client.force_login(admin_user_of_store)
    InstalledApp.objects.create(store=store, app="tiktok")
    TikTokConnection.objects.create(store=store, external_business_id="ebid", connected_at=timezone.now())
    response = client.post(url("apps-uninstall", store, app="tiktok"), follow=True)
    assert "Disconnect TikTok first (Marketplace &gt; TikTok &gt; Disconnect), then uninstall the app." in (
        response.content.decode()
    )
    assert app_is_installed(store, "tiktok")
    assert not AuditEvent.objects.filter(store=store).exists()


def test_viewer_sees_apps_but_cannot_install_or_uninstall(client, store, viewer_user_of_store):
    client.force_login(viewer_user_of_store)
    body = client.get(url("apps-app-store", store)).content.decode()
    assert "Only store admins can install apps." in body
    assert client.post(url("apps-install", store, app="tiktok")).status_code == 403
    assert not InstalledApp.objects.exists()
    InstalledApp.objects.create(store=store, app="tiktok")
    assert 'data-testid="app-uninstall-tiktok"' not in client.get(url("apps-my-apps", store)).content.decode()
    assert client.post(url("apps-uninstall", store, app="tiktok")).status_code == 403
    assert app_is_installed(store, "tiktok")
    assert not AuditEvent.objects.exists()


def test_unknown_app_is_404(client, store, admin_user_of_store):
    client.force_login(admin_user_of_store)
    assert client.post(url("apps-install", store, app="nope")).status_code == 404
    assert not InstalledApp.objects.exists()


def test_my_apps_shows_install_time_in_the_store_time_zone(client, store, admin_user_of_store):
    client.force_login(admin_user_of_store)
    row = InstalledApp.objects.create(store=store, app="tiktok")
    InstalledApp.objects.filter(pk=row.pk).update(installed_at=dt.datetime(2026, 1, 1, 2, 30, tzinfo=dt.UTC))
    body = client.get(url("apps-my-apps", store)).content.decode()
    # 02:30 UTC is 23:30 the day before in São Paulo (UTC-3).
    assert "installed on Dec. 31, 2025, 11:30 p.m." in body
