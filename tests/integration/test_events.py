"""What the connection tells the channel apps (`integration.events`): the services publish typed events to
the subscribers in `settings.INTEGRATION_EVENT_SUBSCRIBERS`, and the catalog sync and the pixel act on
them (first full sync, cached pixel forgotten). The page shows the channels' parts from
`settings.TIKTOK_PAGE_CATALOG_COUNTS` / `TIKTOK_PAGE_SECTIONS`."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from core.errors import ServiceError
from integration import events, services
from integration.errors import IntegrationError
from integration.models import DisconnectReason
from tests.integration import recorder
from tiktok_api import external_data_verify

from .conftest import DISCONNECT_PATH, REVOKE_PATH, envelope
from .test_connect import AUTH_CODE, tiktok_answers_ok

pytestmark = pytest.mark.django_db

RECORD = "tests.integration.recorder.record"


@pytest.fixture
def published(settings: Any) -> list[events.IntegrationEvent]:
    settings.INTEGRATION_EVENT_SUBSCRIBERS = [*settings.INTEGRATION_EVENT_SUBSCRIBERS, RECORD]
    recorder.PUBLISHED.clear()
    return recorder.PUBLISHED


@pytest.fixture
def channels(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[int]]:
    """What the channels' subscribers did: full syncs started (connection ids), pixels forgotten (store ids)."""
    seen: dict[str, list[int]] = {"started": [], "invalidated": []}
    monkeypatch.setattr(
        "catalog_sync.services.connection_start_full_sync", lambda cid, **kw: seen["started"].append(cid)
    )
    monkeypatch.setattr("pixel.cache.pixel_config_invalidate", lambda sid: seen["invalidated"].append(sid))
    return seen


def test_the_channels_subscribe_through_settings(settings) -> None:
    assert settings.INTEGRATION_EVENT_SUBSCRIBERS == [
        "catalog_sync.subscribers.on_integration_event",
        "pixel.subscribers.on_integration_event",
    ]
    assert settings.TIKTOK_PAGE_CATALOG_COUNTS == "catalog_sync.selectors.catalog_counts"
    assert events.check_settings() == []


def test_a_subscriber_path_that_does_not_import_fails_the_system_check(settings) -> None:
    settings.INTEGRATION_EVENT_SUBSCRIBERS = [
        "nowhere.on_integration_event",
        "tests.integration.recorder.NOT_CALLABLE",
    ]
    settings.TIKTOK_PAGE_CATALOG_COUNTS = "nowhere.counts"
    assert [e.id for e in events.check_settings()] == [
        "integration.E001",
        "integration.E002",
        "integration.E001",
    ]


def test_connect_publishes_connected_and_the_channels_act(
    store,
    make_setup,
    admin_user_of_store,
    tiktok,
    published,
    channels,
    django_capture_on_commit_callbacks,
    settings,
) -> None:
    make_setup(store)
    session: dict[str, Any] = {}
    url = services.connect_start(store, user=admin_user_of_store, session=session, language_code="en")
    external_data = parse_qs(urlsplit(url).query)["external_data"][0]
    state = external_data_verify(external_data, settings.TIKTOK_EXTERNAL_DATA_KEY)["state"]
    tiktok_answers_ok(tiktok)
    assert published == []

    with django_capture_on_commit_callbacks(execute=True):
        connection = services.connect_complete(
            store, user=admin_user_of_store, session=session, state=state, auth_code=AUTH_CODE
        )

    assert published == [events.ConnectionConnected(store_id=store.pk, connection_id=connection.pk)]
    assert channels == {"started": [connection.pk], "invalidated": [store.pk]}


def test_a_refused_connect_publishes_nothing(
    store, make_setup, admin_user_of_store, published, channels
) -> None:
    make_setup(store)
    with pytest.raises(IntegrationError):
        services.connect_complete(
            store, user=admin_user_of_store, session={}, state="forged", auth_code=AUTH_CODE
        )
    assert published == []
    assert channels == {"started": [], "invalidated": []}


def test_disconnect_publishes_disconnected_once(
    connection, admin_user_of_store, tiktok, published, channels
) -> None:
    tiktok.post(DISCONNECT_PATH, json=envelope({}))
    tiktok.post(REVOKE_PATH, json=envelope({"app_id": "7400000000000000001", "advertiser_ids": []}))

    services.connection_disconnect(connection.pk, reason=DisconnectReason.MANUAL, actor=admin_user_of_store)
    services.connection_disconnect(connection.pk, reason=DisconnectReason.MANUAL, actor=admin_user_of_store)

    assert published == [
        events.ConnectionDisconnected(
            store_id=connection.store_id, connection_id=connection.pk, reason=DisconnectReason.MANUAL
        )
    ]
    assert channels == {"started": [], "invalidated": [connection.store_id]}


