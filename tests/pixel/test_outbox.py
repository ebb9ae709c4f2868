"""Sending the server-side outbox to event/track (exact wire payloads via `responses`)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import responses
from django.utils import timezone

from integration.models import ConnectionStatus, TikTokConnection
from pixel.models import OutboxEvent, OutboxRun, OutboxStatus
from pixel.services import MAX_ATTEMPTS, outbox_purge, outbox_send_for_store, outbox_stores_due
from tiktok_admin.locks import lease_acquire, lease_release
from tiktok_api import NO_RETRY, TikTokClient

from .conftest import PIXEL_CODE, disconnect

pytestmark = pytest.mark.django_db

BASE = "http://tiktok.test"
TRACK_URL = f"{BASE}/open_api/v1.3/event/track/"


@pytest.fixture
def api() -> TikTokClient:
    return TikTokClient(BASE, "app", "secret", timeout=(1.0, 1.0), retry=NO_RETRY)


def ok(request_id: str = "r1") -> dict[str, Any]:
    return {"code": 0, "message": "OK", "request_id": request_id, "data": {}}


def make_rows(
    conn: TikTokConnection, n: int, *, event: str = "AddToCart", start: int = 0
) -> list[OutboxEvent]:
    now = timezone.now()
    rows = [
        OutboxEvent(
            store_id=conn.store_id,
            connection=conn,
            pixel_code=conn.pixel_code,
            event=event,
            event_id=f"ev-{start + i}",
            event_time=now,
            payload={
                "event": event,
                "event_time": int(now.timestamp()),
                "event_id": f"ev-{start + i}",
                "user": {"email": "a" * 64},
                "properties": {"currency": "BRL", "value": 1.0},
                "page": {"url": "http://shop.test/s/x/"},
            },
            next_attempt_at=now,
        )
        for i in range(n)
    ]
    return OutboxEvent.objects.bulk_create(rows)


@responses.activate
def test_sends_due_rows_in_one_request_with_the_documented_body(store: Any, connect: Any, api: Any) -> None:
    conn = connect(store, access_token="act.secret-token")
    make_rows(conn, 3)
    responses.post(TRACK_URL, json=ok())
    run = outbox_send_for_store(store.pk, client=api)
    assert (run.requests, run.sent, run.retried, run.failed, run.outcome) == (1, 3, 0, 0, "sent")
    (call,) = responses.calls
    assert call.request.headers["Access-Token"] == "act.secret-token"
    body = json.loads(call.request.body)
    assert body["event_source"] == "web"
    assert body["event_source_id"] == PIXEL_CODE
    assert body["partner_name"] == "VTEX"
    assert [e["event_id"] for e in body["data"]] == ["ev-0", "ev-1", "ev-2"]
    assert set(OutboxEvent.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
    # nothing left: a second run makes no request
    run2 = outbox_send_for_store(store.pk, client=api)
    assert (run2.requests, run2.outcome) == (0, "idle")
    assert len(responses.calls) == 1


@responses.activate
def test_batches_of_at_most_1000(store: Any, connect: Any, api: Any) -> None:
    conn = connect(store)
    make_rows(conn, 2345)
    responses.post(TRACK_URL, json=ok())
    run = outbox_send_for_store(store.pk, client=api)
    sizes = [len(json.loads(c.request.body)["data"]) for c in responses.calls]
    assert sizes == [1000, 1000, 345]
    assert run.sent == 2345
    assert OutboxEvent.objects.filter(status=OutboxStatus.SENT).count() == 2345


@responses.activate
def test_retryable_error_backs_off_and_keeps_rows(store: Any, connect: Any, api: Any) -> None:
    conn = connect(store)
    make_rows(conn, 2)
    responses.post(
        TRACK_URL, json={"code": 50002, "message": "Internal error", "request_id": "r", "data": {}}
    )
    before = timezone.now()
    run = outbox_send_for_store(store.pk, client=api)
    assert (run.sent, run.retried, run.outcome) == (0, 2, "retry")
    for row in OutboxEvent.objects.all():
        assert row.status == OutboxStatus.PENDING
        assert row.attempts == 1
        assert row.next_attempt_at >= before + timedelta(seconds=15)
        assert "50002" in row.last_error
    # not due yet: a new run sends nothing
    assert outbox_send_for_store(store.pk, client=api).requests == 0
    assert len(responses.calls) == 1
    assert TikTokConnection.objects.get(pk=conn.pk).status == ConnectionStatus.CONNECTED


@responses.activate
def test_gives_up_after_max_attempts(store: Any, connect: Any, api: Any) -> None:
    conn = connect(store)
    make_rows(conn, 1)
    OutboxEvent.objects.update(attempts=MAX_ATTEMPTS - 1)
    responses.post(TRACK_URL, status=500, body="oops")
    run = outbox_send_for_store(store.pk, client=api)
    assert (run.failed, run.retried) == (1, 0)
    assert OutboxEvent.objects.get().status == OutboxStatus.FAILED


@responses.activate
def test_throttle_is_retried_later(store: Any, connect: Any, api: Any) -> None:
    conn = connect(store)
    make_rows(conn, 1)
    responses.post(
        TRACK_URL,
        json={"code": 40100, "message": "App reaches the QPS limit.", "request_id": "r", "data": {}},
    )
    run = outbox_send_for_store(store.pk, client=api)
    assert run.retried == 1
    assert OutboxEvent.objects.get().status == OutboxStatus.PENDING


@responses.activate
def test_auth_error_disconnects_and_drops(store: Any, connect: Any, api: Any) -> None:
    conn = connect(store)
    make_rows(conn, 2)
    responses.post(
        TRACK_URL,
        json={
            "code": 40105,
            "message": "Access token is incorrect or has been revoked.",
            "request_id": "r",
            "data": {},
        },
    )
    run = outbox_send_for_store(store.pk, client=api)
    assert run.outcome == "disconnected"
    assert run.dropped == 2
    conn.refresh_from_db()
    assert conn.status == ConnectionStatus.DISCONNECTED
    assert conn.disconnect_reason == "token_revoked"
    assert set(OutboxEvent.objects.values_list("status", flat=True)) == {OutboxStatus.DROPPED}
    assert len([c for c in responses.calls if "event/track" in c.request.url]) == 1


@responses.activate
def test_permanent_error_fails_the_batch_without_retry(store: Any, connect: Any, api: Any) -> None:
    conn = connect(store)
    make_rows(conn, 2)
    responses.post(TRACK_URL, json={"code": 40002, "message": "data: invalid", "request_id": "r", "data": {}})
    run = outbox_send_for_store(store.pk, client=api)
    assert (run.failed, run.outcome) == (2, "failed")
    assert set(OutboxEvent.objects.values_list("status", flat=True)) == {OutboxStatus.FAILED}
    assert TikTokConnection.objects.get(pk=conn.pk).status == ConnectionStatus.CONNECTED


@responses.activate
def test_disconnect_stops_sending(store: Any, connect: Any, api: Any) -> None:
    conn = connect(store)
    make_rows(conn, 3)
    disconnect(conn)
    run = outbox_send_for_store(store.pk, client=api)
    assert (run.requests, run.dropped, run.outcome) == (0, 3, "no_connection")
    assert len(responses.calls) == 0
    assert set(OutboxEvent.objects.values_list("status", flat=True)) == {OutboxStatus.DROPPED}


@responses.activate
def test_rows_of_an_old_connection_are_not_sent_with_the_new_one(store: Any, connect: Any, api: Any) -> None:
    old = connect(store)
    make_rows(old, 2)
    disconnect(old)
    new = connect(store, pixel_code="CNEWPIXEL0123456789X")
    make_rows(new, 1, start=10)
    responses.post(TRACK_URL, json=ok())
    run = outbox_send_for_store(store.pk, client=api)
    assert (run.sent, run.dropped) == (1, 2)
    body = json.loads(responses.calls[0].request.body)
    assert body["event_source_id"] == "CNEWPIXEL0123456789X"
    assert [e["event_id"] for e in body["data"]] == ["ev-10"]


@responses.activate
def test_a_second_sender_for_the_same_store_does_nothing(store: Any, connect: Any, api: Any) -> None:
    conn = connect(store)
    make_rows(conn, 1)
    owner = lease_acquire(f"pixel-outbox:{store.pk}", 60)
    try:
        assert outbox_send_for_store(store.pk, client=api) is None
    finally:
        lease_release(f"pixel-outbox:{store.pk}", owner)
    assert len(responses.calls) == 0
    assert OutboxEvent.objects.get().status == OutboxStatus.PENDING


@responses.activate
def test_rows_left_sending_by_a_dead_worker_are_sent_again(store: Any, connect: Any, api: Any) -> None:
    conn = connect(store)
    make_rows(conn, 2)
    OutboxEvent.objects.update(
        status=OutboxStatus.SENDING, claim_token="dead", claimed_at=timezone.now() - timedelta(hours=1)
    )
    assert outbox_stores_due() == [store.pk]
    responses.post(TRACK_URL, json=ok())
    assert outbox_send_for_store(store.pk, client=api).sent == 2


def test_stores_due_lists_only_stores_with_due_rows(store: Any, make_store: Any, connect: Any) -> None:
    other = make_store()
    conn = connect(store)
    conn2 = connect(other, pixel_code="COTHER0123456789ABCD")
    make_rows(conn, 1)
    make_rows(conn2, 1)
    OutboxEvent.objects.filter(store=other).update(next_attempt_at=timezone.now() + timedelta(minutes=5))
    assert outbox_stores_due() == [store.pk]


def test_purge_deletes_only_old_finished_rows(store: Any, connect: Any) -> None:
    conn = connect(store)
    make_rows(conn, 4)
    old = timezone.now() - timedelta(days=8)
    ids = list(OutboxEvent.objects.order_by("id").values_list("id", flat=True))
    OutboxEvent.objects.filter(pk=ids[0]).update(status=OutboxStatus.SENT, finished_at=old)
    OutboxEvent.objects.filter(pk=ids[1]).update(status=OutboxStatus.DROPPED, finished_at=old)
    OutboxEvent.objects.filter(pk=ids[2]).update(status=OutboxStatus.SENT, finished_at=timezone.now())
    OutboxRun.objects.create(store=store, started_at=old)
    assert outbox_purge(retention_days=7) == 2
    assert sorted(OutboxEvent.objects.values_list("id", flat=True)) == ids[2:]
    assert OutboxRun.objects.count() == 0


def test_send_task_is_registered_in_beat_and_celery() -> None:
    from tiktok_admin.celery import app

    assert app.conf.beat_schedule["pixel-send-outbox"]["task"] == "pixel.tasks.send_outbox_all"
    assert app.conf.beat_schedule["pixel-purge-outbox"]["task"] == "pixel.tasks.purge_outbox"
    import pixel.tasks  # noqa: F401

    assert {
        "pixel.tasks.send_outbox_all",
        "pixel.tasks.purge_outbox",
        "pixel.tasks.send_outbox_for_store",
    } <= set(app.tasks)


def test_beat_sweep_dispatches_one_task_per_due_store(store: Any, connect: Any, monkeypatch: Any) -> None:
    from pixel import tasks

    conn = connect(store)
    make_rows(conn, 3)
    sent: list[int] = []
    monkeypatch.setattr(tasks.send_outbox_for_store, "delay", lambda store_id: sent.append(store_id))
    assert tasks.send_outbox_all.apply().get() == 1
    assert sent == [store.pk]


def test_on_commit_dispatch_never_fails_the_shopper_request(
    store: Any, settings: Any, monkeypatch: Any
) -> None:
    from pixel import services, tasks

    settings.PIXEL_OUTBOX_DISPATCH = True

    def broken(store_id: int) -> None:
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.send_outbox_for_store, "delay", broken)
    services.outbox_dispatch(store.pk)  # logs, does not raise
