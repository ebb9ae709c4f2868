"""Who may open and act on every URL of the TikTok page: members see, admins act, viewers see only,
users of another store get 404, anonymous users go to login; every state change is a POST with CSRF."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from integration.models import ConnectAttempt, ConnectionStatus, TikTokConnection, TikTokSetup
from store.models import Role

pytestmark = pytest.mark.django_db

READ = [
    ("tiktok-page", {}, "get"),
    ("tiktok-apps-page", {}, "get"),
    ("tiktok-go", {"destination": "business-center"}, "get"),
]
ACT = [
    ("tiktok-setup", {}, "get"),
    ("tiktok-setup", {}, "post"),
    ("tiktok-connect", {}, "post"),
    ("tiktok-callback", {}, "get"),
    ("tiktok-disconnect", {}, "post"),
    ("tiktok-advanced-matching", {}, "post"),
]
POST_ONLY = ["tiktok-connect", "tiktok-disconnect", "tiktok-advanced-matching"]


def _url(name: str, store, kwargs: dict) -> str:
    return reverse(name, kwargs={"account": store.account, **kwargs})


def _state(connection: TikTokConnection) -> tuple:
    connection.refresh_from_db()
    return (
        connection.status,
        connection.advanced_matching,
        TikTokSetup.objects.count(),
        ConnectAttempt.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize(("name", "kwargs", "method"), READ + ACT)
def test_anonymous_goes_to_login(client: Client, store, connection, name, kwargs, method):
    before = _state(connection)
    response = getattr(client, method)(_url(name, store, kwargs))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")
    assert _state(connection) == before


@pytest.mark.parametrize(("name", "kwargs", "method"), READ + ACT)
def test_other_store_gets_404(client: Client, store, connection, make_store, make_user, name, kwargs, method):
    other = make_store()
    intruder = make_user(other, Role.ADMIN)
    client.force_login(intruder)
    before = _state(connection)
    response = getattr(client, method)(_url(name, store, kwargs), {"enabled": "1"})
    assert response.status_code == 404
    assert _state(connection) == before


@pytest.mark.parametrize(("name", "kwargs", "method"), READ + ACT)
def test_user_without_store_gets_404(client: Client, store, connection, make_user, name, kwargs, method):
    client.force_login(make_user(None))
    response = getattr(client, method)(_url(name, store, kwargs))
    assert response.status_code == 404


@pytest.mark.parametrize(("name", "kwargs", "method"), ACT)
def test_viewer_cannot_act(client: Client, store, connection, viewer_user_of_store, name, kwargs, method):
    client.force_login(viewer_user_of_store)
    before = _state(connection)
    response = getattr(client, method)(_url(name, store, kwargs), {"enabled": "1"})
    assert response.status_code == 403
    assert _state(connection) == before


@pytest.mark.parametrize(("name", "kwargs", "method"), READ)
def test_viewer_sees_the_page_and_follows_buttons(
    client: Client, store, connection, viewer_user_of_store, name, kwargs, method
):
    client.force_login(viewer_user_of_store)
    response = getattr(client, method)(_url(name, store, kwargs))
    assert response.status_code in (200, 302)


def test_viewer_page_has_no_action_controls(client: Client, store, connection, viewer_user_of_store):
    client.force_login(viewer_user_of_store)
    html = client.get(_url("tiktok-page", store, {})).content.decode()
    assert 'data-testid="disconnect-open"' not in html
    assert 'data-testid="disconnect-dialog"' not in html
    assert reverse("tiktok-disconnect", kwargs={"account": store.account}) not in html
    assert 'data-testid="am-toggle"' in html and "disabled" in html.split('data-testid="am-toggle"')[0][-200:]


@pytest.mark.parametrize("name", POST_ONLY)
def test_state_changes_refuse_get(client: Client, store, connection, admin_user_of_store, name):
    client.force_login(admin_user_of_store)
    before = _state(connection)
    response = client.get(_url(name, store, {}), {"enabled": "1"})
    assert response.status_code == 405
    assert _state(connection) == before


@pytest.mark.parametrize("name", [*POST_ONLY, "tiktok-setup"])
def test_state_changes_need_csrf(store, connection, admin_user_of_store, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user_of_store)
    before = _state(connection)
    response = client.post(_url(name, store, {}), {"enabled": "1", "action": "confirm"})
    assert response.status_code == 403
    assert _state(connection) == before
    assert connection.status == ConnectionStatus.CONNECTED
