"""Ops' Django admin action on SKU sync states: *Send the selected SKUs to TikTok again*."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from catalog_sync import services
from catalog_sync.models import SkuState
from tests.catalog_sync.conftest import connect

pytestmark = pytest.mark.django_db(transaction=True)


def test_resync_action_queues_the_selected_skus_again(client, catalog, dispatched):
    skus = [catalog.sku() for _ in range(3)]
    conn = connect(catalog.store)
    services.connection_full_sync_prepare(conn.pk)
    services.connection_sweep(conn.pk)
    SkuState.objects.filter(connection=conn).update(accepted_hash="sent-before", dirty=False)
    ops = get_user_model().objects.create_superuser("ops", "ops@example.com", "ops-pass-1234")
    client.force_login(ops)
    chosen = list(SkuState.objects.filter(connection=conn, sku_id__in=[skus[0].pk, skus[2].pk]))
    response = client.post(
        "/django-admin/catalog_sync/skustate/",
        {"action": "resync_states", "_selected_action": [s.pk for s in chosen]},
        follow=True,
    )
    assert response.status_code == 200
    assert "2 SKUs queued again." in response.content.decode()
    states = {s.sku_id: s for s in SkuState.objects.filter(connection=conn)}
    assert [(states[s.pk].dirty, states[s.pk].accepted_hash) for s in skus] == [
        (True, ""),
        (False, "sent-before"),
        (True, ""),
    ]
    assert ("catalog_sync.tasks.sweep_catalog", (conn.pk, "resync"), None) in dispatched
