"""Marketplace > TikTok in a real Chromium, in pt-BR, es and en, against tests/integration/expected_strings.py:
the App Store install, the setup form, the sandbox onboarding and back; each section opened; Advanced
Matching toggled; each Manage button followed to the sandbox; Disconnect (and its failure path with the
manual steps); Reconnect; a token revoked and an account suspended in the sandbox each becoming the banner.
Screenshots of every state under test-output/screenshots/."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from integration import services
from integration.models import ConnectionStatus, DisconnectReason, TikTokConnection, TikTokSetup
from store.models import InstalledApp
from tests.integration.expected_strings import LANGUAGES, text
from tests.plugins.browser import login

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

DEMO = {"bc_id": "7100000000000000001", "adv_id": "7200000000000000001"}
DESTINATIONS = {
    "go-business-center": "/bc/{bc_id}/",
    "go-ads-manager": "/ads/{adv_id}/",
    "go-create-ad-account": "/ads/{adv_id}/create/",
    "go-pixel": "/events-manager/pixel/{pixel_code}/",
    "go-catalog-available": "/catalog-manager/{bc_id}/{catalog_id}/",
    "go-catalog-pending": "/catalog-manager/{bc_id}/{catalog_id}/",
    "go-catalog-needs_details": "/catalog-manager/{bc_id}/{catalog_id}/",
}


@pytest.fixture(autouse=True)
def _env(settings: Any, live_server: Any, sandbox_settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # The OAuth callback must come back to this live server (a thread of this test process).
    settings.PUBLIC_BASE_URL = live_server.url
    cache.clear()
    # The first full sync is the catalog sync's business (tested there); here it is only recorded.
    started: list[int] = []
    monkeypatch.setattr(
        "catalog_sync.services.connection_start_full_sync", lambda cid, **kw: started.append(cid)
    )


def main_text(page: Any) -> str:
    return " ".join(page.inner_text("main").split())


def assert_texts(page: Any, keys: list[str], lang: str) -> None:
    shown = main_text(page)
    for key in keys:
        assert text(key, lang) in shown, f"{key!r} missing in {lang}"


def tiktok_onboarding(page: Any, live_url: str, *, advanced_matching: bool, logged_in: bool) -> None:
    """At the sandbox: log in (first time), keep the demo Business Center and ad account, create a pixel
    and a catalog, choose Advanced Matching, Finish Setup; TikTok sends the browser back to the page."""
    if not logged_in:
        page.wait_for_selector("#email")
        page.fill("#email", "demo@tiktok.test")
        page.fill("#password", "sandbox")
        page.click("button[type=submit]")
    page.wait_for_selector("button[value=finish]")
    page.check("#pixel-new")
    page.check("#catalog-new")
    if advanced_matching:
        page.check("#advanced_matching")
    else:
        page.uncheck("#advanced_matching")
    page.click("button[value=finish]")
    page.wait_for_url(f"{live_url}/admin/**/marketplace/tiktok/")


def setup_form(page: Any, *, first_time: bool) -> None:
    if first_time:
        page.fill("[data-testid=field-affiliate_id] input", "tkt")
    else:
        assert page.get_attribute("[data-testid=input-affiliate_id]", "readonly") is not None
        assert page.input_value("[data-testid=input-affiliate_id]") == "TKT"
    page.select_option("#id_segment", "fashion")
    page.fill("#id_contact_email", "contato@lojademo.com.br")
    page.fill("#id_phone", "(11) 91234-5678")
    page.click("[data-testid=setup-continue]")
    page.wait_for_load_state()
    assert page.locator("[data-testid=setup-review]").count() == 1, main_text(page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_install_setup_connect_manage_disconnect_reconnect(
    lang: str,
    page: Any,
    live_server: Any,
    store: Any,
    admin_user_of_store: Any,
    sandbox_settings: Any,
    screenshot,
) -> None:
    sandbox = sandbox_settings
    base = live_server.url
    page.context.add_cookies([{"name": "tta_language", "value": lang, "url": base}])
    login(page, base, "merchant")

    # App Store > Install > Apps > My apps > TikTok settings.
    page.goto(f"{base}/admin/{store.account}/apps/store/")
    page.click("[data-testid=install-tiktok]")
    page.click("[data-testid=app-settings-tiktok]")
    page.wait_for_url(f"{base}/admin/{store.account}/marketplace/tiktok/")
    # The same page also lives under Apps > My apps > TikTok.
    page.goto(f"{base}/admin/{store.account}/apps/tiktok/")
    assert_texts(page, ["requirement_business_account", "requirement_admin", "requirement_ads_manager"], lang)
    screenshot(f"{lang}-01-requirements")

    # Setup form, review, confirm.
    page.click("[data-testid=start-setup]")
    setup_form(page, first_time=True)
    screenshot(f"{lang}-02-review")
    page.click("[data-testid=setup-confirm]")
    page.wait_for_selector("[data-testid=connect-account]")
    assert text("connect_account", lang) in main_text(page)
    assert TikTokSetup.objects.get(store=store).affiliate_id == "TKT"

    # Connect account -> the sandbox onboarding -> back on the page.
    page.click("[data-testid=connect-account]")
    page.wait_for_url(f"{sandbox.url}/**")
    tiktok_onboarding(page, base, advanced_matching=True, logged_in=False)
    connection = TikTokConnection.objects.get(store=store, status=ConnectionStatus.CONNECTED)
    assert connection.advanced_matching is True
    page.wait_for_selector("[data-testid=connection-health]")
    assert "merchant" in page.inner_text("[data-testid=connected-by]")
    screenshot(f"{lang}-03-connected")

    # Each section opens on click and shows the seed's options.
    for section, keys in (
        ("business-center", ["business_center_manage"]),
        ("ad-account", ["ad_account_manage", "ad_account_create"]),
        ("data-sharing", ["pixel_manage", "enable_advanced_matching", "am_shared", "am_never"]),
        (
            "catalog",
            [
                "products_available",
                "products_pending",
                "pending_transitory",
                "products_need_details",
                "needs_details_help",
                "catalog_manage",
            ],
        ),
    ):
        details = page.locator(f"#{section}")
        assert details.get_attribute("open") is None
        assert not details.locator(".section__body").is_visible()
        details.locator("summary").click()
        assert details.locator(".section__body").is_visible()
        assert_texts(page, keys, lang)
    for key in (
        "business_center",
        "ad_account",
        "data_sharing",
        "catalog",
        "create_an_ad",
        "disconnect",
        "create_ads_heading",
        "click_each_section",
    ):
        assert text(key, lang) in main_text(page)
    screenshot(f"{lang}-04-sections-open")

    # Advanced Matching: on from TikTok's pixel; the local toggle is the truth.
    assert page.is_checked("[data-testid=am-toggle]")
    page.click("[data-testid=am-toggle]")
    page.wait_for_load_state()
    page.wait_for_selector("[data-testid=am-state]")
    assert page.inner_text("[data-testid=am-state]").strip() == text("am_off_badge", lang)
    connection.refresh_from_db()
    assert connection.advanced_matching is False
    assert page.get_attribute("#data-sharing", "open") is not None  # the section stays open after the toggle
    page.click("[data-testid=am-toggle]")
    page.wait_for_load_state()
    page.wait_for_selector("[data-testid=am-state]")
    assert page.inner_text("[data-testid=am-state]").strip() == text("am_on_badge", lang)
    connection.refresh_from_db()
    assert connection.advanced_matching is True
    screenshot(f"{lang}-05-advanced-matching")

    # Every Manage / Create an ad button opens this connection's place at TikTok (the sandbox).
    for section in ("business-center", "ad-account", "data-sharing", "catalog"):
        if page.get_attribute(f"#{section}", "open") is None:
            page.locator(f"#{section} summary").click()
    ids = {k: getattr(connection, k) for k in ("bc_id", "adv_id", "pixel_code", "catalog_id")}
    for testid, path in {**DESTINATIONS, "create-ad-top": "/ads/{adv_id}/create/"}.items():
        with page.context.expect_page() as opened:
            page.click(f"[data-testid={testid}]")
        tiktok_page = opened.value
        tiktok_page.wait_for_load_state()
        assert tiktok_page.url == sandbox.url + path.format(**ids), testid
        assert "permission" not in tiktok_page.inner_text("body").lower()
        tiktok_page.close()

    # Disconnect: the confirmation states the seed's consequences, then TikTok is told and the token revoked.
    page.click("[data-testid=disconnect-open]")
    dialog = page.locator("[data-testid=disconnect-dialog]")
    assert dialog.is_visible()
    consequences = " ".join(dialog.inner_text().split())
    for key in (
        "disconnect_stops",
        "disconnect_no_more_products",
        "disconnect_products_stay",
        "catalog_manager",
    ):
        assert text(key, lang) in consequences
    screenshot(f"{lang}-06-disconnect-dialog")
    page.click("[data-testid=disconnect-confirm]")
    page.wait_for_selector("[data-testid=disconnected]")
    assert page.locator("[data-testid=manual-steps]").count() == 0
    endpoints = [e["endpoint"] for e in sandbox.admin.journal()]
    assert any("business_profile/disconnect" in e for e in endpoints)
    assert any("revoke_token" in e for e in endpoints)
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.DISCONNECTED and connection.access_token == ""
    screenshot(f"{lang}-07-disconnected")

    # Reconnect: repeat the setup (affiliate ID and website fixed), TikTok again, back connected.
    page.click("[data-testid=reconnect]")
    setup_form(page, first_time=False)
    page.click("[data-testid=setup-confirm]")
    page.click("[data-testid=connect-account]")
    tiktok_onboarding(page, base, advanced_matching=False, logged_in=True)
    page.wait_for_selector("[data-testid=connection-health]")
    second = TikTokConnection.objects.get(store=store, status=ConnectionStatus.CONNECTED)
    assert second.pk != connection.pk and second.advanced_matching is False
    screenshot(f"{lang}-08-reconnected")

    # Disconnect while TikTok fails: local state is cleared and the seed's manual steps are shown.
    sandbox.admin.fault("http500", endpoint="business_profile/disconnect")
    sandbox.admin.fault("http500", endpoint="revoke_token")
    page.click("[data-testid=disconnect-open]")
    page.click("[data-testid=disconnect-confirm]")
    page.wait_for_selector("[data-testid=manual-steps]")
    assert_texts(page, ["authorizations", "manual_step_1", "manual_step_2", "manual_step_3"], lang)
    second.refresh_from_db()
    assert second.status == ConnectionStatus.DISCONNECTED
    screenshot(f"{lang}-09-manual-steps")
    with page.context.expect_page() as opened:
        page.click("[data-testid=authorizations-link]")
    assert opened.value.url == f"{sandbox.url}/ac/page/authorizations"
    opened.value.close()


def _connected_via_sandbox(store: Any, sandbox: Any) -> TikTokConnection:
    setup = TikTokSetup.objects.create(
        store=store,
        affiliate_id="TKT",
        trade_policy=store.trade_policies.get(code="1"),
        store_name=store.name,
        website="https://www.lojademo.com.br",
        segment="fashion",
        country="BR",
        time_zone="America/Sao_Paulo",
        contact_email="contato@lojademo.com.br",
        phone_country_code="+55",
        phone="11912345678",
        external_business_id=f"vtex-{store.account}-e2e",
        confirmed_at=timezone.now(),
    )
    InstalledApp.objects.create(store=store, app="tiktok")
    grant = sandbox.admin.connect(setup.external_business_id)
    return TikTokConnection.objects.create(
        store=store,
        external_business_id=setup.external_business_id,
        bc_id=grant["bc_id"],
        adv_id=grant["adv_id"],
        pixel_code=grant["pixel_code"],
        catalog_id=grant["catalog_id"],
        access_token=grant["access_token"],
        connected_at=timezone.now(),
    )


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("how", ["revoked", "suspended"])
def test_revoked_token_or_suspended_account_becomes_the_banner(
    lang: str,
    how: str,
    page: Any,
    live_server: Any,
    store: Any,
    admin_user_of_store: Any,
    sandbox_settings: Any,
    screenshot,
) -> None:
    sandbox = sandbox_settings
    connection = _connected_via_sandbox(store, sandbox)
    page.context.add_cookies([{"name": "tta_language", "value": lang, "url": live_server.url}])
    login(page, live_server.url, "merchant")
    page.goto(f"{live_server.url}/admin/{store.account}/marketplace/tiktok/")
    page.wait_for_selector("[data-testid=connection-health]")

    if how == "revoked":
        sandbox.admin.revoke(token=connection.access_token)
        reason, key = DisconnectReason.TOKEN_REVOKED, "reason_revoked"
    else:
        sandbox.admin.suspend(connection.adv_id, reason="Violation of TikTok advertising policies.")
        reason, key = DisconnectReason.ACCOUNT_SUSPENDED, "reason_suspended"
    run = services.connections_check_all(trigger="test")  # what Celery beat runs
    assert run.disconnected == 1

    page.reload()
    banner = page.locator("[data-testid=auto-disconnect-banner]")
    banner.wait_for()
    shown = " ".join(banner.inner_text().split())
    assert text(key, lang) in shown
    assert text("auto_disconnect_rule", lang) in shown
    assert text("reconnect", lang) in shown
    if how == "suspended":
        assert "Violation of TikTok advertising policies." in shown
    connection.refresh_from_db()
    assert connection.disconnect_reason == reason
    screenshot(f"{lang}-banner-{how}")
    page.click("[data-testid=reconnect]")
    page.wait_for_selector("[data-testid=setup-form]")
