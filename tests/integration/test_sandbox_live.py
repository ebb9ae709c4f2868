"""The connection against the live sandbox process over real HTTP: onboarding pages driven with requests,
the OAuth callback, the page's Manage destinations, disconnect (journal shows disconnect + revoke), its
failure path, and automatic disconnects after a revocation or a suspension made in the sandbox."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from integration import services
from integration.models import ConnectionStatus, DisconnectReason, TikTokConnection
from integration.selectors import connection_is_active
from store.models import InstalledApp
from tests.plugins.sandbox import token_fp

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

DEMO = {"email": "demo@tiktok.test", "password": "sandbox"}
DEMO_IDS = {
    "bc_id": "7100000000000000001",
    "adv_id": "7200000000000000001",
    "pixel_code": "CABCDEFGHIJ1234567XY",
    "catalog_id": "7300000000000000001",
}


@pytest.fixture
def live(sandbox_settings: Any, settings: Any, client: Client, store: Any, admin_user_of_store: Any) -> Any:
    # The sandbox accepts redirect URIs on loopback; the callback itself is replayed through the test client.
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    InstalledApp.objects.create(store=store, app="tiktok")
    client.force_login(admin_user_of_store)
    client.post(
        reverse("tiktok-setup", kwargs={"account": store.account}),
        {
            "action": "confirm",
            "affiliate_id": "TKT",
            "trade_policy": str(store.trade_policies.get(code="1").pk),
            "store_name": "Loja Demo",
            "website": "https://www.lojademo.com.br",
            "segment": "fashion",
            "country": "BR",
            "time_zone": "America/Sao_Paulo",
            "contact_email": "contato@lojademo.com.br",
            "phone_country_code": "+55",
            "phone": "11912345678",
        },
    )
    return sandbox_settings


def onboard_at_tiktok(onboarding_url: str, *, action: str = "finish", advanced_matching: bool = True) -> str:
    """What the merchant does at TikTok, over HTTP: log in, keep the demo assets, Finish Setup (or Cancel).
    Returns where TikTok sends the browser back to."""
    tiktok = requests.Session()
    login = tiktok.get(onboarding_url, timeout=10)
    assert "/login" in login.url
    setup = tiktok.post(
        login.url, data={**DEMO, "next": parse_qs(urlsplit(login.url).query)["next"][0]}, timeout=10
    )
    assert "/business-extension/setup/" in setup.url
    form = {
        "bc": DEMO_IDS["bc_id"],
        "adv": DEMO_IDS["adv_id"],
        "pixel": DEMO_IDS["pixel_code"],
        "catalog": DEMO_IDS["catalog_id"],
        "action": action,
    }
    if advanced_matching:
        form["advanced_matching"] = "1"
    back = tiktok.post(setup.url, data=form, allow_redirects=False, timeout=10)
    assert back.status_code == 302, back.text[:500]
    return back.headers["Location"]


def connect(client: Client, store: Any, **kwargs: Any) -> TikTokConnection:
    start = client.post(reverse("tiktok-connect", kwargs={"account": store.account}))
    back = onboard_at_tiktok(start["Location"], **kwargs)
    parts = urlsplit(back)
    assert parts.path == reverse("tiktok-callback", kwargs={"account": store.account})
    landed = client.get(f"{parts.path}?{parts.query}")
    assert landed["Location"] == reverse("tiktok-page", kwargs={"account": store.account})
    return TikTokConnection.objects.get(store=store, status=ConnectionStatus.CONNECTED)


def test_connect_through_the_sandbox_onboarding(live, client, store):
    connection = connect(client, store)
    assert {k: getattr(connection, k) for k in DEMO_IDS} == DEMO_IDS
    assert connection.advanced_matching is True and connection.advanced_matching_at_tiktok is True
    journal = live.admin.journal(token_fp=token_fp(connection.access_token))
    endpoints = [e["endpoint"] for e in journal]
    assert any("business_profile/get" in e for e in endpoints)
    assert any("pixel/list" in e for e in endpoints)
    assert all(e["code"] == 0 for e in journal)
    page = client.get(reverse("tiktok-page", kwargs={"account": store.account})).content.decode()
    assert 'data-testid="connection-health"' in page
    assert connection.access_token not in page


def test_cancel_at_the_sandbox_stores_nothing(live, client, store):
    start = client.post(reverse("tiktok-connect", kwargs={"account": store.account}))
    back = onboard_at_tiktok(start["Location"], action="cancel")
    parts = urlsplit(back)
    assert parse_qs(parts.query)["error"] == ["access_denied"]
    client.get(f"{parts.path}?{parts.query}")
    assert not TikTokConnection.objects.exists()
    assert live.admin.tokens() == [] or all(t.get("revoked") for t in live.admin.tokens())


def test_manage_buttons_lead_to_the_sandbox_pages_of_this_connection(live, client, store):
    connect(client, store)
    tiktok = requests.Session()
    tiktok.post(f"{live.url}/login", data={**DEMO, "next": "/"}, timeout=10)
    expected = {
        "business-center": f"/bc/{DEMO_IDS['bc_id']}/",
        "ads-manager": f"/ads/{DEMO_IDS['adv_id']}/",
        "create-ad": f"/ads/{DEMO_IDS['adv_id']}/create/",
        "pixel": f"/events-manager/pixel/{DEMO_IDS['pixel_code']}/",
        "catalog": f"/catalog-manager/{DEMO_IDS['bc_id']}/{DEMO_IDS['catalog_id']}/",
        "authorizations": "/ac/page/authorizations",
    }
    for name, path in expected.items():
        response = client.get(reverse("tiktok-go", kwargs={"account": store.account, "destination": name}))
        assert response.status_code == 302
        assert response["Location"] == f"{live.url}{path}"
        assert tiktok.get(response["Location"], timeout=10).status_code == 200, name


def test_disconnect_tells_the_sandbox_and_revokes(live, client, store):
    connection = connect(client, store)
    token = connection.access_token
    response = client.post(reverse("tiktok-disconnect", kwargs={"account": store.account}))
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.DISCONNECTED and connection.access_token == ""
    endpoints = [e["endpoint"] for e in live.admin.journal()]
    assert any("business_profile/disconnect" in e for e in endpoints)
    assert any("oauth2/revoke_token" in e for e in endpoints)
    assert not any(
        p.get("status") == 2
        for p in live.admin.profiles()
        if p.get("external_business_id") == connection.external_business_id
    )
    # The token is dead at TikTok too.
    dead = requests.get(
        f"{live.url}/open_api/v1.3/pixel/list/",
        params={"advertiser_id": DEMO_IDS["adv_id"]},
        headers={"Access-Token": token},
        timeout=10,
    ).json()
    assert dead["code"] == 40105
    page = client.get(reverse("tiktok-page", kwargs={"account": store.account})).content.decode()
    assert 'data-testid="manual-steps"' not in page
    # Twice is harmless.
    again = client.post(reverse("tiktok-disconnect", kwargs={"account": store.account}))
    assert again.status_code == 302


def test_disconnect_when_the_sandbox_fails_shows_the_manual_steps(live, client, store):
    connection = connect(client, store)
    live.admin.fault("http500", endpoint="business_profile/disconnect")
    live.admin.fault("http500", endpoint="revoke_token")
    client.post(reverse("tiktok-disconnect", kwargs={"account": store.account}))
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.DISCONNECTED
    assert not connection_is_active(connection.pk)
    page = client.get(reverse("tiktok-page", kwargs={"account": store.account})).content.decode()
    assert 'data-testid="manual-steps"' in page
    assert reverse("tiktok-go", kwargs={"account": store.account, "destination": "authorizations"}) in page


@pytest.mark.parametrize("how", ["revoke", "suspend", "remove"])
def test_revocation_suspension_or_removal_at_tiktok_becomes_the_banner(
    live, client, store, how, django_capture_on_commit_callbacks
):
    connection = connect(client, store)
    if how == "revoke":
        live.admin.revoke(token=connection.access_token)
    elif how == "suspend":
        live.admin.suspend(DEMO_IDS["adv_id"], reason="Violation of TikTok advertising policies.")
    else:
        tiktok = requests.Session()
        tiktok.post(f"{live.url}/login", data={**DEMO, "next": "/"}, timeout=10)
        tiktok.post(
            f"{live.url}/ac/page/authorizations",
            data={"business_platform": "VTEX", "external_business_id": connection.external_business_id},
            timeout=10,
        )
    with django_capture_on_commit_callbacks(execute=True):
        run = services.connections_check_all(trigger="test")
    assert run.disconnected == 1
    connection.refresh_from_db()
    expected = {
        "revoke": DisconnectReason.TOKEN_REVOKED,
        "suspend": DisconnectReason.ACCOUNT_SUSPENDED,
        "remove": DisconnectReason.TOKEN_REVOKED,
    }[how]
    assert connection.disconnect_reason == expected
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("tiktok-page", kwargs={"account": store.account})).content.decode()
    assert 'data-testid="auto-disconnect-banner"' in page
    assert connection.get_disconnect_reason_display() in page
    if how == "suspend":
        assert "Violation of TikTok advertising policies." in page
    assert re.search(r'data-testid="reconnect"', page)


def test_throttling_and_errors_at_the_sandbox_never_disconnect(live, client, store):
    connection = connect(client, store)
    live.admin.fault("throttle", endpoint="business_profile/get", count=50)
    run = services.connections_check_all(trigger="test")
    assert (run.disconnected, run.errors) == (0, 1)
    live.admin.clear_faults()
    live.admin.fault("http500", endpoint="business_profile/get", count=50)
    run = services.connections_check_all(trigger="test")
    assert (run.disconnected, run.errors) == (0, 1)
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.CONNECTED
    assert connection.last_error_at is not None


def test_reconnect_keeps_affiliate_and_website_and_may_bring_new_assets(live, client, store):
    first = connect(client, store)
    client.post(reverse("tiktok-disconnect", kwargs={"account": store.account}))
    client.post(
        reverse("tiktok-setup", kwargs={"account": store.account}),
        {
            "action": "confirm",
            "affiliate_id": "ZZZ",
            "trade_policy": str(store.trade_policies.get(code="1").pk),
            "store_name": "Loja Demo 2",
            "website": "https://changed.example.com",
            "segment": "beauty",
            "country": "BR",
            "time_zone": "America/Manaus",
            "contact_email": "novo@lojademo.com.br",
            "phone_country_code": "+55",
            "phone": "11912345678",
        },
    )
    second = connect(client, store, advanced_matching=False)
    assert second.pk != first.pk
    assert second.advanced_matching is False
    setup = store.tiktok_setup
    setup.refresh_from_db()
    assert (setup.affiliate_id, setup.website, setup.store_name) == (
        "TKT",
        "https://www.lojademo.com.br",
        "Loja Demo 2",
    )
