"""Setup input that looks right but is not: Unicode digits in the phone, a store name of invisible
characters, a website with a password or on this machine / a private network. Each is refused next to its
field and nothing is saved; the valid phone reaches TikTok as exactly one E.164 string."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from integration.models import TikTokSetup
from store.models import Affiliate, InstalledApp
from tiktok_api import external_data_verify

pytestmark = pytest.mark.django_db

DIGITS_MESSAGE = "Type the phone number with the digits 0 to 9 only (spaces, dashes and brackets are fine)."
NAME_MESSAGE = "The store name must contain letters or numbers."
PASSWORD_MESSAGE = "Remove the user name and password from the address, e.g. https://www.mystore.com.br."
PRIVATE_MESSAGE = "Enter the public address of your store on the internet, e.g. https://www.mystore.com.br."


@pytest.fixture
def admin(client: Client, store, admin_user_of_store) -> Client:
    InstalledApp.objects.create(store=store, app="tiktok")
    client.force_login(admin_user_of_store)
    return client


def _post(admin: Client, store, action: str = "confirm", **overrides: str):
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
        "action": action,
        **overrides,
    }
    return admin.post(reverse("tiktok-setup", kwargs={"account": store.account}), data)


def _field_error(response, field: str) -> str:
    """The text of the message shown next to `field` (the template's data-testid="error-<field>")."""
    html = response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    marker = f'data-testid="error-{field}"'
    assert marker in html, html
    after = html.split(marker, 1)[1]
    return after.split(">", 1)[1].split("</", 1)[0].strip()


def _nothing_saved() -> None:
    assert not TikTokSetup.objects.exists()
    assert not Affiliate.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    "phone",
    [
        "¹¹ ⁹¹²³⁴⁻⁵⁶⁷⁸",  # superscripts (str.isdigit() says yes)
        "١١ ٩١٢٣٤-٥٦٧٨",  # Arabic-Indic (phonenumbers alone reads them as 0-9)
        "۱۱ ۹۱۲۳۴-۵۶۷۸",  # Extended Arabic-Indic (Persian)
        "１１ ９１２３４-５６７８",  # fullwidth
        "११ ९१२३४-५६७८",  # Devanagari
        "11 91234-5678 ext 1",  # letters
    ],
)
@pytest.mark.parametrize("action", ["review", "confirm"])
def test_phone_with_other_than_ascii_digits_is_refused(admin, store, phone, action):
    response = _post(admin, store, action, phone=phone)
    assert response.status_code == 400
    assert _field_error(response, "phone") == DIGITS_MESSAGE
    assert 'data-testid="setup-review"' not in response.content.decode()
    _nothing_saved()


def test_an_invalid_number_for_its_country_is_refused(admin, store):
    # 10 digits, but no Brazilian area code starts with 0.
    response = _post(admin, store, phone="(01) 2345-6789")
    assert response.status_code == 400
    assert _field_error(response, "phone") == "This is not a valid phone number for the country code +55."
    _nothing_saved()


def test_a_valid_phone_is_sent_to_tiktok_as_exactly_e164(admin, store):
    assert _post(admin, store, phone="(11) 91234-5678").status_code == 302
    setup = TikTokSetup.objects.get(store=store)
    assert (setup.phone_country_code, setup.phone) == ("+55", "11912345678")
    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = admin.post(reverse("tiktok-connect", kwargs={"account": store.account}))
    external_data = parse_qs(urlsplit(response["Location"]).query)["external_data"][0]
    payload = external_data_verify(external_data, settings.TIKTOK_EXTERNAL_DATA_KEY)
    assert payload["phone_number"] == "+5511912345678"


@pytest.mark.parametrize(
    "name",
    [
        "\u200b",
        "\u200b\u200c\u200d",
        "\u2060\ufeff",
        " \u200b \ufeff ",
        "\u00a0\u200b\u3000",
        "\u202e\u200e",  # bidi controls only
        "\u3164\u3164",  # Hangul fillers: letters to Unicode, blank on screen
        "...",
    ],
)
def test_store_name_without_letters_or_numbers_is_refused(admin, store, name):
    response = _post(admin, store, store_name=name)
    assert response.status_code == 400
    assert _field_error(response, "store_name") == NAME_MESSAGE
    _nothing_saved()


@pytest.mark.parametrize(
    ("website", "message"),
    [
        ("https://user:password@www.lojademo.com.br", PASSWORD_MESSAGE),
        ("https://user@www.lojademo.com.br", PASSWORD_MESSAGE),
        ("https://:password@www.lojademo.com.br/", PASSWORD_MESSAGE),
        ("http://localhost", PRIVATE_MESSAGE),
        ("http://LOCALHOST:8000/loja", PRIVATE_MESSAGE),
        ("http://localhost.", PRIVATE_MESSAGE),
        ("http://loja.localhost", PRIVATE_MESSAGE),
        ("http://127.0.0.1", PRIVATE_MESSAGE),
        ("http://127.10.20.30:8080", PRIVATE_MESSAGE),
        ("http://[::1]/", PRIVATE_MESSAGE),
        ("http://0.0.0.0", PRIVATE_MESSAGE),
        ("http://10.1.2.3", PRIVATE_MESSAGE),
        ("http://172.16.0.1", PRIVATE_MESSAGE),
        ("http://192.168.0.10", PRIVATE_MESSAGE),
        ("http://169.254.169.254", PRIVATE_MESSAGE),
        ("http://[fe80::1]", PRIVATE_MESSAGE),
        ("http://[::ffff:127.0.0.1]", PRIVATE_MESSAGE),
        ("http://loja.local", PRIVATE_MESSAGE),
    ],
)
def test_website_with_credentials_or_not_on_the_internet_is_refused(admin, store, website, message):
    response = _post(admin, store, website=website)
    assert response.status_code == 400
    assert _field_error(response, "website") == message
    _nothing_saved()


@pytest.mark.parametrize("website", ["https://www.lojademo.com.br", "http://203.0.113.0.example.com.br"])
def test_public_websites_are_still_accepted(admin, store, website):
    assert _post(admin, store, website=website).status_code == 302
    assert TikTokSetup.objects.get(store=store).website == website
