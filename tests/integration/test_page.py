"""Marketplace > TikTok as the merchant reads it, in pt-BR, es and en, in every state of the connection."""

from __future__ import annotations

import html
import re

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import AuditAction, AuditEvent
from integration.models import ConnectionStatus, DisconnectReason
from store.models import InstalledApp, TradePolicy

from .expected_strings import CONNECTED_PAGE, LANGUAGES, MANUAL_STEPS, text

pytestmark = pytest.mark.django_db


def _read(client: Client, url: str, lang: str) -> str:
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = lang
    response = client.get(url)
    assert response.status_code == 200
    return page_text(response.content.decode())


def page_text(raw: str) -> str:
    """What a reader sees: the main content's text, tags stripped, entities decoded, spaces collapsed."""
    content = raw.split('<main class="content" id="main">', 1)[-1]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", content)).split()).replace(" .", ".")


def _page(store) -> str:
    return reverse("tiktok-page", kwargs={"account": store.account})


@pytest.mark.parametrize("lang", LANGUAGES)
def test_connected_page_has_the_seed_sections_and_words(client, store, connection, admin_user_of_store, lang):
    client.force_login(admin_user_of_store)
    page = _read(client, _page(store), lang)
    for key in CONNECTED_PAGE:
        assert text(key, lang) in page, key
    # Each section opens on click.
    raw = client.get(_page(store)).content.decode()
    for section in ("business-center", "ad-account", "data-sharing", "catalog"):
        match = re.search(rf'<details class="section" id="{section}"[^>]*>', raw)
        assert match is not None and " open" not in match.group(0)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_apps_page_is_the_same_page(client, store, connection, admin_user_of_store, lang):
    client.force_login(admin_user_of_store)
    page = _read(client, reverse("tiktok-apps-page", kwargs={"account": store.account}), lang)
    for key in ("business_center", "ad_account", "data_sharing", "catalog", "disconnect"):
        assert text(key, lang) in page


def test_connection_health_shows_who_and_when_and_last_error(client, store, connection, admin_user_of_store):
    connection.last_error_code = 40100
    connection.last_error_message = "App reaches the QPS limit."
    connection.last_error_at = timezone.now()
    connection.save()
    client.force_login(admin_user_of_store)
    page = _read(client, _page(store), "en")
    assert "Connected by merchant" in page
    assert "App reaches the QPS limit. (code 40100)" in page
    assert "App reaches the QPS limit. (code 40100)" in page
    assert "Connected since" in page


def test_catalog_numbers_are_true_zeros_before_any_sync(client, store, connection, admin_user_of_store):
    client.force_login(admin_user_of_store)
    raw = client.get(_page(store)).content.decode()
    for key in ("available", "pending", "needs_details"):
        match = re.search(rf'data-testid="count-{key}">(\d+)<', raw)
        assert match is not None and match.group(1) == "0"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_ineligible_store_is_told_why_and_offered_nothing(client, make_store, make_user, lang):
    store = make_store(country="AR", currency="ARS")
    TradePolicy.objects.filter(store=store).update(currency="ARS")
    InstalledApp.objects.create(store=store, app="tiktok")
    client.force_login(make_user(store))
    page = _read(client, _page(store), lang)
    assert text("only_brazil", lang) in page
    assert text("needs_brl", lang) in page
    raw = client.get(_page(store)).content.decode()
    content = raw.split('<main class="content" id="main">', 1)[1]
    assert "<form" not in content and "btn" not in content
    setup = client.get(reverse("tiktok-setup", kwargs={"account": store.account})).content.decode()
    assert 'data-testid="setup-form"' not in setup


def test_brazilian_store_without_brl_policy_is_ineligible(client, make_store, make_user):
    store = make_store()
    TradePolicy.objects.filter(store=store).update(currency="USD")
    client.force_login(make_user(store))
    page = _read(client, _page(store), "en")
    assert text("needs_brl", "en") in page
    assert text("only_brazil", "en") not in page


@pytest.mark.parametrize("lang", LANGUAGES)
def test_not_connected_page_shows_requirements_and_setup(client, store, admin_user_of_store, lang):
    InstalledApp.objects.create(store=store, app="tiktok")
    client.force_login(admin_user_of_store)
    page = _read(client, _page(store), lang)
    for key in ("requirement_business_account", "requirement_admin", "requirement_ads_manager"):
        assert text(key, lang) in page
    raw = client.get(_page(store)).content.decode()
    assert f'href="{reverse("tiktok-setup", kwargs={"account": store.account})}"' in raw


