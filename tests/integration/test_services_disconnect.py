"""connection_disconnect / connection_auto_disconnect / connection_check against exact TikTok payloads."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from django.core import mail
from django.db import connection as db

from core.leases import lease_acquire, lease_release
from core.models import AuditAction, AuditEvent
from integration import services
from integration.models import ConnectionStatus, DisconnectReason, HealthCheckRun, TikTokConnection
from integration.selectors import connection_is_active
from integration.tasks import CHECK_LOCK, check_connections
from store.models import Role
from tiktok_api import (
    AuthError,
    AuthReason,
    MissingTokenError,
    PermanentError,
    RetryableError,
    ThrottledError,
    TikTokPermissionError,
    external_data_verify,
)

from .conftest import (
    CONNECTED_PROFILE,
    DISCONNECT_PATH,
    PROFILE_PATH,
    REVOKE_PATH,
    TOKEN,
    envelope,
)

pytestmark = pytest.mark.django_db


def _ok_remote(tiktok: responses.RequestsMock) -> None:
    tiktok.post(DISCONNECT_PATH, json=envelope({}))
    tiktok.post(REVOKE_PATH, json=envelope({"app_id": "7400000000000000001", "advertiser_ids": []}))


def _raw_token(pk: int) -> str:
    with db.cursor() as cursor:
        cursor.execute("SELECT access_token FROM integration_tiktokconnection WHERE id = %s", [pk])
        return cursor.fetchone()[0]


# --- manual disconnect ----------------------------------------------------------------------------


def test_disconnect_clears_locally_tells_tiktok_and_revokes(
    connection, admin_user_of_store, tiktok, settings
):
    _ok_remote(tiktok)

    result = services.connection_disconnect(
        connection.pk, reason=DisconnectReason.MANUAL, actor=admin_user_of_store
    )

    assert result.disconnected is True
    assert result.remote_ok is True
    assert result.manual_steps_needed is False
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.DISCONNECTED
    assert connection.disconnect_reason == DisconnectReason.MANUAL
    assert connection.disconnected_by == admin_user_of_store
    assert connection.access_token == ""
    assert _raw_token(connection.pk) == ""
    assert not connection_is_active(connection.pk)
    assert connection.remote_disconnect_error == ""

    disconnect_call, revoke_call = tiktok.calls[0], tiktok.calls[1]
    query = parse_qs(urlsplit(disconnect_call.request.url).query)
    payload = external_data_verify(query["external_data"][0], settings.TIKTOK_EXTERNAL_DATA_KEY)
    assert payload["external_business_id"] == connection.external_business_id
    assert payload["business_platform"] == "VTEX"
    assert json.loads(disconnect_call.request.body) == {
        "business_platform": "VTEX",
        "external_business_id": connection.external_business_id,
    }
    revoke_body = json.loads(revoke_call.request.body)
    assert revoke_body["access_token"] == TOKEN
    assert revoke_body["app_id"] == settings.TIKTOK_APP_ID

    event = AuditEvent.objects.get(action=AuditAction.DISCONNECTED)
    assert event.actor == admin_user_of_store
    assert event.detail["reason"] == "manual"
    assert event.detail["remote_ok"] is True
    assert TOKEN not in json.dumps(event.detail)


def test_disconnect_twice_is_harmless_and_calls_tiktok_once(connection, admin_user_of_store, tiktok):
    _ok_remote(tiktok)
    first = services.connection_disconnect(
        connection.pk, reason=DisconnectReason.MANUAL, actor=admin_user_of_store
    )
    second = services.connection_disconnect(
        connection.pk, reason=DisconnectReason.MANUAL, actor=admin_user_of_store
    )

    assert first.disconnected is True
    assert second.disconnected is False
    assert second.remote_ok is None
    assert len(tiktok.calls) == 2
    assert AuditEvent.objects.filter(action=AuditAction.DISCONNECTED).count() == 1


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 500, "body": "boom"},
        {"json": envelope({}, code=50000, message="Internal error")},
        {"body": requests.ConnectionError("refused")},
        {"json": envelope({}, code=40002, message="external_business_id: not found")},
    ],
    ids=["http500", "code50000", "connection-refused", "permanent"],
)
def test_disconnect_when_tiktok_fails_clears_locally_and_asks_for_manual_steps(
    connection, admin_user_of_store, tiktok, failure
):
    tiktok.post(DISCONNECT_PATH, **failure)
    tiktok.post(REVOKE_PATH, **failure)

    result = services.connection_disconnect(
        connection.pk, reason=DisconnectReason.MANUAL, actor=admin_user_of_store
    )

    assert result.disconnected is True
    assert result.remote_ok is False
    assert result.manual_steps_needed is True
    assert len(result.remote_errors) == 2
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.DISCONNECTED
    assert connection.access_token == ""
    assert "business_profile_disconnect" in connection.remote_disconnect_error
    assert "revoke_token" in connection.remote_disconnect_error
    assert TOKEN not in connection.remote_disconnect_error
    event = AuditEvent.objects.get(action=AuditAction.DISCONNECTED)
    assert event.detail["remote_ok"] is False


def test_disconnect_of_unknown_connection_does_nothing(db, tiktok):
    result = services.connection_disconnect(999999, reason=DisconnectReason.OPS)
    assert result.disconnected is False
    assert len(tiktok.calls) == 0


# --- automatic disconnect -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        (AuthReason.REVOKED, DisconnectReason.TOKEN_REVOKED),
        (AuthReason.EXPIRED, DisconnectReason.TOKEN_EXPIRED),
        (AuthReason.INVALID, DisconnectReason.TOKEN_INVALID),
    ],
)
def test_auto_disconnect_on_auth_errors(
    connection, store, make_user, tiktok, reason, expected, django_capture_on_commit_callbacks
):
    make_user(store, Role.ADMIN, email="owner@example.com.br")
    make_user(store, Role.VIEWER, email="viewer@example.com.br")
    # TikTok's profile still answers normally for expired/invalid; for revoked it refuses (no suspension).
    tiktok.get(
        PROFILE_PATH, json=envelope({}, code=40105, message="Access token is incorrect or has been revoked.")
    )
    error = AuthError(
        "Access token is incorrect or has been revoked.", reason=reason, code=40105, request_id="r-1"
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert services.connection_auto_disconnect(connection.pk, error=error) is True

    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.DISCONNECTED
    assert connection.disconnect_reason == expected
    assert connection.disconnected_at is not None
    assert connection.disconnected_by is None
    assert connection.access_token == ""
    assert connection.last_error_code == 40105
    event = AuditEvent.objects.get(action=AuditAction.AUTO_DISCONNECTED)
    assert event.actor is None and event.actor_label == "TikTok for Business"
    assert event.detail["reason"] == expected
    assert event.detail["request_id"] == "r-1"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["owner@example.com.br"]
    # Nothing is sent to TikTok's disconnect or revoke endpoints: the token is already dead.
    assert all("disconnect" not in c.request.url and "revoke" not in c.request.url for c in tiktok.calls)


def test_auto_disconnect_tells_a_suspension_from_a_revocation(
    connection, tiktok, django_capture_on_commit_callbacks
):
    suspended = {
        **CONNECTED_PROFILE,
        "status": 3,
        "suspended": True,
        "suspend_reason": "Violation of ad policies",
    }
    tiktok.get(PROFILE_PATH, json=envelope(suspended))
    error = AuthError("Access token is incorrect or has been revoked.", reason=AuthReason.REVOKED, code=40105)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.connection_auto_disconnect(connection.pk, error=error) is True

    connection.refresh_from_db()
    assert connection.disconnect_reason == DisconnectReason.ACCOUNT_SUSPENDED
    assert connection.disconnect_detail == "Violation of ad policies"


def test_e_mail_to_admins_is_in_the_store_language(
    connection, store, make_user, django_capture_on_commit_callbacks
):
    make_user(store, Role.ADMIN, email="dono@example.com.br")
    with django_capture_on_commit_callbacks(execute=True):
        services.connection_auto_disconnect(connection.pk, error=DisconnectReason.PROFILE_GONE)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert store.locale == "pt-br"
    assert message.subject == f"O TikTok for Business foi desconectado de {store.name}"
    assert f"https://admin.example.com/admin/{store.account}/marketplace/tiktok/" in message.body
    assert TOKEN not in message.body


@pytest.mark.parametrize(
    "error",
    [
        ThrottledError("App reaches the QPS limit.", code=40100),
        RetryableError("Internal error", code=50000),
        RetryableError("HTTP 503", http_status=503),
        RetryableError("transport failure (timeout)"),
        MissingTokenError("Access token is null", code=40104),
        TikTokPermissionError("You don't have permission to operate this catalog:1.", code=40001),
        PermanentError("parameter error", code=40002),
        ValueError("our own bug"),
        "throttled",
        None,
    ],
    ids=["40100", "50000", "http503", "timeout", "40104", "40001", "40002", "bug", "string", "none"],
)
def test_auto_disconnect_never_for_other_errors(
    connection, tiktok, error, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert services.connection_auto_disconnect(connection.pk, error=error) is False
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.CONNECTED
    assert connection.access_token == TOKEN
    assert not AuditEvent.objects.filter(action=AuditAction.AUTO_DISCONNECTED).exists()
    assert mail.outbox == []
    assert len(tiktok.calls) == 0
    if isinstance(error, Exception):
        assert connection.last_error_at is not None
        assert connection.last_error_code == getattr(error, "code", None)


def test_auto_disconnect_twice_reports_once(connection, tiktok, django_capture_on_commit_callbacks):
    tiktok.get(PROFILE_PATH, json=envelope({}, code=40105, message="revoked"))
    error = AuthError("revoked", reason=AuthReason.REVOKED, code=40105)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.connection_auto_disconnect(connection.pk, error=error) is True
        assert services.connection_auto_disconnect(connection.pk, error=error) is False
    assert AuditEvent.objects.filter(action=AuditAction.AUTO_DISCONNECTED).count() == 1


def test_auto_disconnect_after_manual_disconnect_keeps_the_manual_reason(
    connection, admin_user_of_store, tiktok, django_capture_on_commit_callbacks
):
    _ok_remote(tiktok)
    services.connection_disconnect(connection.pk, reason=DisconnectReason.MANUAL, actor=admin_user_of_store)
    with django_capture_on_commit_callbacks(execute=True):
        assert not services.connection_auto_disconnect(
            connection.pk, error=AuthError("revoked", reason=AuthReason.REVOKED, code=40105)
        )
    connection.refresh_from_db()
    assert connection.disconnect_reason == DisconnectReason.MANUAL
    assert mail.outbox == []


def test_record_error_keeps_code_message_and_request_id_only(connection):
    services.connection_record_error(
        connection.pk, error=ThrottledError("App reaches the QPS limit.", code=40100)
    )
    connection.refresh_from_db()
    assert connection.last_error_code == 40100
    assert connection.last_error_message == "App reaches the QPS limit."
    assert connection.status == ConnectionStatus.CONNECTED


# --- health check ---------------------------------------------------------------------------------


def test_check_healthy_connection(connection, tiktok):
    tiktok.get(PROFILE_PATH, json=envelope(CONNECTED_PROFILE))
    result = services.connection_check(connection.pk)
    assert result.healthy and not result.disconnected
    connection.refresh_from_db()
    assert connection.last_checked_at is not None
    assert connection.status == ConnectionStatus.CONNECTED
    assert tiktok.calls[0].request.headers["Access-Token"] == TOKEN


@pytest.mark.parametrize(
    ("answer", "reason", "detail"),
    [
        (envelope([]), DisconnectReason.PROFILE_GONE, ""),
        (
            envelope({**CONNECTED_PROFILE, "status": 3, "suspended": True, "suspend_reason": "Fraud review"}),
            DisconnectReason.ACCOUNT_SUSPENDED,
            "Fraud review",
        ),
        (
            envelope({}, code=40105, message="Access token is incorrect or has been revoked."),
            DisconnectReason.TOKEN_REVOKED,
            "Access token is incorrect or has been revoked.",
        ),
        (
            envelope({}, code=40102, message="Access token expired"),
            DisconnectReason.TOKEN_EXPIRED,
            "Access token expired",
        ),
    ],
    ids=["empty-profile", "suspended", "revoked", "expired"],
)
def test_check_disconnects(connection, tiktok, answer, reason, detail, django_capture_on_commit_callbacks):
    tiktok.get(PROFILE_PATH, json=answer)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.connection_check(connection.pk)
    assert result.disconnected
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.DISCONNECTED
    assert connection.disconnect_reason == reason
    assert connection.disconnect_detail == detail
    assert len(tiktok.calls) == 1


@pytest.mark.parametrize(
    "answer",
    [
        {"json": envelope({}, code=40100, message="App reaches the QPS limit per minute.")},
        {"status": 502, "body": "bad gateway"},
        {"body": requests.ReadTimeout("slow")},
    ],
    ids=["throttled", "http502", "timeout"],
)
def test_check_never_disconnects_on_trouble(connection, tiktok, answer):
    tiktok.get(PROFILE_PATH, **answer)
    result = services.connection_check(connection.pk)
    assert not result.healthy and not result.disconnected
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.CONNECTED
    assert connection.last_error_at is not None


def test_check_task_covers_every_active_connection_once(
    make_store, make_connection, tiktok, django_capture_on_commit_callbacks
):
    healthy = make_connection(make_store())
    gone = make_connection(make_store())
    old = make_connection(make_store(), status=ConnectionStatus.DISCONNECTED, access_token="")

    def answer(request: Any) -> tuple[int, dict, str]:
        ebid = parse_qs(urlsplit(request.url).query)["external_business_id"][0]
        data = CONNECTED_PROFILE if ebid == healthy.external_business_id else []
        return 200, {}, json.dumps(envelope(data))

    tiktok.add_callback(responses.GET, PROFILE_PATH, callback=answer)
    with django_capture_on_commit_callbacks(execute=True):
        check_connections()
    run = HealthCheckRun.objects.get()
    assert (run.checked, run.healthy, run.disconnected, run.errors) == (2, 1, 1, 0)
    assert run.finished_at is not None
    assert TikTokConnection.objects.get(pk=gone.pk).disconnect_reason == DisconnectReason.PROFILE_GONE
    assert TikTokConnection.objects.get(pk=healthy.pk).is_active
    assert len(tiktok.calls) == 2
    assert old.external_business_id not in " ".join(c.request.url for c in tiktok.calls)


def test_check_task_is_a_singleton(connection, tiktok):
    owner = lease_acquire(CHECK_LOCK, 60)
    try:
        check_connections()
    finally:
        lease_release(CHECK_LOCK, owner)
    assert len(tiktok.calls) == 0
    assert not HealthCheckRun.objects.exists()


def test_revoke_answering_token_already_revoked_counts_as_done(connection, admin_user_of_store, tiktok):
    """TikTok's business-profile disconnect revokes the token itself, so revoke_token then answers 40105."""
    tiktok.post(DISCONNECT_PATH, json=envelope({}))
    tiktok.post(
        REVOKE_PATH, json=envelope({}, code=40105, message="Access token is incorrect or has been revoked.")
    )
    result = services.connection_disconnect(
        connection.pk, reason=DisconnectReason.MANUAL, actor=admin_user_of_store
    )
    assert result.remote_ok is True and result.remote_errors == ()
