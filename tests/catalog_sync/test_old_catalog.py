"""Earlier catalogs after a reconnect to another TikTok catalog, against the live sandbox (real HTTP, the
sync engine driven in-process): the page says which catalog still holds how many of our products and
offers *remove* or *leave*, with a confirmation; *remove* deletes exactly our sku_ids there, once, however
often the task runs; *leave* deletes nothing; viewers cannot choose; pruning keeps the list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import requests
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from catalog_sync import services, tasks
from catalog_sync.engine import maintenance
from catalog_sync.engine.old_catalog import (
    AUDIT_LEFT,
    AUDIT_REMOVE_CHOSEN,
    AUDIT_REMOVE_FAILED,
    AUDIT_REMOVED,
)
from catalog_sync.mapping import context_for_connection, evaluate, load_facts
from catalog_sync.models import OldCatalog, OldCatalogRun, OldCatalogSku, OldCatalogStatus, SkuState
from core.models import AuditEvent
from integration.models import DisconnectReason, TikTokConnection
from integration.services import connection_disconnect
from store.models import InstalledApp
from tests.catalog_sync.conftest import connect, drive

pytestmark = pytest.mark.django_db(transaction=True)

FOREIGN_SKU = "FOREIGN-SKU-1"


@pytest.fixture(autouse=True)
def _tiktok_web(settings: Any, sandbox: Any) -> None:
    """The Catalog Manager links lead to the sandbox's pages."""
    settings.TIKTOK_WEB_BASE_URL = sandbox.url
    settings.TIKTOK_REDIRECT_HOSTS = [sandbox.url.removeprefix("http://")]


def synced(store: Any, sandbox: Any) -> TikTokConnection:
    """A connection whose onboarding created a new catalog at TikTok, fully synced."""
    conn = connect(store, sandbox)
    services.connection_full_sync_prepare(conn.pk)
    drive(conn.pk, sandbox)
    return conn


def foreign_product(sandbox: Any, conn: TikTokConnection) -> None:
    """A product someone else put in the catalog (not this store's): it must survive our removal."""
    sku_id = int(sorted(sandbox.sku_ids(conn.catalog_id))[0])
    ctx = context_for_connection(conn)
    product = dict(evaluate(ctx, load_facts(ctx, [sku_id])[sku_id]).payload or {})
    product.update(sku_id=FOREIGN_SKU, item_group_id=FOREIGN_SKU, title="Produto de outra loja")
    answer = requests.post(
        f"{sandbox.url}/open_api/v1.3/catalog/product/upload/",
        json={"bc_id": conn.bc_id, "catalog_id": conn.catalog_id, "products": [product]},
        headers={"Access-Token": conn.access_token},
        timeout=10,
    ).json()
    assert answer["code"] == 0, answer
    sandbox.tick()
    assert FOREIGN_SKU in sandbox.sku_ids(conn.catalog_id)


@pytest.fixture
def reconnected(catalog: Any, sandbox: Any, admin_user_of_store: Any) -> dict[str, Any]:
    """Three SKUs synced to a first catalog (plus someone else's product there), disconnected, then
    connected to a new catalog and synced again."""
    skus = [catalog.sku() for _ in range(3)]
    first = synced(catalog.store, sandbox)
    foreign_product(sandbox, first)
    connection_disconnect(first.pk, reason=DisconnectReason.MANUAL, actor=admin_user_of_store)
    second = synced(catalog.store, sandbox)
    assert second.catalog_id != first.catalog_id
    InstalledApp.objects.get_or_create(store=catalog.store, app="tiktok")
    return {"skus": skus, "first": first, "second": second, "ours": {str(s.pk) for s in skus}}


def page_of(client: Client, store: Any) -> str:
    return " ".join(
        client.get(reverse("tiktok-page", kwargs={"account": store.account})).content.decode().split()
    )


def choose_url(store: Any, old: OldCatalog) -> str:
    return reverse("catalog-old-choose", kwargs={"account": store.account, "pk": old.pk})


