"""The merchant's round trip through the sandbox's onboarding over real HTTP, keeping what TikTok's page
preselects unless told otherwise (shared by the reconnect tests of integration and catalog_sync)."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from django.test import Client
from django.urls import reverse

from integration.models import ConnectionStatus, TikTokConnection
from tiktok_api import external_data_decode

DEMO = {"email": "demo@tiktok.test", "password": "sandbox"}
SETUP_FORM = {
    "action": "confirm",
    "affiliate_id": "TKT",
    "store_name": "Loja Demo",
    "website": "https://www.lojademo.com.br",
    "segment": "fashion",
    "country": "BR",
    "time_zone": "America/Sao_Paulo",
    "contact_email": "contato@lojademo.com.br",
    "phone_country_code": "+55",
    "phone": "11912345678",
}


class _SetupForm(HTMLParser):
    """The setup page's form as a browser would submit it: the checked radio of each step, the names."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag != "input" or not a.get("name"):
            return
        kind = a.get("type") or "text"
        if kind == "radio" and "checked" in a:
            self.fields[str(a["name"])] = str(a.get("value") or "")
        elif kind == "text":
            self.fields[str(a["name"])] = str(a.get("value") or "")


def setup_confirm(client: Client, store: Any) -> None:
    """The setup form, confirmed (a reconnect repeats it)."""
    data = {**SETUP_FORM, "trade_policy": str(store.trade_policies.get(code="1").pk)}
    response = client.post(reverse("tiktok-setup", kwargs={"account": store.account}), data)
    assert response.status_code == 302, response.content[:500]


def onboarding_start(client: Client, store: Any) -> str:
    start = client.post(reverse("tiktok-connect", kwargs={"account": store.account}))
    assert start.status_code == 302, start
    return start["Location"]


def sent_external_data(onboarding_url: str) -> dict[str, Any]:
    return external_data_decode(parse_qs(urlsplit(onboarding_url).query)["external_data"][0])


def tiktok_setup_page(onboarding_url: str) -> tuple[requests.Session, str, dict[str, str]]:
    """Log in at the sandbox and open *Set Up TikTok for Business*: (session, its URL, what it preselects)."""
    tiktok = requests.Session()
    login = tiktok.get(onboarding_url, timeout=10)
    assert "/login" in login.url, login.text[:300]
    setup = tiktok.post(
        login.url, data={**DEMO, "next": parse_qs(urlsplit(login.url).query)["next"][0]}, timeout=10
    )
    assert "/business-extension/setup/" in setup.url, setup.text[:300]
    parser = _SetupForm()
    parser.feed(setup.text)
    return tiktok, setup.url, parser.fields


def tiktok_finish(tiktok: requests.Session, setup_url: str, form: dict[str, str]) -> str:
    back = tiktok.post(setup_url, data={**form, "action": "finish"}, allow_redirects=False, timeout=10)
    assert back.status_code == 302, back.text[:500]
    return back.headers["Location"]


def callback(client: Client, store: Any, back: str) -> Any:
    parts = urlsplit(back)
    assert parts.path == reverse("tiktok-callback", kwargs={"account": store.account})
    return client.get(f"{parts.path}?{parts.query}")


def connect(client: Client, store: Any, **choices: str) -> tuple[TikTokConnection, dict[str, str]]:
    """*Connect account*, Finish Setup at TikTok with what it preselects (or `choices`), back on the page.
    Returns the connection and what TikTok's page had preselected."""
    tiktok, setup_url, preselected = tiktok_setup_page(onboarding_start(client, store))
    landed = callback(client, store, tiktok_finish(tiktok, setup_url, {**preselected, **choices}))
    assert landed["Location"] == reverse("tiktok-page", kwargs={"account": store.account})
    return TikTokConnection.objects.get(store=store, status=ConnectionStatus.CONNECTED), preselected


def disconnect(client: Client, store: Any) -> None:
    response = client.post(reverse("tiktok-disconnect", kwargs={"account": store.account}))
    assert response.status_code == 302
    assert not TikTokConnection.objects.filter(store=store, status=ConnectionStatus.CONNECTED).exists()
