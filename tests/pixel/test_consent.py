"""LGPD consent: banner, held events, nothing if refused; server-side events follow the choice."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from pixel.models import OutboxEvent
from pixel.services import CONSENT_COOKIE, outbox_stores_due, pixel_settings_update

from .test_middleware import pixel_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(store: Any, make_sku: Any, connect: Any) -> dict[str, Any]:
    sku = make_sku(store, product_name="Tênis", name="40", price=Decimal("250.00"))
    connect(store)
    pixel_settings_update(store, purchase_event="PlaceAnOrder", require_consent=True)
    return {"store": store, "sku": sku}


def _add(client: Client, store: Any, sku: Any) -> Any:
    return client.post(f"/s/{store.account}/cart/add/", {"sku_id": sku.pk, "quantity": 1}, follow=True)


def test_pending_consent_shows_banner_and_holds_events(client: Client, shop: dict) -> None:
    store = shop["store"]
    response = _add(client, store, shop["sku"])
    body = response.content.decode()
    assert 'data-testid="pixel-consent-banner"' in body
    assert f'action="/s/{store.account}/pixel/consent/"' in body
    data = pixel_data(body)
    assert data["consent"] == "pending"
    # held in the page, fired by the script only after "Accept"
    assert [e["event"] for e in data["events"]] == ["ViewContent", "AddToCart"]
    # the server-side copy waits too: held, never due for sending
    row = OutboxEvent.objects.get()
    assert (row.status, row.event_id) == ("held", data["events"][1]["event_id"])
    assert outbox_stores_due() == []


def test_accepting_releases_the_held_server_side_events(client: Client, shop: dict) -> None:
    store = shop["store"]
    _add(client, store, shop["sku"])
    client.post(f"/s/{store.account}/pixel/consent/", {"choice": "granted"}, HTTP_ACCEPT="application/json")
    row = OutboxEvent.objects.get()
    assert (row.status, row.consent_ref) == ("pending", "")
    assert outbox_stores_due() == [store.pk]


def test_refusing_deletes_the_held_server_side_events(client: Client, shop: dict) -> None:
    store = shop["store"]
    _add(client, store, shop["sku"])
    client.post(f"/s/{store.account}/pixel/consent/", {"choice": "denied"}, HTTP_ACCEPT="application/json")
    assert OutboxEvent.objects.count() == 0


def test_another_shoppers_answer_does_not_release_my_events(client: Client, shop: dict) -> None:
    store = shop["store"]
    _add(client, store, shop["sku"])
    other = Client()
    other.post(f"/s/{store.account}/cart/add/", {"sku_id": shop["sku"].pk, "quantity": 1})
    other.post(f"/s/{store.account}/pixel/consent/", {"choice": "granted"})
    assert sorted(OutboxEvent.objects.values_list("status", flat=True)) == ["held", "pending"]


def test_unanswered_held_events_are_purged_after_a_day(client: Client, shop: dict) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from pixel.services import outbox_purge

    _add(client, shop["store"], shop["sku"])
    OutboxEvent.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert outbox_purge() == 1
    assert OutboxEvent.objects.count() == 0


def test_granted_consent_sends_browser_and_server_events(client: Client, shop: dict) -> None:
    store = shop["store"]
    response = client.post(
        f"/s/{store.account}/pixel/consent/", {"choice": "granted", "next": f"/s/{store.account}/"}
    )
    assert response.status_code == 302 and response["Location"] == f"/s/{store.account}/"
    cookie = response.cookies[CONSENT_COOKIE]
    assert cookie.value == "granted" and cookie["path"] == f"/s/{store.account}/"
    body = _add(client, store, shop["sku"]).content.decode()
    assert "pixel-consent-banner" not in body
    assert pixel_data(body)["consent"] == "granted"
    assert OutboxEvent.objects.filter(event="AddToCart").count() == 1


def test_refused_consent_sends_nothing_at_all(client: Client, shop: dict) -> None:
    store = shop["store"]
    response = client.post(
        f"/s/{store.account}/pixel/consent/", {"choice": "denied"}, HTTP_ACCEPT="application/json"
    )
    assert response.json() == {"consent": "denied"}
    body = _add(client, store, shop["sku"]).content.decode()
    assert "tiktok-pixel-data" not in body and "pixel-tiktok.js" not in body
    client.post(
        f"/s/{store.account}/checkout/", {"name": "A", "email": "a@b.com", "phone": "+55 11 98765-4321"}
    )
    assert OutboxEvent.objects.count() == 0
    assert "tt_pixel" not in client.session


def test_consent_endpoint_rejects_bad_input(client: Client, shop: dict) -> None:
    store = shop["store"]
    assert client.post(f"/s/{store.account}/pixel/consent/", {"choice": "maybe"}).status_code == 400
    assert client.post("/s/nobody/pixel/consent/", {"choice": "granted"}).status_code == 400
    assert client.get(f"/s/{store.account}/pixel/consent/").status_code == 405
    # no open redirect
    response = client.post(
        f"/s/{store.account}/pixel/consent/", {"choice": "granted", "next": "https://evil.example/"}
    )
    assert response["Location"] == f"/s/{store.account}/"


def test_consent_endpoint_needs_csrf(shop: dict) -> None:
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"/s/{shop['store'].account}/pixel/consent/", {"choice": "granted"}).status_code == 403


def test_consent_not_required_means_no_banner(client: Client, shop: dict) -> None:
    store = shop["store"]
    pixel_settings_update(store, purchase_event="PlaceAnOrder", require_consent=False)
    body = client.get(f"/s/{store.account}/").content.decode()
    assert "pixel-consent-banner" not in body
    assert pixel_data(body)["consent"] == "not_required"


def test_ad_click_id_is_not_kept_before_consent(client: Client, shop: dict) -> None:
    store = shop["store"]
    assert "tt_ttclid" not in client.get(f"/s/{store.account}/?ttclid=E.C.P.abc").cookies
    client.post(f"/s/{store.account}/pixel/consent/", {"choice": "granted"})
    assert client.get(f"/s/{store.account}/?ttclid=E.C.P.abc").cookies["tt_ttclid"].value == "E.C.P.abc"


def test_banner_speaks_the_store_language(client: Client, shop: dict) -> None:
    body = client.get(f"/s/{shop['store'].account}/").content.decode()  # lojademo: pt-br
    assert "Aceitar</button>" in body and "Recusar</button>" in body
    assert "Nada é enviado se você não aceitar." in body