def test_remove_deletes_only_our_skus_there_and_only_once(
    reconnected, catalog, sandbox, client, admin_user_of_store, dispatched, settings
):
    # Batches of two, so three SKUs take two delete requests (production: TikTok's maximum, 1,000).
    settings.CATALOG_SYNC_DELETE_BATCH = 2
    store, first, second = catalog.store, reconnected["first"], reconnected["second"]
    old = OldCatalog.objects.get(store=store)
    assert (old.catalog_id, old.bc_id, old.sku_count, old.status) == (
        first.catalog_id,
        first.bc_id,
        3,
        "kept",
    )
    assert {
        str(s) for s in OldCatalogSku.objects.filter(old_catalog=old).values_list("sku_id", flat=True)
    } == (reconnected["ours"])
    client.force_login(admin_user_of_store)

    page = page_of(client, store)
    assert 'data-testid="old-catalogs"' in page
    assert f"This store now syncs its products to the catalog {second.catalog_id}." in page
    assert f"Catalog ID {first.catalog_id}" in page
    assert "3 products of this store are still there." in page
    # TikTok names the catalog (the sandbox's shortcut onboarding calls them all "Test Catalog").
    assert tasks.old_catalogs_describe.apply(args=(store.pk,)).get() == 1
    page = page_of(client, store)
    assert f"Catalog “Test Catalog” (ID {first.catalog_id})" in page
    assert f"{sandbox.url}/catalog-manager/{first.bc_id}/{first.catalog_id}/" in page
    # Nothing is deleted before the choice.
    assert not sandbox.journal(endpoint="catalog/product/delete")

    confirm = client.get(choose_url(store, old), {"choice": "remove"})
    assert confirm.status_code == 200
    text = " ".join(confirm.content.decode().split())
    assert (
        f"Remove the 3 products this store sent to the catalog {first.catalog_id} from that catalog at TikTok?"
    ) in text
    assert not sandbox.journal(endpoint="catalog/product/delete")
    assert OldCatalog.objects.get(pk=old.pk).status == "kept"

    decided = client.post(choose_url(store, old), {"choice": "remove"})
    assert decided.status_code == 302
    assert ("catalog_sync.tasks.old_catalog_remove", (old.pk,), None) in dispatched
    assert OldCatalog.objects.get(pk=old.pk).status == OldCatalogStatus.REMOVING
    # A second click decides nothing more.
    client.post(choose_url(store, old), {"choice": "leave"})
    assert OldCatalog.objects.get(pk=old.pk).status == OldCatalogStatus.REMOVING

    first_run = tasks.old_catalog_remove.apply(args=(old.pk,)).get()
    second_run = tasks.old_catalog_remove.apply(args=(old.pk,)).get()
    assert first_run == {"status": "removed", "deleted": 3, "requests": 2}
    assert second_run == {"status": "removed", "deleted": 0, "requests": 0}

    deletes = sandbox.journal(endpoint="catalog/product/delete")
    assert [len(d["sku_ids"]) for d in deletes] == [2, 1]
    assert {d["catalog_id"] for d in deletes} == {first.catalog_id}
    sent = [sku for d in deletes for sku in d["sku_ids"]]
    assert sorted(sent) == sorted(reconnected["ours"])  # each of ours exactly once, nothing else
    sandbox.tick()
    assert sandbox.sku_ids(first.catalog_id) == {FOREIGN_SKU}
    assert sandbox.sku_ids(second.catalog_id) == reconnected["ours"]

    old.refresh_from_db()
    assert (old.status, old.sku_count) == (OldCatalogStatus.REMOVED, 0)
    assert not OldCatalogSku.objects.filter(old_catalog=old).exists()
    run = OldCatalogRun.objects.get(old_catalog=old)
    assert (run.status, run.deleted, run.requests) == ("succeeded", 3, 2)
    audit = list(AuditEvent.objects.filter(store=store).order_by("id").values_list("action", "detail"))
    assert (AUDIT_REMOVE_CHOSEN, {"catalog_id": first.catalog_id, "products": 3}) in audit
    assert (AUDIT_REMOVED, {"catalog_id": first.catalog_id, "products": 3, "requests": 2}) in audit
    page = page_of(client, store)
    assert 'data-testid="old-catalogs"' not in page
    assert "3 products" in page  # the activity says how many were removed


def test_leave_deletes_nothing(reconnected, catalog, sandbox, client, admin_user_of_store, dispatched):
    store, first = catalog.store, reconnected["first"]
    old = OldCatalog.objects.get(store=store)
    client.force_login(admin_user_of_store)
    confirm = client.get(choose_url(store, old), {"choice": "leave"})
    assert "Nothing is deleted at TikTok" in confirm.content.decode()
    assert client.post(choose_url(store, old), {"choice": "leave"}).status_code == 302

    assert not [d for d in dispatched if d[0] == "catalog_sync.tasks.old_catalog_remove"]
    assert tasks.old_catalog_remove.apply(args=(old.pk,)).get()["deleted"] == 0
    assert not sandbox.journal(endpoint="catalog/product/delete")
    sandbox.tick()
    assert sandbox.sku_ids(first.catalog_id) == reconnected["ours"] | {FOREIGN_SKU}
    old.refresh_from_db()
    assert old.status == OldCatalogStatus.LEFT
    assert not OldCatalogSku.objects.filter(old_catalog=old).exists()
    assert AuditEvent.objects.filter(store=store, action=AUDIT_LEFT).count() == 1
    assert 'data-testid="old-catalogs"' not in page_of(client, store)