def test_not_installed_points_to_the_app_store(client, store, admin_user_of_store):
    client.force_login(admin_user_of_store)
    raw = client.get(_page(store)).content.decode()
    assert 'data-testid="not-installed"' in raw
    assert reverse("apps-app-store", kwargs={"account": store.account}) in raw


@pytest.mark.parametrize("lang", LANGUAGES)
def test_manual_steps_after_a_failed_remote_disconnect(client, store, connection, admin_user_of_store, lang):
    type(connection).objects.filter(pk=connection.pk).update(
        status=ConnectionStatus.DISCONNECTED,
        disconnected_at=timezone.now(),
        disconnected_by=admin_user_of_store,
        disconnect_reason=DisconnectReason.MANUAL,
        remote_disconnect_error="business_profile_disconnect: HTTP 500",
        access_token="",
    )
    client.force_login(admin_user_of_store)
    page = _read(client, _page(store), lang)
    for key in MANUAL_STEPS:
        assert text(key, lang) in page, key
    assert text("reconnect", lang) in page
    raw = client.get(_page(store)).content.decode()
    authorizations = reverse("tiktok-go", kwargs={"account": store.account, "destination": "authorizations"})
    assert f'href="{authorizations}"' in raw


def test_no_manual_steps_when_tiktok_confirmed(client, store, connection, admin_user_of_store):
    type(connection).objects.filter(pk=connection.pk).update(
        status=ConnectionStatus.DISCONNECTED,
        disconnected_at=timezone.now(),
        disconnect_reason=DisconnectReason.MANUAL,
        access_token="",
    )
    client.force_login(admin_user_of_store)
    raw = client.get(_page(store)).content.decode()
    assert 'data-testid="manual-steps"' not in raw
    assert 'data-testid="auto-disconnect-banner"' not in raw


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    ("reason", "key"),
    [
        (DisconnectReason.TOKEN_REVOKED, "reason_revoked"),
        (DisconnectReason.ACCOUNT_SUSPENDED, "reason_suspended"),
    ],
)
def test_auto_disconnect_banner_with_reason_and_reconnect(
    client, store, connection, admin_user_of_store, lang, reason, key
):
    type(connection).objects.filter(pk=connection.pk).update(
        status=ConnectionStatus.DISCONNECTED,
        disconnected_at=timezone.now(),
        disconnect_reason=reason,
        disconnect_detail="Policy violation",
        access_token="",
    )
    client.force_login(admin_user_of_store)
    page = _read(client, _page(store), lang)
    assert text(key, lang) in page
    assert "Policy violation" in page
    assert text("auto_disconnect_rule", lang) in page
    assert text("reconnect", lang) in page
    raw = client.get(_page(store)).content.decode()
    assert 'data-testid="auto-disconnect-banner"' in raw
    assert (
        f'href="{reverse("tiktok-setup", kwargs={"account": store.account})}" data-testid="reconnect"' in raw
    )


def test_audit_trail_is_on_the_page(client, store, connection, admin_user_of_store):
    AuditEvent.objects.create(store=store, actor=admin_user_of_store, action=AuditAction.ADVANCED_MATCHING_ON)
    AuditEvent.objects.create(
        store=store,
        actor_label="TikTok",
        action=AuditAction.AUTO_DISCONNECTED,
        detail={"reason": "token_revoked"},
    )
    client.force_login(admin_user_of_store)
    page = _read(client, _page(store), "en")
    assert "Advanced Matching enabled" in page
    assert "Disconnected automatically" in page
    assert "TikTok revoked the access token" in page


def test_hostile_setup_values_are_escaped(client, store, make_setup, make_connection, admin_user_of_store):
    make_setup(store, store_name='<script>alert("x")</script>')
    connection = make_connection(store)
    connection.last_error_message = "<img src=x onerror=alert(1)>"
    connection.last_error_at = timezone.now()
    connection.save()
    client.force_login(admin_user_of_store)
    raw = client.get(_page(store)).content.decode()
    assert "<img src=x" not in raw
    assert "&lt;img src=x onerror=alert(1)&gt;" in raw


def test_page_queries_do_not_grow_with_the_catalog(
    client, store, connection, admin_user_of_store, make_sku, django_assert_num_queries
):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    client.force_login(admin_user_of_store)

    def grow(n: int) -> None:
        for _ in range(n):
            make_sku(store)
            AuditEvent.objects.create(store=store, actor=admin_user_of_store, action=AuditAction.SETUP_SAVED)

    grow(3)
    client.get(_page(store))  # warm the session
    with CaptureQueriesContext(db) as small:
        assert client.get(_page(store)).status_code == 200
    grow(80)
    with django_assert_num_queries(len(small)):
        assert client.get(_page(store)).status_code == 200


