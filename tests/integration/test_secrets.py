"""Secrets (token, app secret, auth_code, state, external_data) never appear in a page, a log line, the
audit trail, the Django admin or a task argument; the token is ciphertext in the database."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings as django_settings
from django.db import connection as db
from django.urls import reverse

from core.models import AuditEvent
from integration.log_redaction import RedactSecrets, redact
from integration.models import TikTokConnection
from store.models import InstalledApp

from .conftest import (
    CONNECTED_PROFILE,
    DISCONNECT_PATH,
    PIXEL_PATH,
    PROFILE_PATH,
    REVOKE_PATH,
    TOKEN_PATH,
    envelope,
)
from .test_connect import setup_form_data

pytestmark = pytest.mark.django_db

TOKEN = "act.SUPER-SECRET-TOKEN-9f8e7d6c5b4a"
CODE = "auth-code-SECRET-1234567890"


def test_no_secret_anywhere_through_connect_page_admin_and_disconnect(
    client, store, admin_user_of_store, tiktok, caplog, django_capture_on_commit_callbacks, monkeypatch
):
    dispatched: list[tuple] = []
    monkeypatch.setattr(
        "catalog_sync.services.connection_start_full_sync", lambda *args, **kw: dispatched.append((args, kw))
    )
    caplog.set_level(logging.DEBUG)
    admin_user_of_store.is_staff = admin_user_of_store.is_superuser = True
    admin_user_of_store.save()
    InstalledApp.objects.create(store=store, app="tiktok")
    client.force_login(admin_user_of_store)
    client.post(
        reverse("tiktok-setup", kwargs={"account": store.account}),
        {**setup_form_data(store), "action": "confirm"},
    )
    tiktok.post(TOKEN_PATH, json=envelope({"access_token": TOKEN, "advertiser_ids": ["7200000000000000001"]}))
    tiktok.get(PROFILE_PATH, json=envelope(CONNECTED_PROFILE))
    tiktok.get(PIXEL_PATH, json=envelope({"pixels": []}))
    tiktok.post(DISCONNECT_PATH, json=envelope({}))
    tiktok.post(REVOKE_PATH, json=envelope({}))

    start = client.post(reverse("tiktok-connect", kwargs={"account": store.account}))
    external_data = parse_qs(urlsplit(start["Location"]).query)["external_data"][0]
    from tiktok_api import external_data_decode

    state = external_data_decode(external_data)["state"]
    with django_capture_on_commit_callbacks(execute=True):
        client.get(
            reverse("tiktok-callback", kwargs={"account": store.account}), {"auth_code": CODE, "state": state}
        )
    connection = TikTokConnection.objects.get()
    assert connection.access_token == TOKEN

    pages = [
        client.get(reverse("tiktok-page", kwargs={"account": store.account})),
        client.get(reverse("tiktok-apps-page", kwargs={"account": store.account})),
        client.get(reverse("admin:integration_tiktokconnection_change", args=[connection.pk])),
        client.get(reverse("admin:integration_tiktokconnection_changelist")),
        client.get(reverse("admin:core_auditevent_changelist")),
        client.get(reverse("admin:integration_connectattempt_changelist")),
    ]
    client.post(reverse("tiktok-disconnect", kwargs={"account": store.account}))
    pages.append(client.get(reverse("tiktok-page", kwargs={"account": store.account})))

    with db.cursor() as cursor:
        cursor.execute("SELECT access_token FROM integration_tiktokconnection")
        stored = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT state_hash FROM integration_connectattempt")
        hashes = [row[0] for row in cursor.fetchall()]

    secrets = [TOKEN, CODE, state, external_data, django_settings.TIKTOK_APP_SECRET]
    for secret in secrets:
        for response in pages:
            assert response.status_code == 200
            assert secret not in response.content.decode()
        assert secret not in caplog.text
        for event in AuditEvent.objects.all():
            assert secret not in str(event.detail)
        assert all(secret not in s for s in stored)
        assert all(secret not in h for h in hashes)
        assert all(secret not in repr(d) for d in dispatched)
    assert dispatched == [((connection.pk,), {})]


def test_redaction_filter_blanks_oauth_parameters():
    line = '"GET /admin/loja/marketplace/tiktok/callback/?auth_code=abc123&state=xyz789 HTTP/1.1" 302 0'
    assert redact(line) == (
        '"GET /admin/loja/marketplace/tiktok/callback/?auth_code=[redacted]&state=[redacted] HTTP/1.1" 302 0'
    )
    assert "SECRETVALUE" not in redact("https://x/auth?external_data=SECRETVALUE")
    assert redact("nothing to hide here") == "nothing to hide here"


def test_configured_logging_redacts_the_callback_request_line():
    """The request line runserver logs for the callback goes through the redaction filter."""
    logger = logging.getLogger("django.server")
    record = logger.makeRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        ("GET /admin/x/marketplace/tiktok/callback/?auth_code=LEAK1&state=LEAK2 HTTP/1.1", "302", "0"),
        None,
    )
    assert "LEAK1" in record.getMessage()
    filters = [f for h in logger.handlers for f in h.filters]
    assert any(isinstance(f, RedactSecrets) for f in filters)
    for f in filters:
        f.filter(record)
    assert "LEAK1" not in record.getMessage() and "LEAK2" not in record.getMessage()
    assert "callback/?auth_code=[redacted]&state=[redacted]" in record.getMessage()


def test_anonymous_callback_goes_to_login_without_the_code(client, store):
    url = reverse("tiktok-callback", kwargs={"account": store.account})
    response = client.get(url, {"auth_code": "LEAKCODE", "state": "LEAKSTATE"})
    assert response.status_code == 302
    assert "LEAKCODE" not in response["Location"] and "LEAKSTATE" not in response["Location"]
    assert response["Location"] == f"{reverse('login')}?next={url}"
    login_page = client.get(response["Location"]).content.decode()
    assert "LEAKCODE" not in login_page and "LEAKSTATE" not in login_page