def test_auto_disconnect_publishes_disconnected_and_other_errors_nothing(
    connection, published, channels, django_capture_on_commit_callbacks
) -> None:
    assert services.connection_auto_disconnect(connection.pk, error=RuntimeError("HTTP 502")) is False
    assert published == []

    with django_capture_on_commit_callbacks(execute=True):
        assert services.connection_auto_disconnect(connection.pk, error=DisconnectReason.PROFILE_GONE) is True
        assert (
            services.connection_auto_disconnect(connection.pk, error=DisconnectReason.PROFILE_GONE) is False
        )

    assert published == [
        events.ConnectionDisconnected(
            store_id=connection.store_id, connection_id=connection.pk, reason=DisconnectReason.PROFILE_GONE
        )
    ]
    assert channels["invalidated"] == [connection.store_id]


def test_advanced_matching_publishes_pixel_settings_changed_only_on_a_change(
    connection, admin_user_of_store, published, channels
) -> None:
    assert services.advanced_matching_set(connection.pk, enabled=True, actor=admin_user_of_store) is True
    assert services.advanced_matching_set(connection.pk, enabled=True, actor=admin_user_of_store) is False
    assert published == [
        events.PixelSettingsChanged(store_id=connection.store_id, connection_id=connection.pk)
    ]
    assert channels == {"started": [], "invalidated": [connection.store_id]}


def test_a_subscriber_error_reaches_the_publisher(connection, admin_user_of_store, settings) -> None:
    settings.INTEGRATION_EVENT_SUBSCRIBERS = ["tests.store.recorder.fail"]
    with pytest.raises(RuntimeError, match="subscriber failed"):
        services.advanced_matching_set(connection.pk, enabled=True, actor=admin_user_of_store)


def test_integration_error_is_a_service_error_shown_through_core_http(
    client, store, admin_user_of_store
) -> None:
    error = IntegrationError("Nope.", code="not_connected")
    assert isinstance(error, ServiceError)
    assert (error.message, error.code, error.http_status, str(error)) == (
        "Nope.",
        "not_connected",
        400,
        "Nope.",
    )
    assert services.IntegrationError is IntegrationError
    assert IntegrationError("Nope.").code == "error"

    # A refused *Connect account* (no setup yet): core.http's redirect with the message on the page.
    client.force_login(admin_user_of_store)
    response = client.post(reverse("tiktok-connect", kwargs={"account": store.account}))
    assert response.status_code == 302
    assert response["Location"] == reverse("tiktok-page", kwargs={"account": store.account})
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Fill in and confirm the setup form first."
    ]


# --- what the page shows of the channel apps ----------------------------------------------------


def _page(client, store) -> str:
    return client.get(reverse("tiktok-page", kwargs={"account": store.account})).content.decode()


def test_page_catalog_numbers_come_from_the_registered_callable(
    client, store, connection, admin_user_of_store, settings
) -> None:
    client.force_login(admin_user_of_store)
    settings.TIKTOK_PAGE_CATALOG_COUNTS = "tests.integration.recorder.counts"
    html = _page(client, store)
    assert '<a class="stat" href="/list/" data-testid="count-available">7</a>' in html
    assert 'data-testid="count-pending">3<' in html and 'data-testid="count-rejected">1<' in html

    settings.TIKTOK_PAGE_CATALOG_COUNTS = ""
    html = _page(client, store)
    assert 'data-testid="count-available">0<' in html and 'data-testid="catalog-rejected"' not in html


def test_page_sections_come_from_settings(client, store, connection, admin_user_of_store, settings) -> None:
    client.force_login(admin_user_of_store)
    html = _page(client, store)
    assert 'data-testid="tab-shop"' in html
    assert 'data-testid="catalog-sync-panel"' in html

    settings.TIKTOK_PAGE_SECTIONS = {}
    html = _page(client, store)
    assert 'data-testid="tab-shop"' not in html
    assert 'data-testid="catalog-sync-panel"' not in html
    assert 'data-testid="section-catalog"' in html
