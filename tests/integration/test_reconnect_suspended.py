"""Reconnecting while TikTok has suspended the ad account: the merchant is told so, with TikTok's reason
and the help link, nothing is stored, and no internal code reaches the page (toast or activity)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from core.models import AuditAction, AuditEvent
from integration.models import ConnectionStatus, TikTokConnection
from store.models import InstalledApp
from tiktok_api import external_data_decode

from .conftest import CONNECTED_PROFILE, PROFILE_PATH, REVOKE_PATH, TOKEN_PATH, envelope
from .reconnect_helpers import (
    callback,
    connect,
    disconnect,
    onboarding_start,
    setup_confirm,
    tiktok_finish,
    tiktok_setup_page,
)

pytestmark = pytest.mark.django_db

REASON = "Violation of TikTok advertising policies."
HELP = "https://ads.tiktok.com/help/article/account-suspension-faq"
EXPECTED_EN = (
    "TikTok reports that the ad account 7200000000000000001 is suspended. TikTok's reason: “Violation of "
    "TikTok advertising policies.” The store cannot connect with this ad account until TikTok lifts the "
    f"suspension; nothing was saved. How to appeal, in TikTok's help: {HELP}"
)
INTERNAL_CODES = ("profile_incomplete", "account_suspended", "exchange_failed", "profile_failed")


def _toasts(response: Any) -> list[str]:
    """The toast this response queued (earlier, unread ones are dropped)."""
    return [str(m) for m in get_messages(response.wsgi_request)][-1:]


def _assert_no_internal_code(html: str) -> None:
    for code in INTERNAL_CODES:
        assert code not in html, code


@pytest.mark.slow
def test_reconnect_with_a_suspended_ad_account_says_so(
    sandbox_settings: Any, settings: Any, client: Client, store: Any, admin_user_of_store: Any
) -> None:
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    InstalledApp.objects.create(store=store, app="tiktok")
    client.force_login(admin_user_of_store)
    setup_confirm(client, store)
    first, _preselected = connect(client, store)
    disconnect(client, store)
    sandbox_settings.admin.suspend(first.adv_id, reason=REASON)
    setup_confirm(client, store)

    tiktok, setup_url, offered = tiktok_setup_page(onboarding_start(client, store))
    landed = callback(client, store, tiktok_finish(tiktok, setup_url, offered))

    assert _toasts(landed) == [EXPECTED_EN]
    assert not TikTokConnection.objects.filter(store=store, status=ConnectionStatus.CONNECTED).exists()
    failed = AuditEvent.objects.get(store=store, action=AuditAction.CONNECT_FAILED)
    assert failed.detail == {"code": "account_suspended", "adv_id": first.adv_id, "message": REASON}
    # The token TikTok issued is revoked at once.
    revokes = [e for e in sandbox_settings.admin.journal() if "revoke_token" in e["endpoint"]]
    assert len(revokes) == 2  # the disconnect's and this one's
    page = client.get(reverse("tiktok-page", kwargs={"account": store.account})).content.decode()
    _assert_no_internal_code(page)
    notice = " ".join(page.split('data-testid="suspended-notice"', 1)[1].split("</section>", 1)[0].split())
    assert f"TikTok reports that the ad account {first.adv_id} is suspended." in notice
    assert f"TikTok's reason: “{REASON}”" in notice
    assert f'href="{HELP}"' in notice
    row = page.split('data-testid="audit-connect_failed"', 1)[1].split("</tr>", 1)[0]
    assert (
        "TikTok reports that the ad account is suspended. · Violation of TikTok advertising policies." in row
    )


def test_every_failure_code_reads_as_a_sentence_in_the_activity(
    client: Client, store: Any, admin_user_of_store: Any, tiktok: responses.RequestsMock, make_setup: Any
) -> None:
    """The activity never shows one of our codes: each reads as its message (unknown ones generically)."""
    InstalledApp.objects.create(store=store, app="tiktok")
    make_setup(store)
    client.force_login(admin_user_of_store)
    for code in ("profile_incomplete", "exchange_failed", "some_future_code"):
        AuditEvent.objects.create(store=store, action=AuditAction.CONNECT_FAILED, detail={"code": code})
    html = client.get(reverse("tiktok-page", kwargs={"account": store.account})).content.decode()
    _assert_no_internal_code(html)
    assert "some_future_code" not in html
    assert "The setup at TikTok was not finished. Connect again and click Finish Setup at TikTok." in html
    assert "TikTok did not accept the authorization. Try connecting again." in html
    assert "The connection with TikTok could not be completed." in html


def test_suspended_profile_from_an_exact_payload(
    client: Client, store: Any, admin_user_of_store: Any, tiktok: responses.RequestsMock, make_setup: Any
) -> None:
    """TikTok's exact answer (status 3, `suspended`, its reason): the same message, the token revoked."""
    InstalledApp.objects.create(store=store, app="tiktok")
    make_setup(store)
    client.force_login(admin_user_of_store)
    tiktok.post(TOKEN_PATH, json=envelope({"access_token": "act.SUSPENDED-0123456789", "advertiser_ids": []}))
    tiktok.get(
        PROFILE_PATH,
        json=envelope({**CONNECTED_PROFILE, "status": 3, "suspended": True, "suspend_reason": REASON}),
    )
    tiktok.post(REVOKE_PATH, json=envelope({"app_id": "7400000000000000001", "advertiser_ids": []}))
    start = client.post(reverse("tiktok-connect", kwargs={"account": store.account}))
    state = external_data_decode(parse_qs(urlsplit(start["Location"]).query)["external_data"][0])["state"]
    response = client.get(
        reverse("tiktok-callback", kwargs={"account": store.account}),
        {"auth_code": "code-123", "state": state},
    )
    assert _toasts(response) == [EXPECTED_EN]
    revoke = [c for c in tiktok.calls if "revoke" in c.request.url]
    assert (
        len(revoke) == 1 and json.loads(revoke[0].request.body)["access_token"] == "act.SUSPENDED-0123456789"
    )
    assert not TikTokConnection.objects.filter(store=store).exists()
