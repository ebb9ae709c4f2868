"""The admin shell in a real Chromium: login, the language and store switchers (auto-submitting
selects), and uninstalling an app through the confirmation dialog."""

from __future__ import annotations

import pytest

from store.models import InstalledApp, Membership, Role
from tests.plugins.browser import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_merchant_switches_language_and_store_then_uninstalls_an_app(
    live_server, page, screenshot, store, make_store, admin_user_of_store
):
    second = make_store(account="segunda", name="Segunda Loja")
    Membership.objects.create(user=admin_user_of_store, store=second, role=Role.ADMIN)
    InstalledApp.objects.create(store=second, app="tiktok")
    InstalledApp.objects.create(store=store, app="tiktok")

    login(page, live_server.url, "merchant")
    page.wait_for_url(f"{live_server.url}/admin/{store.account}/")
    assert page.inner_text("[data-testid=nav-dashboard]") == "Dashboard"

    page.select_option("[data-testid=language-switcher]", "es")
    page.wait_for_selector("text=Mis apps")
    assert page.inner_text("[data-testid=nav-dashboard]") == "Panel"
    assert page.inner_text("[data-testid=nav-my-apps]") == "Mis apps"

    page.select_option("[data-testid=store-switcher]", "segunda")
    page.wait_for_url(f"{live_server.url}/admin/segunda/")
    assert page.inner_text("h1.page-title") == "Segunda Loja"
    screenshot("es-dashboard")

    page.click("[data-testid=nav-my-apps]")
    page.click("[data-testid=app-uninstall-tiktok]")
    dialog = page.locator("#dlg-uninstall-tiktok")
    assert dialog.is_visible()
    assert "¿Desinstalar TikTok for Business?" in dialog.inner_text()
    screenshot("es-uninstall-dialog")
    page.click("[data-testid=confirm-uninstall]")
    page.wait_for_selector("[data-testid=toast]")
    assert page.inner_text("[data-testid=toast]") == "TikTok for Business se desinstaló."
    assert not InstalledApp.objects.filter(store=second).exists()
    # Only the store being viewed changed.
    assert InstalledApp.objects.filter(store=store).count() == 1
    assert page.inner_text("[data-testid=no-apps] p") == "Todavía no hay apps instaladas."
