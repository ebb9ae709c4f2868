"""Setup form, *Connect account* and the OAuth callback: every bad input gets a clear message and stores
nothing; the good path stores the token encrypted and lands on the page."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.contrib.messages import get_messages
from django.db import connection as db
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import AuditAction, AuditEvent
from integration.crypto import decrypt_str
from integration.models import ConnectAttempt, TikTokConnection, TikTokSetup
from integration.services import SESSION_STATES_KEY
from store.models import Affiliate, InstalledApp, Role, TradePolicy
from tiktok_api import external_data_verify

from .conftest import CONNECTED_PROFILE, PIXEL_PATH, PROFILE_PATH, REVOKE_PATH, TOKEN_PATH, envelope

pytestmark = pytest.mark.django_db

NEW_TOKEN = "act.NEW-TOKEN-abcdef0123456789-secret"
AUTH_CODE = "auth-code-0123456789abcdef"


def _setup_url(store) -> str:
    return reverse("tiktok-setup", kwargs={"account": store.account})


def setup_form_data(store, **overrides: str) -> dict[str, str]:
    data = {
        "affiliate_id": "TKT",
        "trade_policy": str(store.trade_policies.get(code="1").pk),
        "store_name": "Loja Demo",
        "website": "https://www.lojademo.com.br",
        "segment": "fashion",
        "country": "BR",
        "time_zone": "America/Sao_Paulo",
        "contact_email": "contato@lojademo.com.br",
        "phone_country_code": "+55",
        "phone": "(11) 91234-5678",
    }
    data.update(overrides)
    return data


@pytest.fixture
def admin(client: Client, store, admin_user_of_store) -> Client:
    InstalledApp.objects.create(store=store, app="tiktok")
    client.force_login(admin_user_of_store)
    return client


def _messages(response) -> list[str]:
    """The toast this response queued (earlier, unread toasts are dropped)."""
    return [str(m) for m in get_messages(response.wsgi_request)][-1:]


# --- setup ---------------------------------------------------------------------------------------


def test_setup_form_is_prefilled_from_the_store(admin, store):
    html = admin.get(_setup_url(store)).content.decode()
    assert 'value="Loja Demo"' in html
    assert f'value="https://{store.domain}"' in html
    assert 'value="+55"' in html


def test_review_step_saves_nothing_and_confirm_saves(admin, store, admin_user_of_store):
    review = admin.post(_setup_url(store), {**setup_form_data(store, affiliate_id="tkt"), "action": "review"})
    assert review.status_code == 200
    html = review.content.decode()
    assert 'data-testid="setup-review"' in html
    assert 'name="affiliate_id" value="TKT"' in html
    assert "11912345678" in html
    assert not TikTokSetup.objects.exists() and not Affiliate.objects.exists()

    confirm = admin.post(
        _setup_url(store), {**setup_form_data(store, affiliate_id="TKT"), "action": "confirm"}
    )
    assert confirm.status_code == 302
    assert confirm["Location"] == reverse("tiktok-page", kwargs={"account": store.account})
    setup = TikTokSetup.objects.get(store=store)
    assert setup.affiliate_id == "TKT"
    assert setup.website == "https://www.lojademo.com.br"
    assert setup.phone == "11912345678"
    assert setup.confirmed_at is not None
    assert setup.external_business_id.startswith(f"vtex-{store.account}-")
    assert Affiliate.objects.get(store=store).code == "TKT"
    event = AuditEvent.objects.get(action=AuditAction.SETUP_SAVED)
    assert event.actor == admin_user_of_store
    page = admin.get(confirm["Location"]).content.decode()
    assert 'data-testid="connect-account"' in page


BAD_INPUTS = [
    ("affiliate_id", "TKA", "Use exactly 3 consonants"),
    ("affiliate_id", "TK", "Use exactly 3 consonants"),
    ("affiliate_id", "TKTT", "Ensure this value has at most 3 characters"),
    ("affiliate_id", "T1K", "Use exactly 3 consonants"),
    ("affiliate_id", "ÇKT", "Use exactly 3 consonants"),
    ("affiliate_id", "", "This field is required."),
    ("trade_policy", "999999", "Select a valid choice."),
    ("trade_policy", "abc", "Select a valid choice."),
    ("store_name", "   ", "This field is required."),
    ("store_name", "x" * 151, "Ensure this value has at most 150 characters"),
    ("website", "javascript:alert(1)", "Enter the full address"),
    ("website", "www.lojademo.com.br", "Enter the full address"),
    ("website", "ftp://lojademo.com.br", "Enter the full address"),
    ("segment", "casino", "Select a valid choice."),
    ("country", "AR", "Select a valid choice."),
    ("time_zone", "Europe/Lisbon", "Select a valid choice."),
    ("contact_email", "not-an-email", "Enter a valid email address."),
    ("phone_country_code", "55a", "Enter a country code like +55."),
    ("phone_country_code", "+0", "Enter a country code like +55."),
    ("phone", "abc", "Type the phone number with the digits 0 to 9 only"),
    ("phone", "1234", "Enter only the area code and number"),
    ("phone", "119123456789", "A Brazilian phone has a 2-digit area code and 8 or 9 digits."),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_INPUTS)
@pytest.mark.parametrize("action", ["review", "confirm"])
def test_bad_setup_input_is_refused_with_a_clear_message(admin, store, field, value, message, action):
    response = admin.post(_setup_url(store), {**setup_form_data(store, **{field: value}), "action": action})
    assert response.status_code == 400
    html = response.content.decode()
    assert f'data-testid="error-{field}"' in html
    assert message in html.replace("&#x27;", "'")
    assert not TikTokSetup.objects.exists()
    assert not Affiliate.objects.exists()
    assert not AuditEvent.objects.exists()


def test_trade_policy_of_another_store_or_not_in_brl_is_refused(admin, store, make_store):
    other = make_store()
    foreign = other.trade_policies.get(code="1")
    usd = TradePolicy.objects.create(store=store, code="2", name="Dólar", currency="USD")
    for policy in (foreign, usd):
        response = admin.post(
            _setup_url(store), {**setup_form_data(store, trade_policy=str(policy.pk)), "action": "confirm"}
        )
        assert response.status_code == 400
    assert not TikTokSetup.objects.exists()


def test_affiliate_id_must_be_new_in_the_store(admin, store, make_store):
    Affiliate.objects.create(store=store, code="MLB", name="Mercado Livre")
    Affiliate.objects.create(store=make_store(), code="TKT", name="TikTok elsewhere")
    taken = admin.post(_setup_url(store), {**setup_form_data(store, affiliate_id="MLB"), "action": "confirm"})
    assert taken.status_code == 400
    assert "already used in this store" in taken.content.decode()
    # The same code in another store is fine.
    ok = admin.post(_setup_url(store), {**setup_form_data(store, affiliate_id="TKT"), "action": "confirm"})
    assert ok.status_code == 302


def test_affiliate_id_and_website_are_fixed_after_creation(admin, store):
    admin.post(_setup_url(store), {**setup_form_data(store), "action": "confirm"})
    html = admin.get(_setup_url(store)).content.decode()
    assert 'data-testid="reconnect-note"' in html
    assert 'id="id_affiliate_id" value="TKT" readonly' in html
    response = admin.post(
        _setup_url(store),
        {
            **setup_form_data(
                store, affiliate_id="XYZ", website="https://evil.example.com", store_name="Loja Nova"
            ),
            "action": "confirm",
        },
    )
    assert response.status_code == 302
    setup = TikTokSetup.objects.get(store=store)
    assert (setup.affiliate_id, setup.website, setup.store_name) == (
        "TKT",
        "https://www.lojademo.com.br",
        "Loja Nova",
    )
    assert list(Affiliate.objects.values_list("code", flat=True)) == ["TKT"]


# --- connect -------------------------------------------------------------------------------------


@pytest.fixture
def confirmed(admin, store) -> TikTokSetup:
    admin.post(_setup_url(store), {**setup_form_data(store), "action": "confirm"})
    admin.get(reverse("tiktok-page", kwargs={"account": store.account}))  # shows (and consumes) the toast
    return TikTokSetup.objects.get(store=store)


def _connect(admin: Client, store, lang: str = "en") -> dict:
    from django.conf import settings

    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    response = admin.post(reverse("tiktok-connect", kwargs={"account": store.account}))
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("https://ads.tiktok.com/business-extension/auth?external_data=")
    external_data = parse_qs(urlsplit(location).query)["external_data"][0]
    return external_data_verify(external_data, settings.TIKTOK_EXTERNAL_DATA_KEY)


@pytest.mark.parametrize(("lang", "locale"), [("pt-br", "pt-BR"), ("es", "es"), ("en", "en")])
def test_connect_signs_external_data_for_the_onboarding(admin, store, confirmed, lang, locale, settings):
    payload = _connect(admin, store, lang)
    assert payload["locale"] == locale
    assert payload["business_platform"] == "VTEX"
    assert payload["external_business_id"] == confirmed.external_business_id
    assert payload["redirect_uri"] == (
        f"https://admin.example.com{reverse('tiktok-callback', kwargs={'account': store.account})}"
    )
    assert payload["app_id"] == settings.TIKTOK_APP_ID
    assert payload["country_region"] == "BR" and payload["currency"] == "BRL"
    assert payload["timezone"] == "GMT-03:00"
    assert payload["store_name"] == "Loja Demo"
    assert payload["email"] == "contato@lojademo.com.br"
    assert payload["phone_number"] == "+5511912345678"
    assert payload["website_url"] == "https://www.lojademo.com.br"
    assert payload["close_method"] == "redirect_inside_tiktok"
    state = payload["state"]
    assert len(state) >= 40
    attempt = ConnectAttempt.objects.get()
    assert attempt.state_hash != state and state not in attempt.state_hash
    assert attempt.expires_at - attempt.created_at == timedelta(minutes=60)
    assert admin.session[SESSION_STATES_KEY] == [attempt.state_hash]


def test_connect_before_setup_is_refused(admin, store):
    response = admin.post(reverse("tiktok-connect", kwargs={"account": store.account}))
    assert response["Location"] == reverse("tiktok-page", kwargs={"account": store.account})
    assert _messages(response) == ["Fill in and confirm the setup form first."]
    assert not ConnectAttempt.objects.exists()


def test_connect_of_ineligible_store_sends_nothing(admin, store, confirmed):
    store.country = "AR"
    store.save()
    response = admin.post(reverse("tiktok-connect", kwargs={"account": store.account}))
    assert "tiktok.com" not in response["Location"]
    assert _messages(response) == ["The integration with TikTok is not available for this store."]
    assert not ConnectAttempt.objects.exists()


def test_connect_when_connected_is_refused(admin, store, confirmed, make_connection):
    make_connection(store)
    response = admin.post(reverse("tiktok-connect", kwargs={"account": store.account}))
    assert _messages(response) == ["This store is already connected to TikTok."]


# --- callback ------------------------------------------------------------------------------------


def tiktok_answers_ok(tiktok: responses.RequestsMock, *, advanced_matching: bool = True) -> None:
    tiktok.post(
        TOKEN_PATH,
        json=envelope(
            {"access_token": NEW_TOKEN, "advertiser_ids": ["7200000000000000001"], "scope": [4, 15]}
        ),
    )
    tiktok.get(PROFILE_PATH, json=envelope(CONNECTED_PROFILE))
    pixel = {
        "pixel_id": "7500000000000000001",
        "pixel_code": "CABCDEFGHIJ1234567XY",
        "pixel_name": "Loja Demo",
        "advanced_matching_fields": {"email": advanced_matching, "phone_number": False},
    }
    tiktok.get(PIXEL_PATH, json=envelope({"pixels": [pixel], "page_info": {"page": 1, "total_number": 1}}))
    tiktok.post(REVOKE_PATH, json=envelope({"app_id": "7400000000000000001", "advertiser_ids": []}))


def _callback(admin: Client, store, **params: str):
    return admin.get(reverse("tiktok-callback", kwargs={"account": store.account}), params)


def test_callback_connects_and_lands_on_the_page(
    admin,
    store,
    confirmed,
    tiktok,
    admin_user_of_store,
    caplog,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    started: list[int] = []
    monkeypatch.setattr(
        "catalog_sync.services.connection_start_full_sync", lambda cid, **kw: started.append(cid)
    )
    tiktok_answers_ok(tiktok)
    state = _connect(admin, store)["state"]
    caplog.set_level(logging.DEBUG)

    with django_capture_on_commit_callbacks(execute=True):
        response = _callback(admin, store, auth_code=AUTH_CODE, state=state)

    assert response.status_code == 302
    assert response["Location"] == reverse("tiktok-page", kwargs={"account": store.account})
    assert _messages(response) == ["Your store is connected to TikTok. The first catalog sync has started."]
    connection = TikTokConnection.objects.get(store=store)
    assert connection.is_active
    assert (connection.bc_id, connection.adv_id, connection.pixel_code, connection.catalog_id) == (
        "7100000000000000001",
        "7200000000000000001",
        "CABCDEFGHIJ1234567XY",
        "7300000000000000001",
    )
    assert connection.access_token == NEW_TOKEN
    assert connection.connected_by == admin_user_of_store
    assert connection.advanced_matching is True and connection.advanced_matching_at_tiktok is True
    assert connection.advertiser_ids == ["7200000000000000001"]
    assert started == [connection.pk]

    token_call = json.loads(tiktok.calls[0].request.body)
    assert token_call["auth_code"] == AUTH_CODE
    assert tiktok.calls[1].request.headers["Access-Token"] == NEW_TOKEN
    assert not any("revoke" in c.request.url for c in tiktok.calls)

    with db.cursor() as cursor:
        cursor.execute("SELECT access_token FROM integration_tiktokconnection WHERE id = %s", [connection.pk])
        raw = cursor.fetchone()[0]
    assert NEW_TOKEN not in raw and raw.startswith("gAAAA")
    assert decrypt_str(raw) == NEW_TOKEN
    assert ConnectAttempt.objects.get().outcome == "callback"
    assert AuditEvent.objects.filter(action=AuditAction.CONNECTED, actor=admin_user_of_store).count() == 1

    page = admin.get(response["Location"]).content.decode()
    for secret in (NEW_TOKEN, AUTH_CODE, state):
        assert secret not in page
        assert secret not in caplog.text
        assert all(secret not in json.dumps(e.detail) for e in AuditEvent.objects.all())


def test_pixel_setting_off_at_tiktok_starts_the_toggle_off(admin, store, confirmed, tiktok):
    tiktok_answers_ok(tiktok, advanced_matching=False)
    state = _connect(admin, store)["state"]
    _callback(admin, store, auth_code=AUTH_CODE, state=state)
    connection = TikTokConnection.objects.get(store=store)
    assert connection.advanced_matching is False and connection.advanced_matching_at_tiktok is False


def test_pixel_list_failure_still_connects_with_the_toggle_off(admin, store, confirmed, tiktok):
    tiktok.post(TOKEN_PATH, json=envelope({"access_token": NEW_TOKEN, "advertiser_ids": []}))
    tiktok.get(PROFILE_PATH, json=envelope(CONNECTED_PROFILE))
    tiktok.get(PIXEL_PATH, status=500)
    state = _connect(admin, store)["state"]
    _callback(admin, store, auth_code=AUTH_CODE, state=state)
    connection = TikTokConnection.objects.get(store=store)
    assert connection.advanced_matching is False and connection.advanced_matching_at_tiktok is None


def _nothing_stored(store) -> None:
    assert not TikTokConnection.objects.filter(store=store).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.CONNECTED).exists()


def test_cancel_at_tiktok(admin, store, confirmed, tiktok):
    state = _connect(admin, store)["state"]
    response = _callback(admin, store, error="access_denied", state=state)
    assert _messages(response) == ["The connection with TikTok was cancelled. Nothing was saved."]
    _nothing_stored(store)
    assert len(tiktok.calls) == 0
    assert ConnectAttempt.objects.get().outcome == "cancelled"
    # The cancelled state cannot be reused for a code afterwards.
    again = _callback(admin, store, auth_code=AUTH_CODE, state=state)
    assert _messages(again) == ["The answer from TikTok could not be verified. Start the connection again."]
    _nothing_stored(store)


@pytest.mark.parametrize(
    "state",
    ["", "forged-state", "x" * 5000, "' OR 1=1 --"],
    ids=["missing", "forged", "huge", "sql"],
)
def test_forged_state(admin, store, confirmed, tiktok, state):
    _connect(admin, store)
    response = _callback(admin, store, auth_code=AUTH_CODE, state=state)
    assert _messages(response) == [
        "The answer from TikTok could not be verified. Start the connection again."
    ]
    assert response["Location"] == reverse("tiktok-page", kwargs={"account": store.account})
    _nothing_stored(store)
    assert len(tiktok.calls) == 0


def test_replayed_state(admin, store, confirmed, tiktok):
    tiktok_answers_ok(tiktok)
    state = _connect(admin, store)["state"]
    _callback(admin, store, auth_code=AUTH_CODE, state=state)
    TikTokConnection.objects.all().delete()
    AuditEvent.objects.filter(action=AuditAction.CONNECTED).delete()
    calls = len(tiktok.calls)
    replay = _callback(admin, store, auth_code=AUTH_CODE, state=state)
    assert _messages(replay) == ["The answer from TikTok could not be verified. Start the connection again."]
    _nothing_stored(store)
    assert len(tiktok.calls) == calls


def test_replayed_state_in_the_session_is_refused_by_the_database(admin, store, confirmed, tiktok):
    """Even with the hash put back in the session (a stolen or restored session), the state is used once."""
    tiktok_answers_ok(tiktok)
    state = _connect(admin, store)["state"]
    digest = admin.session[SESSION_STATES_KEY][0]
    _callback(admin, store, auth_code=AUTH_CODE, state=state)
    TikTokConnection.objects.all().delete()
    AuditEvent.objects.filter(action=AuditAction.CONNECTED).delete()
    session = admin.session
    session[SESSION_STATES_KEY] = [digest]
    session.save()
    replay = _callback(admin, store, auth_code=AUTH_CODE, state=state)
    assert _messages(replay) == ["This answer from TikTok was already used. Start the connection again."]
    _nothing_stored(store)


def test_expired_state(admin, store, confirmed, tiktok):
    state = _connect(admin, store)["state"]
    ConnectAttempt.objects.update(
        created_at=timezone.now() - timedelta(minutes=61), expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = _callback(admin, store, auth_code=AUTH_CODE, state=state)
    assert _messages(response) == [
        "The connection took longer than 60 minutes and expired. Start the connection again."
    ]
    _nothing_stored(store)
    assert len(tiktok.calls) == 0


def test_state_still_valid_at_59_minutes(admin, store, confirmed, tiktok):
    tiktok_answers_ok(tiktok)
    state = _connect(admin, store)["state"]
    ConnectAttempt.objects.update(expires_at=timezone.now() + timedelta(minutes=1))
    _callback(admin, store, auth_code=AUTH_CODE, state=state)
    assert TikTokConnection.objects.filter(store=store).exists()


def test_state_of_another_user_or_session(admin, store, confirmed, tiktok, make_user):
    state = _connect(admin, store)["state"]
    other = Client()
    other.force_login(make_user(store, Role.ADMIN))
    response = _callback(other, store, auth_code=AUTH_CODE, state=state)
    assert _messages(response) == [
        "The answer from TikTok could not be verified. Start the connection again."
    ]
    _nothing_stored(store)
    assert len(tiktok.calls) == 0


def test_state_of_another_store(admin, store, confirmed, tiktok, make_store, admin_user_of_store):
    from integration.models import TikTokSetup as Setup
    from store.models import Membership

    second = make_store()
    Membership.objects.create(user=admin_user_of_store, store=second, role=Role.ADMIN)
    state = _connect(admin, store)["state"]
    Setup.objects.create(
        store=second,
        affiliate_id="TKT",
        trade_policy=second.trade_policies.get(code="1"),
        store_name="Second",
        website="https://second.example.com",
        segment="fashion",
        country="BR",
        time_zone="America/Sao_Paulo",
        contact_email="a@b.com",
        phone_country_code="+55",
        phone="11912345678",
        external_business_id="vtex-second",
        confirmed_at=timezone.now(),
    )
    response = _callback(admin, second, auth_code=AUTH_CODE, state=state)
    assert _messages(response) == ["This answer from TikTok was already used. Start the connection again."]
    _nothing_stored(second)
    _nothing_stored(store)
    assert len(tiktok.calls) == 0


def test_invalid_auth_code(admin, store, confirmed, tiktok):
    tiktok.post(TOKEN_PATH, json=envelope({}, code=40110, message="The auth_code is canceled."))
    state = _connect(admin, store)["state"]
    response = _callback(admin, store, auth_code="bad-code", state=state)
    assert _messages(response) == ["TikTok did not accept the authorization. Try connecting again."]
    _nothing_stored(store)
    assert AuditEvent.objects.filter(action=AuditAction.CONNECT_FAILED).count() == 1


@pytest.mark.parametrize(
    "profile",
    # A suspended account says so instead: tests/integration/test_reconnect_suspended.py.
    [[], {**CONNECTED_PROFILE, "status": 1}],
    ids=["empty", "unfinished"],
)
def test_unfinished_onboarding_stores_nothing_and_drops_the_token(admin, store, confirmed, tiktok, profile):
    tiktok.post(TOKEN_PATH, json=envelope({"access_token": NEW_TOKEN, "advertiser_ids": []}))
    tiktok.get(PROFILE_PATH, json=envelope(profile))
    tiktok.post(REVOKE_PATH, json=envelope({"app_id": "7400000000000000001", "advertiser_ids": []}))
    state = _connect(admin, store)["state"]
    response = _callback(admin, store, auth_code=AUTH_CODE, state=state)
    assert _messages(response) == [
        "The setup at TikTok was not finished. Connect again and click Finish Setup at TikTok."
    ]
    _nothing_stored(store)
    revoke = [c for c in tiktok.calls if "revoke" in c.request.url]
    assert len(revoke) == 1 and json.loads(revoke[0].request.body)["access_token"] == NEW_TOKEN


def test_tiktok_down_during_callback_stores_nothing(admin, store, confirmed, tiktok):
    tiktok.post(TOKEN_PATH, status=503)
    state = _connect(admin, store)["state"]
    response = _callback(admin, store, auth_code=AUTH_CODE, state=state)
    assert _messages(response) == ["TikTok did not accept the authorization. Try connecting again."]
    _nothing_stored(store)


def test_odd_ids_from_tiktok_are_not_stored(admin, store, confirmed, tiktok):
    odd = {**CONNECTED_PROFILE, "bc_id": "../../evil", "catalog_id": "9" * 40, "pixel_code": None}
    tiktok.post(
        TOKEN_PATH, json=envelope({"access_token": NEW_TOKEN, "advertiser_ids": ["7200000000000000001"]})
    )
    tiktok.get(PROFILE_PATH, json=envelope(odd))
    tiktok.get(PIXEL_PATH, json=envelope({"pixels": []}))
    state = _connect(admin, store)["state"]
    _callback(admin, store, auth_code=AUTH_CODE, state=state)
    connection = TikTokConnection.objects.get(store=store)
    assert (connection.bc_id, connection.catalog_id, connection.pixel_code) == ("", "", "")
    assert connection.adv_id == "7200000000000000001"
    page = admin.get(reverse("tiktok-page", kwargs={"account": store.account})).content.decode()
    assert 'data-testid="go-business-center"' in page and "../../evil" not in page


def test_store_details_too_long_for_tiktok_get_a_clear_message(admin, store, confirmed):
    TikTokSetup.objects.filter(store=store).update(
        store_name="😀" * 150,
        contact_email=("a" * 60 + ".") * 3 + "x@" + "b" * 40 + ".com.br",
        website="https://www." + "loja-" * 36 + ".com.br",
    )
    response = admin.post(reverse("tiktok-connect", kwargs={"account": store.account}))
    assert "tiktok.com" not in response["Location"]
    assert _messages(response) == [
        "Your store details are too long for TikTok. Shorten the store name and try again."
    ]
    assert not ConnectAttempt.objects.exists()
    assert SESSION_STATES_KEY not in admin.session
