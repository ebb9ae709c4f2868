"""A full sync sends exactly ceil(eligible / batch size) uploads even when the send loop runs alongside the
sweep (a worker sends while another classifies): while rows are still dirty, only full batches leave; the
last, partial one leaves once the sweep has classified everything."""

from __future__ import annotations

import pytest

from catalog_sync import services
from catalog_sync.engine.outcome import StepAction
from catalog_sync.models import SyncBatch
from tests.catalog_sync.conftest import connect, drive

pytestmark = pytest.mark.django_db(transaction=True)


def test_sending_between_sweep_chunks_sends_only_full_batches(catalog, sandbox, settings):
    settings.CATALOG_SYNC_UPLOAD_BATCH = 4
    settings.CATALOG_SYNC_SWEEP_CHUNK = 3
    skus = [catalog.sku() for _ in range(10)]
    conn = connect(catalog.store, sandbox)
    services.connection_full_sync_prepare(conn.pk)

    # One chunk classified (3 of 10 queued): not a full batch yet, so nothing leaves.
    services.connection_sweep(conn.pk, max_rows=3)
    assert services.connection_send_step(conn.pk).action == StepAction.WAITING
    assert SyncBatch.objects.filter(connection=conn).count() == 0
    # Two chunks (6 queued): one full batch of 4 leaves; the 2 left wait for more.
    services.connection_sweep(conn.pk, max_rows=3)
    assert services.connection_send_step(conn.pk).action == StepAction.SENT
    for _ in range(5):
        # TikTok finishes the feed log; the loop follows it, then finds only 2 queued with 4 still dirty.
        sandbox.tick()
        if (
            services.connection_send_step(conn.pk).action == StepAction.WAITING
            and not SyncBatch.objects.filter(connection=conn, status="sent").exists()
        ):
            break
    assert list(SyncBatch.objects.filter(connection=conn).values_list("size", "status")) == [(4, "done")]
    # The rest of the sweep, then everything settles: 4 + 4 + 2, exactly ceil(10 / 4) uploads.
    services.connection_sweep(conn.pk)
    drive(conn.pk, sandbox)
    sizes = list(SyncBatch.objects.filter(connection=conn).order_by("id").values_list("size", flat=True))
    assert sizes == [4, 4, 2]
    assert len(sandbox.journal(endpoint="catalog/product/upload")) == 3
    assert sandbox.sku_ids(conn.catalog_id) == {str(s.pk) for s in skus}
