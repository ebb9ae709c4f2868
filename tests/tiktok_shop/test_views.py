"""Settings > Accounts and the TikTok Shop overview: what each role sees and may do, in each language."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from core.models import AuditAction, AuditEvent
from integration.models import ConnectionStatus, TikTokConnection
from store.models import InstalledApp, Order, OrderSource
from tiktok_api.external_data import external_data_verify
from tiktok_shop.models import ShopConnection, ShopStatus, StoreChannelSettings

DISCONNECT_URL = f"{settings.TIKTOK_API_BASE_URL}/tbp/v2.0/shop/connection/disconnect"
SELLER_CENTER_NOTE = (
    "Orders, fulfillment, returns and refunds of your TikTok Shop are managed in TikTok Seller Center."
)
OK = {"code": 0, "message": "OK", "request_id": "1", "data": {}}

# The status card's words per language (the seed is English; pt-BR and es are our translations).
STATUS_WORDS = {
    "en": {
        "setup": "Setup in Progress",
        "active": "Active",
        "none": "Not connected",
        "error": "Error",
        "again": "from this store again",
    },
    "pt-br": {
        "setup": "Configuração em andamento",
        "active": "Ativo",
        "none": "Não conectado",
        "error": "Erro",
        "again": "Para voltar a vender",
    },
    "es": {
        "setup": "Configuración en curso",
        "active": "Activo",
        "none": "No conectado",
        "error": "Error",
        "again": "Para volver a vender",
    },
}


def url(name: str, account: str = "lojademo") -> str:
    return reverse(name, kwargs={"account": account})


@pytest.fixture
def admin_client(admin_user_of_store) -> Client:
    c = Client()
    c.force_login(admin_user_of_store)
    return c


@pytest.fixture
def viewer_client(viewer_user_of_store) -> Client:
    c = Client()
    c.force_login(viewer_user_of_store)
    return c


def lang_client(client: Client, lang: str) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return client


def card_text(html: str) -> str:
    start = html.index('data-testid="tts-status"')
    return html[html.index(">", start) + 1 : html.index("</span>", start)]


@pytest.mark.parametrize("lang", ["en", "pt-br", "es"])
def test_overview_status_card_in_each_state_and_language(store, admin_client, make_shop_connection, lang):
    c = lang_client(admin_client, lang)
    words = STATUS_WORDS[lang]
    assert card_text(c.get(url("shop-overview")).content.decode()) == words["none"]
    # A started (or failed) authorization is no shop: still not connected, and no "again".
    StoreChannelSettings.objects.create(store=store, shop_setup_started_at="2026-11-27T10:00:00Z")
    page = c.get(url("shop-overview")).content.decode()
    assert card_text(page) == words["none"]
    assert 'data-state="not_connected"' in page and words["again"] not in page
    connection = make_shop_connection(store)
    assert card_text(c.get(url("shop-overview")).content.decode()) == words["active"]
    ShopConnection.objects.filter(pk=connection.pk).update(
        status=ShopStatus.ERROR, last_error_message="Shop closed"
    )
    page = c.get(url("shop-overview")).content.decode()
    assert card_text(page) == words["error"] and "Shop closed" in page


def test_settings_lists_both_accounts(store, admin_client, make_shop_connection, tt4b_connection):
    make_shop_connection(store)
    page = admin_client.get(url("tiktok-settings")).content.decode()
    tt4b = page[page.index('data-testid="account-tt4b"') : page.index('data-testid="account-tiktok-shop"')]
    for value in (
        "7100000000000000001",
        "7200000000000000001",
        "CABCDEFGHIJ1234567XY",
        "7300000000000000001",
    ):
        assert value in tt4b
    shop = page[page.index('data-testid="account-tiktok-shop"') :]
    assert "Loja Demo TikTok Shop" in shop and "Demo Merchant" in shop and ">BR<" in shop
    assert 'data-testid="shop-disconnect"' in shop
    assert "token-for-tests" not in page


def test_viewer_sees_but_cannot_act(store, viewer_client, make_shop_connection):
    connection = make_shop_connection(store)
    page = viewer_client.get(url("tiktok-settings"))
    assert page.status_code == 200 and "Loja Demo TikTok Shop" in page.content.decode()
    assert 'data-testid="shop-disconnect"' not in page.content.decode()
    assert viewer_client.get(url("shop-overview")).status_code == 200
    assert viewer_client.post(url("shop-disconnect")).status_code == 403
    assert viewer_client.get(url("shop-disconnect")).status_code == 403
    assert viewer_client.post(url("shop-connect")).status_code == 403
    assert viewer_client.get(url("shop-callback") + "?state=x&auth_code=y").status_code == 403
    connection.refresh_from_db()
    assert connection.status == ShopStatus.CONNECTED


def test_other_stores_get_404_and_anonymous_go_to_login(store, make_store, make_user, make_shop_connection):
    other = make_store(account="outraloja")
    make_shop_connection(store)
    stranger = make_user(other)
    c = Client()
    c.force_login(stranger)
    for name in ("tiktok-settings", "shop-overview", "shop-disconnect", "shop-callback"):
        assert c.get(url(name)).status_code == 404
    assert c.post(url("shop-disconnect")).status_code == 404
    assert c.post(url("shop-connect")).status_code == 404
    assert ShopConnection.objects.live().count() == 1
    anonymous = Client().get(url("tiktok-settings"))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_disconnect_needs_post_with_csrf(store, admin_user_of_store, make_shop_connection):
    make_shop_connection(store)
    c = Client(enforce_csrf_checks=True)
    c.force_login(admin_user_of_store)
    assert c.post(url("shop-disconnect")).status_code == 403
    assert ShopConnection.objects.live().count() == 1


@responses.activate
@pytest.mark.parametrize("lang", ["en", "pt-br", "es"])
def test_disconnect_lands_on_overview_with_setup_in_progress_and_seller_center(
    store, admin_client, make_shop_connection, lang
):
    make_shop_connection(store)
    responses.post(DISCONNECT_URL, json=OK)
    c = lang_client(admin_client, lang)
    warning = c.get(url("shop-disconnect")).content.decode()
    assert 'data-testid="shop-disconnect-consequences"' in warning
    response = c.post(url("shop-disconnect"), follow=True)
    assert response.redirect_chain == [(url("shop-overview"), 302)]
    page = response.content.decode()
    assert card_text(page) == STATUS_WORDS[lang]["setup"]
    assert f'href="{settings.TIKTOK_SELLER_CENTER_URL}"' in page
    with translation.override(lang):
        expected = translation.gettext(SELLER_CENTER_NOTE)
    assert expected in page
    if lang != "en":
        assert expected != SELLER_CENTER_NOTE


@responses.activate
def test_disconnect_failure_at_tiktok_is_shown(store, admin_client, make_shop_connection):
    make_shop_connection(store)
    responses.post(
        DISCONNECT_URL, json={"code": 40000, "message": "Service is busy.", "request_id": "1", "data": {}}
    )
    page = admin_client.post(url("shop-disconnect"), follow=True).content.decode()
    assert "TikTok did not confirm the disconnect: Service is busy." in page
    assert card_text(page) == "Setup in Progress"
    assert ShopConnection.objects.live().count() == 0


def test_connect_redirects_to_tiktok_and_callback_error_is_explained(store, admin_client):
    response = admin_client.post(url("shop-connect"))
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(settings.TIKTOK_WEB_BASE_URL + "/seller/authorize?external_data=")
    data = external_data_verify(
        parse_qs(urlsplit(location).query)["external_data"][0], settings.TIKTOK_EXTERNAL_DATA_KEY
    )
    back = admin_client.get(
        url("shop-callback"), {"state": data["state"], "error": "not_shop_owner"}, follow=True
    )
    page = back.content.decode()
    assert "Only the TikTok Shop owner account can connect a shop." in page
    assert not ShopConnection.objects.exists()


def test_overview_lists_imported_orders_escaped_with_store_money(store, admin_client, make_shop_connection):
    make_shop_connection(store, shop_name="<script>alert(1)</script>")
    Order.objects.create(
        store=store,
        number="TTS-576000000000000001",
        source=OrderSource.TIKTOK_SHOP,
        external_id="576000000000000001",
        external_status="AWAITING_SHIPMENT",
        customer_name="<b>Ana</b>",
        currency="BRL",
        total=Decimal("1234.50"),
    )
    page = admin_client.get(url("shop-overview")).content.decode()
    assert "R$ 1.234,50" in page
    assert "576000000000000001" in page and 'title="AWAITING_SHIPMENT">Awaiting shipment<' in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>Ana</b>" not in page


@pytest.mark.parametrize(
    ("page", "active"),
    [("tiktok-page", "tab-tiktok"), ("shop-overview", "tab-shop"), ("tiktok-settings", "tab-settings")],
)
def test_exactly_the_current_tab_is_marked_active(store, admin_client, page, active):
    InstalledApp.objects.get_or_create(store=store, app="tiktok")
    body = admin_client.get(url(page)).content.decode()
    tabs = re.findall(r'<a class="tts-tabs__item([^"]*)"[^>]*data-testid="(tab-[a-z]+)"([^>]*)>', body)
    assert {t[1] for t in tabs} == {"tab-tiktok", "tab-shop", "tab-settings"}
    marked = {
        testid for classes, testid, rest in tabs if "is-active" in classes and 'aria-current="page"' in rest
    }
    assert marked == {active}


@pytest.mark.parametrize(
    ("lang", "status", "label"),
    [
        ("pt-br", "AWAITING_SHIPMENT", "Aguardando envio"),
        ("es", "AWAITING_SHIPMENT", "Pendiente de envío"),
        ("en", "AWAITING_SHIPMENT", "Awaiting shipment"),
        ("pt-br", "CANCELLED", "Cancelado"),
        ("es", "IN_TRANSIT", "En tránsito"),
        ("pt-br", "SOMETHING_NEW", "SOMETHING_NEW"),
    ],
)
def test_imported_order_status_is_in_the_merchants_language(
    store, admin_client, make_shop_connection, lang, status, label
):
    make_shop_connection(store)
    Order.objects.create(
        store=store,
        number="TTS-576000000000000002",
        source=OrderSource.TIKTOK_SHOP,
        external_id="576000000000000002",
        external_status=status,
        customer_name="Ana",
        currency="BRL",
        total=Decimal("10.00"),
    )
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    page = admin_client.get(url("shop-overview")).content.decode()
    cells = re.findall(r'<td data-testid="tts-order-status" title="([^"]*)">([^<]*)</td>', page)
    assert cells == [(status, label)]


def test_settings_names_each_state_of_the_ads_account_as_its_page_does(store, admin_client, tt4b_connection):
    c = lang_client(admin_client, "pt-br")

    def badge() -> str:
        page = c.get(url("tiktok-settings")).content.decode()
        start = page.index('data-testid="tt4b-status"')
        return page[page.index(">", start) + 1 : page.index("</span>", start)]

    assert badge() == "Conectado"
    TikTokConnection.objects.filter(pk=tt4b_connection.pk).update(
        status=ConnectionStatus.DISCONNECTED, disconnected_at=timezone.now(), access_token=""
    )
    # The Marketplace > TikTok page says "Desconectado" for this state; Settings > Accounts says the same.
    assert badge() == "Desconectado"
    TikTokConnection.objects.all().delete()
    assert badge() == "Não conectado"


def test_shop_activity_table_has_a_header_row(store, admin_client, make_shop_connection):
    make_shop_connection(store)
    AuditEvent.objects.create(
        store=store, action=AuditAction.SHOP_CONNECTED, detail={"shop_name": "Loja Demo"}
    )
    page = lang_client(admin_client, "es").get(url("tiktok-settings")).content.decode()
    table = page[page.index('data-testid="shop-activity"') :]
    table = table[: table.index("</table>")]
    assert "<thead><tr><th>Cuándo</th><th>Quién</th><th>Qué</th><th>Tienda</th></tr></thead>" in table
    assert table.index("<thead>") < table.index("Loja Demo")
