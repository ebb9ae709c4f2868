"""The page's actions: Advanced Matching toggle and Disconnect (POST + CSRF, admins only)."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from core.models import AuditAction, AuditEvent
from integration.models import ConnectionStatus, TikTokConnection

from .conftest import DISCONNECT_PATH, REVOKE_PATH, TOKEN, envelope

pytestmark = pytest.mark.django_db


def _toggle(client, store, enabled: bool):
    data = {"enabled": "1"} if enabled else {}
    return client.post(reverse("tiktok-advanced-matching", kwargs={"account": store.account}), data)


def test_toggle_on_and_off_is_the_local_truth(client, store, connection, admin_user_of_store, monkeypatch):
    invalidated: list[int] = []
    monkeypatch.setattr("pixel.cache.pixel_config_invalidate", lambda store_id: invalidated.append(store_id))
    client.force_login(admin_user_of_store)

    response = _toggle(client, store, True)
    assert response.status_code == 302
    assert response["Location"].endswith("?open=data-sharing#data-sharing")
    connection.refresh_from_db()
    assert connection.advanced_matching is True
    assert connection.advanced_matching_at_tiktok is False  # what TikTok had stays recorded, not applied
    html = client.get(reverse("tiktok-page", kwargs={"account": store.account})).content.decode()
    assert 'data-testid="am-toggle" checked' in html or 'value="1" checked' in html

    _toggle(client, store, True)  # same value again: no new audit entry
    _toggle(client, store, False)
    connection.refresh_from_db()
    assert connection.advanced_matching is False
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == [AuditAction.ADVANCED_MATCHING_ON, AuditAction.ADVANCED_MATCHING_OFF]
    assert invalidated == [store.pk, store.pk]


def test_toggle_without_connection_says_so(client, store, admin_user_of_store):
    client.force_login(admin_user_of_store)
    response = _toggle(client, store, True)
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["This store is not connected to TikTok."]
    assert not AuditEvent.objects.exists()


def test_disconnect_button_with_tiktok_confirming(client, store, connection, admin_user_of_store, tiktok):
    tiktok.post(DISCONNECT_PATH, json=envelope({}))
    tiktok.post(REVOKE_PATH, json=envelope({"app_id": "7400000000000000001", "advertiser_ids": []}))
    client.force_login(admin_user_of_store)
    response = client.post(reverse("tiktok-disconnect", kwargs={"account": store.account}))
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "TikTok was disconnected from your store."
    ]
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.DISCONNECTED
    assert connection.disconnected_by == admin_user_of_store
    html = client.get(reverse("tiktok-page", kwargs={"account": store.account})).content.decode()
    assert 'data-testid="disconnected"' in html
    assert 'data-testid="manual-steps"' not in html
    assert f"by {admin_user_of_store.username}" in html


def test_disconnect_button_when_tiktok_fails(client, store, connection, admin_user_of_store, tiktok):
    tiktok.post(DISCONNECT_PATH, status=500)
    tiktok.post(REVOKE_PATH, status=500)
    client.force_login(admin_user_of_store)
    response = client.post(reverse("tiktok-disconnect", kwargs={"account": store.account}))
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == [
        "TikTok was disconnected from your store, but TikTok could not confirm it. Follow the steps on this page "
        "to make sure the integration is disabled at TikTok."
    ]
    assert TikTokConnection.objects.get(pk=connection.pk).status == ConnectionStatus.DISCONNECTED
    html = client.get(reverse("tiktok-page", kwargs={"account": store.account})).content.decode()
    assert 'data-testid="manual-steps"' in html


def test_disconnect_twice_from_two_tabs(client, store, connection, admin_user_of_store, tiktok):
    tiktok.post(DISCONNECT_PATH, json=envelope({}))
    tiktok.post(REVOKE_PATH, json=envelope({}))
    client.force_login(admin_user_of_store)
    url = reverse("tiktok-disconnect", kwargs={"account": store.account})
    client.post(url)
    second = client.post(url)
    assert [str(m) for m in get_messages(second.wsgi_request)][
        -1
    ] == "TikTok is already disconnected from this store."
    assert AuditEvent.objects.filter(action=AuditAction.DISCONNECTED).count() == 1
    assert len(tiktok.calls) == 2


def test_disconnect_dialog_states_the_consequences_and_links_catalog_manager(
    client, store, connection, admin_user_of_store
):
    client.force_login(admin_user_of_store)
    html = client.get(reverse("tiktok-page", kwargs={"account": store.account})).content.decode()
    dialog = html.split('data-testid="disconnect-dialog"', 1)[1].split("</dialog>", 1)[0]
    assert 'method="post"' in dialog and "csrfmiddlewaretoken" in dialog
    assert reverse("tiktok-go", kwargs={"account": store.account, "destination": "catalog"}) in dialog
    assert "TikTok Pixel and the integration with your store&#x27;s catalog are deactivated" in dialog or (
        "TikTok Pixel and the integration with your store's catalog are deactivated" in dialog
    )
    assert TOKEN not in html
