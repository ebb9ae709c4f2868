"""Sending the server-side outbox to event/track (exact wire payloads via `responses`)."""

from __future__ import annotations

import json
import logging
import random
from datetime import timedelta
from typing import Any

import pytest
import responses
from django.utils import timezone

from core.leases import lease_acquire, lease_release
from integration.models import ConnectionStatus, TikTokConnection
from pixel import dispatch, services, tasks
from pixel.models import OutboxEvent, OutboxRun, OutboxStatus
from pixel.services import (
    BACKOFF_BASE_SECONDS,
    BACKOFF_MAX_SECONDS,
    MAX_ATTEMPTS,
    outbox_purge,
    outbox_send_for_store,
    outbox_stores_due,
)
from tiktok_api import NO_RETRY, TikTokClient, backoff_delay

from .conftest import PIXEL_CODE, Broker, disconnect

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
    conn = connect(store)
    make_rows(conn, 3)
    sent: list[int] = []
    monkeypatch.setattr(tasks.send_outbox_for_store, "delay", lambda store_id: sent.append(store_id))
    assert tasks.send_outbox_all.apply().get() == 1
    assert sent == [store.pk]


def test_on_commit_dispatch_never_fails_the_shopper_request(
    store: Any, broker: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    broker.error = ConnectionError("broker down")
    with caplog.at_level(logging.WARNING, logger="pixel.dispatch"):
        services.outbox_dispatch(store.pk)  # logs, does not raise
    assert f"could not enqueue the outbox send for store {store.pk}" in caplog.text


def test_dispatch_queues_the_registered_send_task_by_name(store: Any, broker: Broker) -> None:
    """The services queue the send by name (they cannot import pixel.tasks, which wraps them): the name
    must be the one the task is registered under."""
    from tiktok_admin.celery import app

    services.outbox_dispatch(store.pk)
    assert broker.sent == [("pixel.tasks.send_outbox_for_store", (store.pk,), {"ignore_result": True})]
    assert tasks.send_outbox_for_store.name == dispatch.SEND_OUTBOX_FOR_STORE
    assert app.tasks[dispatch.SEND_OUTBOX_FOR_STORE].name == dispatch.SEND_OUTBOX_FOR_STORE


def test_dispatch_off_queues_nothing(store: Any, broker: Broker, settings: Any) -> None:
    settings.PIXEL_OUTBOX_DISPATCH = False
    services.outbox_dispatch(store.pk)
    assert broker.sent == []


@pytest.mark.parametrize("seed", [0, 1, 7, 2026])
def test_retry_waits_are_the_project_backoff_with_the_same_numbers(seed: int) -> None:
    """The outbox waits with tiktok_api.backoff_delay; with one seeded rng it gives exactly the numbers of
    the formula the pixel had (equal jitter: between half and all of min(3600, 30 * 2**(attempt-1)))."""

    def pixel_formula(attempts: int, rng: random.Random) -> float:
        ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * (2 ** max(0, attempts - 1)))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)

    old_rng, new_rng = random.Random(seed), random.Random(seed)
    for attempts in [*range(0, MAX_ATTEMPTS + 1), 40, 200]:
        expected = pixel_formula(attempts, old_rng)
        wait = backoff_delay(attempts, base=BACKOFF_BASE_SECONDS, cap=BACKOFF_MAX_SECONDS, rng=new_rng)
        assert wait == expected
        ceiling = min(3600.0, 30.0 * 2 ** max(0, attempts - 1))
        assert ceiling / 2 <= wait <= ceiling


@responses.activate
def test_a_retried_row_waits_the_backoff_of_its_attempt(
    store: Any, connect: Any, api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The wait written on a retried row is backoff_delay(attempt, base=30, cap=3600), jitter included."""
    conn = connect(store)
    (row,) = make_rows(conn, 1)
    OutboxEvent.objects.filter(pk=row.pk).update(attempts=3)
    responses.post(
        TRACK_URL, json={"code": 50002, "message": "Internal error", "request_id": "r", "data": {}}
    )
    monkeypatch.setattr(random, "uniform", lambda a, b: b)  # the longest wait of attempt 4: 240 s
    before = timezone.now()
    outbox_send_for_store(store.pk, client=api)
    row.refresh_from_db()
    assert row.attempts == 4
    assert before + timedelta(seconds=240) <= row.next_attempt_at <= timezone.now() + timedelta(seconds=240)