def test_a_viewer_sees_the_notice_but_cannot_choose(
    reconnected, catalog, sandbox, client, viewer_user_of_store
):
    store = catalog.store
    old = OldCatalog.objects.get(store=store)
    client.force_login(viewer_user_of_store)
    page = page_of(client, store)
    assert "3 products of this store are still there." in page
    assert 'data-testid="old-catalog-remove"' not in page
    assert client.get(choose_url(store, old), {"choice": "remove"}).status_code == 403
    assert client.post(choose_url(store, old), {"choice": "remove"}).status_code == 403
    assert OldCatalog.objects.get(pk=old.pk).status == OldCatalogStatus.KEPT
    assert tasks.old_catalog_remove.apply(args=(old.pk,)).get()["deleted"] == 0
    assert not sandbox.journal(endpoint="catalog/product/delete")


def test_pruning_the_old_connection_keeps_the_list(
    reconnected, catalog, sandbox, client, admin_user_of_store
):
    first = reconnected["first"]
    long_ago = timezone.now() - timedelta(days=400)
    TikTokConnection.objects.filter(pk=first.pk).update(disconnected_at=long_ago)
    maintenance.prune()
    assert not SkuState.objects.filter(connection_id=first.pk).exists()
    assert TikTokConnection.objects.filter(pk=first.pk).exists()
    old = OldCatalog.objects.get(store=catalog.store)
    assert OldCatalogSku.objects.filter(old_catalog=old).count() == 3
    client.force_login(admin_user_of_store)
    assert "3 products of this store are still there." in page_of(client, catalog.store)
    assert client.post(choose_url(catalog.store, old), {"choice": "remove"}).status_code == 302
    assert tasks.old_catalog_remove.apply(args=(old.pk,)).get()["deleted"] == 3
    assert sorted(sandbox.journal(endpoint="catalog/product/delete")[0]["sku_ids"]) == sorted(
        reconnected["ours"]
    )


def test_reconnecting_to_the_same_catalog_asks_nothing(catalog, sandbox, client, admin_user_of_store):
    catalog.sku()
    first = synced(catalog.store, sandbox)
    connection_disconnect(first.pk, reason=DisconnectReason.MANUAL, actor=admin_user_of_store)
    TikTokConnection.objects.create(
        store=catalog.store,
        external_business_id=first.external_business_id,
        bc_id=first.bc_id,
        adv_id=first.adv_id,
        pixel_code=first.pixel_code,
        catalog_id=first.catalog_id,
        access_token=sandbox.connect(first.external_business_id)["access_token"],
        connected_at=timezone.now(),
    )
    InstalledApp.objects.get_or_create(store=catalog.store, app="tiktok")
    client.force_login(admin_user_of_store)
    assert 'data-testid="old-catalogs"' not in page_of(client, catalog.store)


def test_tiktok_refusing_the_removal_is_said_and_nothing_is_lost(
    reconnected, catalog, sandbox, client, admin_user_of_store
):
    store, first = catalog.store, reconnected["first"]
    old = OldCatalog.objects.get(store=store)
    client.force_login(admin_user_of_store)
    client.post(choose_url(store, old), {"choice": "remove"})
    message = f"You don't have permission to operate this catalog:{first.catalog_id}."
    sandbox.fault(kind="error", endpoint="catalog/product/delete", code=40001, message=message, count=1)

    assert tasks.old_catalog_remove.apply(args=(old.pk,)).get()["status"] == "kept"
    old.refresh_from_db()
    assert (old.status, old.sku_count, old.last_error) == ("kept", 3, message)
    assert OldCatalogSku.objects.filter(old_catalog=old).count() == 3
    assert OldCatalogRun.objects.get(old_catalog=old).status == "failed"
    assert AuditEvent.objects.filter(store=store, action=AUDIT_REMOVE_FAILED).count() == 1
    sandbox.tick()
    assert reconnected["ours"] <= sandbox.sku_ids(first.catalog_id)
    page = page_of(client, store)
    assert "The last removal did not finish. TikTok's answer: “You don&#x27;t have permission" in page
    assert 'data-testid="old-catalog-remove"' in page

    # Asked again, once TikTok accepts: everything is removed.
    client.post(choose_url(store, old), {"choice": "remove"})
    assert tasks.old_catalog_remove.apply(args=(old.pk,)).get() == {
        "status": "removed",
        "deleted": 3,
        "requests": 1,
    }
    sandbox.tick()
    assert sandbox.sku_ids(first.catalog_id) == {FOREIGN_SKU}