def test_reconnect_shows_connect_account_once_the_setup_is_repeated(
    client, store, connection, admin_user_of_store
):
    type(connection).objects.filter(pk=connection.pk).update(
        status=ConnectionStatus.DISCONNECTED,
        disconnected_at=timezone.now(),
        disconnect_reason=DisconnectReason.TOKEN_REVOKED,
        access_token="",
    )
    client.force_login(admin_user_of_store)
    before = client.get(_page(store)).content.decode()
    assert 'data-testid="auto-disconnect-banner"' in before
    assert 'data-testid="connect-account"' not in before
    store.tiktok_setup.confirmed_at = timezone.now()
    store.tiktok_setup.save()
    after = client.get(_page(store)).content.decode()
    assert 'data-testid="connect-account"' in after


def test_disconnect_confirmation_works_without_javascript(client, store, connection, admin_user_of_store):
    client.force_login(admin_user_of_store)
    closed = client.get(_page(store)).content.decode()
    assert re.search(r'data-testid="disconnect-dialog"\s*>', closed)
    opened = client.get(_page(store), {"confirm": "disconnect"}).content.decode()
    assert re.search(r'data-testid="disconnect-dialog" open>', opened)


def test_activity_names_the_app_not_its_internal_slug(client, store, admin_user_of_store):
    from store import services as store_services

    InstalledApp.objects.filter(store=store, app="tiktok").delete()
    store_services.app_install(store, "tiktok", actor=admin_user_of_store)
    client.force_login(admin_user_of_store)
    raw = client.get(_page(store)).content.decode()
    row = re.search(r'<tr data-testid="audit-app_installed">(.*?)</tr>', raw, re.S)
    assert row is not None
    cells = [html.unescape(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]
    assert cells[-1] == "TikTok for Business"


@pytest.mark.parametrize(
    ("lang", "note"),
    [
        ("pt-br", "A sua loja instala o Pixel do TikTok manualmente"),
        ("es", "Tu tienda instala el píxel de TikTok manualmente"),
        ("en", "Your store installs the TikTok Pixel by hand"),
    ],
)
def test_legacy_store_is_not_told_our_pixel_applies_advanced_matching(
    client, make_store, make_user, make_connection, lang, note
):
    from store.models import CmsKind

    legacy = make_store(account="lojalegacy", name="Loja Legado", cms_kind=CmsKind.LEGACY)
    user = make_user(legacy)
    make_connection(legacy, advanced_matching=True)
    client.force_login(user)
    shown = _read(client, _page(legacy), lang)
    assert note in shown
    for claim in (
        "Advanced Matching is on. When a shopper types an e-mail address or phone number at checkout, our "
        "TikTok Pixel shares them with TikTok only as SHA-256 hashes, made in the store before they leave it, "
        "so TikTok can match visits and orders to TikTok accounts.",
        "Advanced Matching is off. Our TikTok Pixel shares no personal data with TikTok: only page views, "
        "products added to the cart and orders, without who made them.",
    ):
        assert text_of(claim, lang) not in shown


def text_of(msgid: str, lang: str) -> str:
    from django.utils import translation

    with translation.override(lang):
        return str(translation.gettext(msgid))


@pytest.mark.parametrize(
    ("lang", "label"),
    [
        ("pt-br", "Mensagem do TikTok (como o TikTok enviou)"),
        ("es", "Mensaje de TikTok (tal como lo envió TikTok)"),
        ("en", "TikTok's message (as TikTok sent it)"),
    ],
)
def test_tiktoks_own_words_are_quoted_as_tiktoks_in_the_banner(
    client, store, connection, admin_user_of_store, lang, label
):
    """TikTok's error text is English; on a pt-BR or es page it is labelled and quoted as TikTok's, after
    the reason in the merchant's language, instead of running on from it."""
    type(connection).objects.filter(pk=connection.pk).update(
        status=ConnectionStatus.DISCONNECTED,
        disconnected_at=timezone.now(),
        disconnect_reason=DisconnectReason.TOKEN_REVOKED,
        disconnect_detail="Access token is incorrect or has been revoked.",
        access_token="",
    )
    client.force_login(admin_user_of_store)
    page = _read(client, _page(store), lang).replace("“ ", "“").replace(" ”", "”")
    quoted = f"{text('reason_revoked', lang)}. {label}: “Access token is incorrect or has been revoked.”"
    assert quoted in page
