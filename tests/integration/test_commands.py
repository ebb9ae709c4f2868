"""Ops commands: tiktok_status, tiktok_disconnect, tiktok_check_connections, rotate_tokens."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection as db

from core.models import AuditAction, AuditEvent
from integration.crypto import encrypted_with_primary_key
from integration.models import ConnectionStatus, DisconnectReason, TikTokConnection

from .conftest import CONNECTED_PROFILE, DISCONNECT_PATH, PROFILE_PATH, REVOKE_PATH, TOKEN, envelope

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def _raw(pk: int) -> str:
    with db.cursor() as cursor:
        cursor.execute("SELECT access_token FROM integration_tiktokconnection WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_status_table_and_json(store, connection, make_store):
    other = make_store()
    table = run("tiktok_status")
    lines = table.splitlines()
    assert lines[0].split() == [
        "STORE_ID",
        "ACCOUNT",
        "STATUS",
        "BC_ID",
        "ADV_ID",
        "PIXEL_CODE",
        "CATALOG_ID",
        "SINCE",
        "LAST_SYNC",
    ]
    assert any(line.split()[:3] == [str(store.pk), store.account, "connected"] for line in lines)
    assert any(line.split()[:3] == [str(other.pk), other.account, "never_connected"] for line in lines)
    rows = {r["account"]: r for r in json.loads(run("tiktok_status", "--format", "json"))}
    assert rows[store.account]["catalog_id"] == "7300000000000000001"
    assert rows[store.account]["status"] == "connected"
    assert rows[other.account]["status"] == "never_connected"
    assert TOKEN not in table and TOKEN not in json.dumps(rows)


def test_disconnect_command(store, connection, tiktok):
    tiktok.post(DISCONNECT_PATH, json=envelope({}))
    tiktok.post(REVOKE_PATH, json=envelope({}))
    out = run("tiktok_disconnect", "--store", str(store.pk), "--reason", "merchant asked by phone")
    assert f"Store {store.account} disconnected from TikTok." in out
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.DISCONNECTED
    assert connection.disconnect_reason == DisconnectReason.OPS
    assert connection.disconnect_detail == "merchant asked by phone"
    event = AuditEvent.objects.get(action=AuditAction.DISCONNECTED)
    assert event.actor_label == "ops" and event.detail["detail"] == "merchant asked by phone"
    assert "not connected" in run("tiktok_disconnect", "--store", store.account)


def test_disconnect_command_reports_tiktok_failure(store, connection, tiktok):
    tiktok.post(DISCONNECT_PATH, status=500)
    tiktok.post(REVOKE_PATH, status=500)
    out = run("tiktok_disconnect", "--store", store.account)
    assert "TikTok could not confirm the disconnect" in out
    assert "Authorizations" in out


def test_disconnect_command_unknown_store(db):
    with pytest.raises(CommandError):
        run("tiktok_disconnect", "--store", "nope")


def test_check_connections_command(store, connection, tiktok):
    tiktok.get(PROFILE_PATH, json=envelope(CONNECTED_PROFILE))
    assert run("tiktok_check_connections").strip() == "checked=1 healthy=1 disconnected=0 errors=0"


def test_rotate_tokens_with_two_keys(store, make_connection, make_store, settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    first = make_connection(store)
    second = make_connection(make_store(), access_token="act.SECOND-token")
    old_ciphertexts = {first.pk: _raw(first.pk), second.pk: _raw(second.pk)}
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]

    # Both keys read the old tokens before rotation.
    assert TikTokConnection.objects.get(pk=first.pk).access_token == TOKEN
    assert not encrypted_with_primary_key(old_ciphertexts[first.pk])

    assert run("rotate_tokens").strip() == "rotated=2 already_current=0"
    for pk in (first.pk, second.pk):
        raw = _raw(pk)
        assert raw != old_ciphertexts[pk]
        assert Fernet(new_key.encode()).decrypt(raw.encode()).decode() in (TOKEN, "act.SECOND-token")
        assert TOKEN not in raw
    assert run("rotate_tokens").strip() == "rotated=0 already_current=2"

    # The old key can now go.
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert TikTokConnection.objects.get(pk=first.pk).access_token == TOKEN
    assert TikTokConnection.objects.get(pk=second.pk).access_token == "act.SECOND-token"
    assert AuditEvent.objects.filter(action=AuditAction.TOKENS_ROTATED).count() == 2


def test_status_shows_the_last_finished_sync(store, connection):
    from django.utils import timezone

    from catalog_sync.models import SyncRun

    finished = timezone.now()
    SyncRun.objects.create(
        connection=connection,
        trigger="connect",
        status="succeeded",
        started_at=finished,
        finished_at=finished,
    )
    rows = {r["account"]: r for r in json.loads(run("tiktok_status", "--format", "json"))}
    assert rows[store.account]["last_sync"] == finished.isoformat()
