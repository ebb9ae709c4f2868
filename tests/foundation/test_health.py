"""/healthz and the Celery canary."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.models import Heartbeat
from tiktok_admin.tasks import canary

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_broker_and_no_canary_yet(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert data["checks"]["database"] == "ok"
    assert data["checks"]["broker"] == "ok"
    assert data["checks"]["canary_age_seconds"] is None


def test_canary_task_records_a_heartbeat_and_healthz_reports_its_age(client):
    canary()
    beat = Heartbeat.objects.get(name="canary")
    assert beat.worker
    data = client.get("/healthz").json()
    assert 0 <= data["checks"]["canary_age_seconds"] < 5
    assert data["checks"]["canary_stale"] is False


def test_healthz_flags_a_stale_canary(client):
    Heartbeat.objects.create(name="canary", seen_at=timezone.now() - dt.timedelta(minutes=10), worker="w1")
    data = client.get("/healthz").json()
    assert data["checks"]["canary_stale"] is True
    assert data["checks"]["canary_age_seconds"] >= 600


def test_healthz_is_503_when_the_broker_is_down(client, monkeypatch):
    from tiktok_admin.celery import app

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("down")

    monkeypatch.setattr(app, "connection_for_write", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "error: ConnectionRefusedError"


def test_healthz_only_answers_get(client):
    assert client.post("/healthz").status_code == 405


def test_canary_is_in_the_beat_schedule():
    from tiktok_admin.celery import app

    assert app.conf.beat_schedule["canary"] == {"task": "tiktok_admin.tasks.canary", "schedule": 30.0}
