"""The admin on a phone-sized screen (390 px): QA found the sidebar hidden with nothing in its place (no way
to reach Marketplace > TikTok or the App Store) and the top bar pushing every page to ~560 px wide."""

from __future__ import annotations

from typing import Any

import pytest

from store.models import InstalledApp
from tests.plugins.browser import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_admin_fits_a_phone_and_keeps_its_navigation(
    live_server: Any, page: Any, store: Any, admin_user_of_store: Any
) -> None:
    InstalledApp.objects.get_or_create(store=store, app="tiktok")
    page.set_viewport_size({"width": 390, "height": 844})
    page.context.add_cookies([{"name": "tta_language", "value": "pt-br", "url": live_server.url}])
    login(page, live_server.url, "merchant")
    for path in ("", "marketplace/tiktok/", "marketplace/tiktok/settings/", "apps/", "apps/store/"):
        page.goto(f"{live_server.url}/admin/{store.account}/{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        for testid in ("nav-dashboard", "nav-marketplace-tiktok", "nav-my-apps", "nav-app-store"):
            assert page.is_visible(f"[data-testid={testid}]"), (path, testid)
    page.goto(f"{live_server.url}/admin/{store.account}/")
    page.click("[data-testid=nav-marketplace-tiktok]")
    page.wait_for_url(f"{live_server.url}/admin/{store.account}/marketplace/tiktok/")
