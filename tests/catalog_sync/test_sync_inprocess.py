"""The sync engine against the live sandbox, driven in-process (real HTTP, real database)."""

from __future__ import annotations

import pytest

from catalog_sync import dirty, services
from catalog_sync.models import Bucket, CatalogCounter, SkuState, SyncRun, SyncStatus
from catalog_sync.selectors import catalog_counts
from tests.catalog_sync.conftest import connect, drive

pytestmark = pytest.mark.django_db(transaction=True)


def counts(conn):
    c = catalog_counts(conn)
    return (c.available, c.pending, c.needs_details, c.rejected)


def test_full_sync_sends_valid_skus_and_counts_them(catalog, sandbox, dispatched):
    good = [catalog.sku() for _ in range(3)]
    no_image = catalog.sku(image=None)
    small = catalog.sku(image=(300, 300))
    conn = connect(catalog.store, sandbox)
    services.connection_full_sync_prepare(conn.pk)
    drive(conn.pk, sandbox)

    assert sandbox.sku_ids(conn.catalog_id) == {str(s.pk) for s in good}
    assert sandbox.sku_ids(conn.catalog_id, "approved") == {str(s.pk) for s in good}
    assert counts(conn) == (3, 0, 2, 0)
    states = {s.sku_id: s for s in SkuState.objects.filter(connection=conn)}
    assert states[no_image.pk].problems == [{"field": "image", "code": "image_missing", "params": {}}]
    assert states[small.pk].problems[0]["code"] == "image_too_small"
    # Invalid SKUs never leave: no request carried them.
    for entry in sandbox.journal(endpoint="catalog/product/upload"):
        assert str(no_image.pk) not in entry["sku_ids"] and str(small.pk) not in entry["sku_ids"]
    run = SyncRun.objects.get(connection=conn)
    assert (run.status, run.uploaded, run.invalid, run.requests) == ("succeeded", 3, 2, 1)


def test_unchanged_skus_are_not_sent_again_and_edits_are(catalog, sandbox):
    skus = [catalog.sku() for _ in range(4)]
    conn = connect(catalog.store, sandbox)
    services.connection_full_sync_prepare(conn.pk)
    drive(conn.pk, sandbox)
    uploads_before = len(sandbox.journal(endpoint="catalog/product/upload"))

    dirty.store_mark_all_dirty(catalog.store.pk)
    drive(conn.pk, sandbox)
    assert len(sandbox.journal(endpoint="catalog/product/upload")) == uploads_before

    skus[0].stock = 0
    skus[0].save()
    dirty.skus_mark_dirty(catalog.store.pk, [skus[0].pk])
    drive(conn.pk, sandbox)
    uploads = sandbox.journal(endpoint="catalog/product/upload")
    assert len(uploads) == uploads_before + 1
    assert uploads[-1]["sku_ids"] == [str(skus[0].pk)]
    product = {p["sku_id"]: p for p in sandbox.products(conn.catalog_id)}[str(skus[0].pk)]
    assert product["availability"] == "OUT_OF_STOCK"


def test_deleted_and_excluded_skus_leave_tiktok(catalog, sandbox):
    from catalog_sync.models import CatalogExclusion

    keep, gone, excluded = catalog.sku(), catalog.sku(), catalog.sku()
    conn = connect(catalog.store, sandbox)
    services.connection_full_sync_prepare(conn.pk)
    drive(conn.pk, sandbox)
    assert len(sandbox.sku_ids(conn.catalog_id)) == 3

    gone_id = gone.pk
    dirty.skus_mark_deleted(catalog.store.pk, [gone_id])
    gone.delete()
    CatalogExclusion.objects.create(store=catalog.store, product=excluded.product)
    dirty.products_mark_dirty(catalog.store.pk, [excluded.product_id])
    drive(conn.pk, sandbox)

    assert sandbox.sku_ids(conn.catalog_id) == {str(keep.pk)}
    deletes = sandbox.journal(endpoint="catalog/product/delete")
    assert sorted(s for e in deletes for s in e["sku_ids"]) == sorted([str(gone_id), str(excluded.pk)])
    assert counts(conn) == (1, 0, 0, 0)


def test_counters_match_group_by(catalog, sandbox):
    for _ in range(3):
        catalog.sku()
    catalog.sku(image=None)
    conn = connect(catalog.store, sandbox)
    services.connection_full_sync_prepare(conn.pk)
    drive(conn.pk, sandbox)
    from django.db.models import Count

    actual = dict(
        SkuState.objects.filter(connection=conn)
        .values_list("bucket")
        .annotate(n=Count("id"))
        .values_list("bucket", "n")
    )
    stored = dict(CatalogCounter.objects.filter(connection=conn).values_list("bucket", "value"))
    for bucket in (Bucket.AVAILABLE, Bucket.PENDING, Bucket.NEEDS_DETAILS, Bucket.REJECTED):
        assert stored[bucket] == actual.get(bucket, 0)
    assert SkuState.objects.filter(connection=conn, status=SyncStatus.AVAILABLE).count() == 3
