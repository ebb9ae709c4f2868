"""The file route for a big first load, step by step against the live sandbox (real HTTP both ways: the
sandbox fetches the CSV from this test's live server), plus the signed URL's view."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from unittest import mock

import pytest
import requests

from catalog_sync import services
from catalog_sync.engine import filefeed, remote
from catalog_sync.engine.outcome import StepAction
from catalog_sync.models import BatchStatus, RemoteOp, SkuState, SyncBatch, SyncRun, SyncStatus
from tests.catalog_sync.conftest import connect, drive
from tiktok_api.feedfile import FEED_COLUMNS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def file_route(settings, live_server, sandbox):
    settings.PUBLIC_BASE_URL = live_server.url
    settings.CATALOG_SYNC_FILE_ROUTE_MIN = 3
    return live_server


def _swept(catalog, sandbox, n: int):
    skus = [catalog.sku() for _ in range(n)]
    conn = connect(catalog.store, sandbox)
    services.connection_full_sync_prepare(conn.pk)
    services.connection_sweep(conn.pk)
    return conn, skus


def _step(conn):
    conn.refresh_from_db()
    return filefeed.file_route_step(conn, remote.tiktok_client(), "owner-1")


def test_a_big_first_sync_goes_as_one_file_and_lands_like_uploads(catalog, sandbox, file_route):
    conn, skus = _swept(catalog, sandbox, 5)
    outcome = _step(conn)
    assert outcome.action == StepAction.SENT and outcome.sent == 5
    [batch] = SyncBatch.objects.filter(connection=conn)
    assert (batch.kind, batch.status, batch.sku_ids) == ("file", BatchStatus.SENT, sorted(s.pk for s in skus))
    [request] = sandbox.journal(endpoint="catalog/product/file")
    assert sandbox.journal(endpoint="catalog/product/upload") == []
    assert set(SkuState.objects.filter(connection=conn).values_list("status", flat=True)) == {SyncStatus.SENT}
    assert _step(conn).action == StepAction.WAITING
    sandbox.tick()  # the sandbox fetches the file from the live server and applies it
    assert _step(conn) is None, "done: the JSON route has nothing left either"
    assert sandbox.sku_ids(conn.catalog_id) == {str(s.pk) for s in skus}
    states = SkuState.objects.filter(connection=conn)
    assert {(s.status, s.op, s.batch_id, s.accepted_hash == s.sent_hash != "") for s in states} == {
        (SyncStatus.IN_REVIEW, RemoteOp.NONE, None, True)
    }
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE
    assert SyncRun.objects.get(connection=conn).uploaded == 5
    # The rest of the sync is unchanged: review, and the next sweep finds nothing to send.
    drive(conn.pk, sandbox)
    assert len(sandbox.journal(endpoint="catalog/product/file")) == 1
    assert sandbox.journal(endpoint="catalog/product/upload") == []
    assert set(SkuState.objects.filter(connection=conn).values_list("status", flat=True)) == {
        SyncStatus.AVAILABLE
    }


def test_the_json_route_below_the_threshold_and_for_any_later_sync(catalog, sandbox, file_route, settings):
    conn, _skus = _swept(catalog, sandbox, 3)
    assert filefeed.file_route_wanted(conn.pk) is None, "3 is not more than 3"
    settings.CATALOG_SYNC_FILE_ROUTE_MIN = 2
    assert filefeed.file_route_wanted(conn.pk) == "claim"
    settings.CATALOG_SYNC_FILE_ROUTE_MIN = 0
    assert filefeed.file_route_wanted(conn.pk) is None, "0 turns it off"
    drive(conn.pk, sandbox)
    settings.CATALOG_SYNC_FILE_ROUTE_MIN = 1
    services.connection_full_sync_prepare(conn.pk, force=True)
    services.connection_sweep(conn.pk)
    assert filefeed.file_route_wanted(conn.pk) is None, "not the first sync: batches were sent before"


def test_the_json_route_waits_while_the_first_sweep_is_classifying(catalog, sandbox, file_route):
    [catalog.sku() for _ in range(5)]
    conn = connect(catalog.store, sandbox)
    services.connection_full_sync_prepare(conn.pk)
    services.connection_sweep(conn.pk, max_rows=2)
    assert filefeed.file_route_wanted(conn.pk) == "wait"
    assert _step(conn).action == StepAction.WAITING
    assert SyncBatch.objects.filter(connection=conn).count() == 0
    services.connection_sweep(conn.pk)
    assert filefeed.file_route_wanted(conn.pk) == "claim"


def test_a_file_tiktok_cannot_fetch_gives_every_row_back_to_the_json_route(
    catalog, sandbox, file_route, settings
):
    conn, skus = _swept(catalog, sandbox, 4)
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:9"  # nothing listens there
    assert _step(conn).action == StepAction.SENT
    sandbox.tick()
    assert _step(conn) is None
    [batch] = SyncBatch.objects.filter(connection=conn)
    assert batch.status == BatchStatus.FAILED
    states = SkuState.objects.filter(connection=conn)
    assert {(s.status, s.op, s.batch_id, s.attempts) for s in states} == {
        (SyncStatus.QUEUED, RemoteOp.UPLOAD, None, 1)
    }
    assert sandbox.sku_ids(conn.catalog_id) == set()
    drive(conn.pk, sandbox)
    assert sandbox.sku_ids(conn.catalog_id) == {str(s.pk) for s in skus}
    assert len(sandbox.journal(endpoint="catalog/product/upload")) == 1
    assert len(sandbox.journal(endpoint="catalog/product/file")) == 1


def test_the_file_url_needs_its_signed_unexpired_token(catalog, sandbox, file_route):
    conn, skus = _swept(catalog, sandbox, 4)
    batch = filefeed.file_batch_claim(conn, "owner-1")
    url = filefeed.file_url(conn, batch.pk)
    base, _sep, _token = url.partition("?feed_token=")
    assert url.startswith(
        f"{file_route.url}/admin/{conn.store.account}/marketplace/tiktok/catalog/file-feed/"
    )
    resp = requests.get(url, timeout=10)
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    assert list(rows[0]) == list(FEED_COLUMNS)
    assert [r["sku_id"] for r in rows] == [str(s.pk) for s in skus]
    assert {r["price"] for r in rows} == {"99.90 BRL"}
    other = filefeed.file_token(batch.pk + 1)
    for bad in ("", "?feed_token=x", f"?feed_token={other}"):
        assert requests.get(base + bad, timeout=10).status_code == 404
    later = filefeed.TOKEN_MAX_AGE + 5
    with mock.patch("django.core.signing.time.time", return_value=__import__("time").time() + later):
        assert not filefeed.file_token_valid(url.partition("=")[2], batch.pk)
    assert filefeed.file_token_valid(url.partition("=")[2], batch.pk)
    SyncBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.DONE)
    assert requests.get(url, timeout=10).status_code == 404, "served only while TikTok may fetch it"
    assert timedelta(seconds=filefeed.TOKEN_MAX_AGE) == timedelta(days=1)


def test_end_to_end_the_send_loop_takes_the_file_route_once(catalog, sandbox, file_route):
    skus = [catalog.sku() for _ in range(6)]
    conn = connect(catalog.store, sandbox)
    services.connection_full_sync_prepare(conn.pk)
    drive(conn.pk, sandbox)
    assert len(sandbox.journal(endpoint="catalog/product/file")) == 1
    assert sandbox.journal(endpoint="catalog/product/upload") == []
    assert sandbox.sku_ids(conn.catalog_id, "approved") == {str(s.pk) for s in skus}
    run = SyncRun.objects.get(connection=conn)
    assert (run.status, run.uploaded, run.requests) == ("succeeded", 6, 1)
