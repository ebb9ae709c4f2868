"""One queued step per send loop and one queued review poll per catalog (catalog_sync/engine/nextstep.py):
a step replaced by a newer one does nothing, beat nudges only loops with no step queued or running, and
a lost record (the cache restarted) lets beat's nudge start the loop again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from catalog_sync import leases, services, tasks
from catalog_sync.engine import nextstep
from catalog_sync.models import BatchStatus, SyncBatch
from core.leases import lease_release, lease_take
from tests.catalog_sync.conftest import connect

pytestmark = pytest.mark.django_db(transaction=True)

SEND = "catalog_sync.tasks.send_batches"
REVIEW = "catalog_sync.tasks.poll_review"


@pytest.fixture
def swept(catalog, sandbox) -> Iterator[int]:
    """A connection with two SKUs classified and queued for upload, and no step of its loop queued."""
    catalog.sku()
    catalog.sku()
    conn = connect(catalog.store, sandbox)
    keys = [f"catalog-sync:send-next:{conn.pk}", f"catalog-sync:review-next:{conn.pk}"]
    cache.delete_many(keys)
    services.connection_full_sync_prepare(conn.pk)
    services.connection_sweep(conn.pk)
    yield conn.pk
    cache.delete_many(keys)


def test_beat_nudges_a_loop_only_while_no_step_of_it_is_queued(swept, dispatched):
    assert tasks.poll_feed_logs() == 1
    assert dispatched == [(SEND, (swept,), None)]
    dispatched.clear()

    tasks.send_next(swept, 2.0)
    ((name, (cid, token), countdown),) = dispatched
    assert (name, cid, countdown) == (SEND, swept, 2.0) and token
    dispatched.clear()
    assert tasks.poll_feed_logs() == 0
    assert tasks.reap_leases() == {"batches": 0, "leases": 0, "connections": 0}
    assert dispatched == []

    # A nudge queued before the step was recorded runs after it: it does nothing at all.
    assert tasks.send_batches(swept) == "scheduled"
    assert dispatched == []
    assert not SyncBatch.objects.filter(connection_id=swept).exists()

    # The recorded step runs, sends, and queues (and records) the loop's next step.
    assert tasks.send_batches(swept, token) == "sent"
    assert SyncBatch.objects.get(connection_id=swept).status == BatchStatus.SENT
    ((name, (cid, following), _countdown),) = dispatched
    assert (name, cid) == (SEND, swept) and following != token
    dispatched.clear()
    assert tasks.poll_feed_logs() == 0

    # The cache lost the record (a Redis restart): the batch in flight is stranded, so beat nudges it.
    cache.delete(f"catalog-sync:send-next:{swept}")
    assert tasks.poll_feed_logs() == 1
    assert dispatched == [(SEND, (swept,), None)]


def test_a_step_replaced_by_a_newer_one_does_nothing(swept, dispatched):
    tasks.send_next(swept)
    tasks.send_next(swept)
    (_n1, (_c1, older), _d1), (_n2, (_c2, newer), _d2) = dispatched
    dispatched.clear()
    assert tasks.send_batches(swept, older) == "scheduled"
    assert dispatched == []
    assert not SyncBatch.objects.filter(connection_id=swept).exists()
    assert tasks.send_batches(swept, newer) == "sent"
    assert SyncBatch.objects.filter(connection_id=swept, status=BatchStatus.SENT).count() == 1


def test_beat_leaves_a_loop_alone_while_its_step_or_its_sweep_runs(swept, dispatched):
    for name in (leases.send_lease_name(swept), leases.sweep_lease_name(swept)):
        assert lease_take(name, "a-live-worker", 30)
        assert tasks.poll_feed_logs() == 0
        lease_release(name, "a-live-worker")
    assert dispatched == []
    assert tasks.poll_feed_logs() == 1


def test_one_review_poll_is_queued_however_many_ask(swept, dispatched):
    tasks.review_next(swept, 30.0)
    tasks.review_next(swept, 30.0)
    tasks.poll_review_status()
    assert dispatched == [(REVIEW, (swept,), 30.0)]
    dispatched.clear()
    # Once the queued poll starts, the next one may be queued.
    tasks.poll_review(swept)
    tasks.review_next(swept, 30.0)
    assert dispatched == [(REVIEW, (swept,), 30.0)]
    nextstep.review_poll_started(swept)


def test_a_cache_outage_never_strands_a_loop(swept, dispatched, monkeypatch):
    class Down:
        def __getattr__(self, name: str) -> None:
            raise ConnectionError("the cache is restarting")

    monkeypatch.setattr(nextstep, "cache", Down())
    tasks.send_next(swept)
    ((_name, (_cid, token), _countdown),) = dispatched
    dispatched.clear()
    # Nothing is known to be queued: beat nudges the loop, and the queued step runs.
    assert tasks.poll_feed_logs() == 1
    assert tasks.send_batches(swept, token) == "sent"
    assert SyncBatch.objects.filter(connection_id=swept, status=BatchStatus.SENT).count() == 1
