"""The merchant reconnects through TikTok's onboarding pages (the sandbox, over real HTTP), is offered the
catalog the store synced to before, picks *Create new* anyway, and the TikTok page says which catalog
still holds how many of our products, with the choice."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from catalog_sync import services
from catalog_sync.models import OldCatalog
from store.models import InstalledApp
from tests.catalog_sync.conftest import drive
from tests.integration.reconnect_helpers import (
    connect,
    disconnect,
    onboarding_start,
    setup_confirm,
    tiktok_setup_page,
)
from tests.plugins.sandbox import DEFAULT_PROVISION

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def onboarding(settings: Any, sandbox: Any, client: Client, catalog: Any, admin_user_of_store: Any) -> Any:
    settings.TIKTOK_ONBOARDING_URL = f"{sandbox.url}/business-extension/auth"
    settings.TIKTOK_WEB_BASE_URL = sandbox.url
    settings.TIKTOK_REDIRECT_HOSTS = [sandbox.url.removeprefix("http://")]
    settings.TIKTOK_APP_ID = DEFAULT_PROVISION["app_id"]
    settings.TIKTOK_APP_SECRET = DEFAULT_PROVISION["secret"]
    settings.TIKTOK_EXTERNAL_DATA_KEY = DEFAULT_PROVISION["external_data_key"]
    settings.TIKTOK_BUSINESS_PLATFORM = DEFAULT_PROVISION["business_platform"]
    InstalledApp.objects.get_or_create(store=catalog.store, app="tiktok")
    client.force_login(admin_user_of_store)
    setup_confirm(client, catalog.store)
    return sandbox


def test_create_new_catalog_at_tiktok_anyway_is_told(onboarding, catalog, client):
    store, sandbox = catalog.store, onboarding
    skus = [catalog.sku() for _ in range(2)]
    first, _preselected = connect(client, store)
    services.connection_full_sync_prepare(first.pk)
    drive(first.pk, sandbox)
    assert sandbox.sku_ids(first.catalog_id) == {str(s.pk) for s in skus}
    disconnect(client, store)
    setup_confirm(client, store)

    _session, _url, offered = tiktok_setup_page(onboarding_start(client, store))
    assert offered["catalog"] == first.catalog_id
    second, _preselected = connect(client, store, catalog="new", catalog_name="Loja Demo Catalog 2")
    assert second.catalog_id != first.catalog_id

    page = " ".join(
        client.get(reverse("tiktok-page", kwargs={"account": store.account})).content.decode().split()
    )
    notice = page.split('data-testid="old-catalogs"', 1)[1].split("</section>", 1)[0]
    assert f"This store now syncs its products to the catalog {second.catalog_id}." in notice
    assert f"Catalog ID {first.catalog_id}" in notice
    assert "2 products of this store are still there." in notice
    old = OldCatalog.objects.get(store=store, catalog_id=first.catalog_id)
    assert (
        reverse("catalog-old-choose", kwargs={"account": store.account, "pk": old.pk}) + "?choice=remove"
        in notice
    )
    assert (
        reverse("catalog-old-choose", kwargs={"account": store.account, "pk": old.pk}) + "?choice=leave"
        in notice
    )
    assert f"{sandbox.url}/catalog-manager/{first.bc_id}/{first.catalog_id}/" in notice
    assert not sandbox.journal(endpoint="catalog/product/delete")
