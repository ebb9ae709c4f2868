"""Two clicks on Exclude at once (or one after the other) for one product, and two on Include again: one
exclusion row, one dirty-marking and one sweep dispatched, and every click answered as the first.

The posts really race: each thread has its own Django test client and its own database connection
(a transactional test on PostgreSQL), released together by a barrier."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from catalog_sync.models import CatalogExclusion, SkuState
from store.models import InstalledApp, Role
from tests.catalog_sync.conftest import connect
from tests.plugins.concurrency import race

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

EXCLUDED = "Excluded from TikTok. Products already there will be removed."
INCLUDED = "The exclusion was removed; these products will be sent to TikTok again."


@pytest.fixture
def shop(catalog: Any, make_user: Any) -> Any:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL): the race needs real row locks")
    InstalledApp.objects.get_or_create(store=catalog.store, app="tiktok")
    conn = connect(catalog.store)
    sku = catalog.sku()
    SkuState.objects.create(connection=conn, sku_id=sku.pk, product_id=sku.product_id, dirty=False)
    return catalog, conn, sku, make_user(catalog.store, Role.ADMIN)


def sweeps(dispatched: list[Any], conn: Any) -> list[Any]:
    return [call for call in dispatched if call[0].endswith("sweep_catalog") and call[1][0] == conn.pk]


def toasts(response: Any) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


@pytest.mark.parametrize("clicks", [2, 5])
def test_concurrent_excludes_of_one_product_exclude_it_once(shop, dispatched, clicks):
    catalog, conn, sku, user = shop
    url = reverse("catalog-exclusions", kwargs={"account": catalog.store.account})
    responses = race(clicks, lambda client: client.post(url, {"product_id": sku.product_id}), user)
    assert [(r.status_code, r.get("Location")) for r in responses] == [(302, url)] * clicks
    assert [toasts(r) for r in responses] == [[EXCLUDED]] * clicks
    exclusion = CatalogExclusion.objects.get(store=catalog.store)
    assert (exclusion.product_id, exclusion.category_id) == (sku.product_id, None)
    assert SkuState.objects.get(sku_id=sku.pk).dirty
    assert len(sweeps(dispatched, conn)) == 1


def test_a_second_exclude_after_the_first_is_answered_the_same_and_marks_nothing(shop, dispatched):
    catalog, conn, sku, user = shop
    client = Client()
    client.force_login(user)
    url = reverse("catalog-exclusions", kwargs={"account": catalog.store.account})
    first = client.post(url, {"product_id": sku.product_id})
    SkuState.objects.update(dirty=False)
    second = client.post(url, {"product_id": sku.product_id})
    assert (first.status_code, first["Location"]) == (second.status_code, second["Location"]) == (302, url)
    assert toasts(second) == [EXCLUDED, EXCLUDED]
    assert CatalogExclusion.objects.filter(store=catalog.store).count() == 1
    assert not SkuState.objects.get(sku_id=sku.pk).dirty
    assert len(sweeps(dispatched, conn)) == 1


def test_concurrent_include_again_removes_once(shop, dispatched):
    catalog, conn, sku, user = shop
    exclusion = CatalogExclusion.objects.create(store=catalog.store, product=sku.product)
    account = catalog.store.account
    url = reverse("catalog-exclusion-delete", kwargs={"account": account, "pk": exclusion.pk})
    back = reverse("catalog-exclusions", kwargs={"account": account})
    responses = race(2, lambda client: client.post(url), user)
    assert [(r.status_code, r.get("Location"), toasts(r)) for r in responses] == [(302, back, [INCLUDED])] * 2
    assert not CatalogExclusion.objects.exists()
    assert len(sweeps(dispatched, conn)) == 1
