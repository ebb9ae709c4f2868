"""The hosted onboarding as a merchant clicks it, in Chromium: log in, pick assets, Finish Setup."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CALLBACK = "http://127.0.0.1:9/admin/lojademo/marketplace/tiktok/callback/"


def _open_onboarding(page, sandbox, **fields):
    ed = sandbox.external_data(redirect_uri=CALLBACK, state="browser-state", store_name="Loja Demo", **fields)
    # Nothing listens on the callback: answer it here so the final URL can be read.
    page.route(CALLBACK + "**", lambda route: route.fulfill(status=200, body="callback reached"))
    page.goto(f"{sandbox.url}/business-extension/auth?external_data={ed}")
    page.fill("#email", "demo@tiktok.test")
    page.fill("#password", "sandbox")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_merchant_finishes_setup_in_portuguese(page, sandbox, screenshot):
    _open_onboarding(page, sandbox, locale="pt-BR")
    assert page.locator("h1").inner_text() == "Configurar o TikTok for Business"
    page.check("#catalog-new")
    page.fill("#catalog_name", "Catálogo da Loja")
    page.check("#advanced_matching")
    screenshot("setup")
    page.click("button[value=finish]")
    page.wait_for_url(CALLBACK + "**")
    query = parse_qs(urlparse(page.url).query)
    assert query["state"] == ["browser-state"]
    assert len(query["auth_code"][0]) == 40
    (profile,) = sandbox.admin.profiles()
    catalogs = {c["catalog_id"]: c["name"] for c in sandbox.admin.catalogs()}
    assert catalogs[profile["catalog_id"]] == "Catálogo da Loja"


def test_merchant_cancels(page, sandbox):
    _open_onboarding(page, sandbox)
    page.click("button[value=cancel]")
    page.wait_for_url(CALLBACK + "**")
    assert parse_qs(urlparse(page.url).query) == {"error": ["access_denied"], "state": ["browser-state"]}
    assert sandbox.admin.profiles() == []
