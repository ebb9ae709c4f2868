"""The earlier-catalog choice in a real Chromium (en): after a reconnect to another catalog the TikTok page
names the earlier one and how many of our products it holds; *Remove our products from the old catalog*
opens a confirmation, *Back* changes nothing, confirming starts the removal; once it ran, the notice is
gone and only our products left the catalog at the sandbox."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from catalog_sync import services, tasks
from catalog_sync.models import OldCatalog, OldCatalogStatus
from integration.models import DisconnectReason, TikTokConnection, TikTokSetup
from integration.services import connection_disconnect
from store.models import Brand, Category, InstalledApp
from tests.catalog_sync.conftest import Catalog, drive
from tests.plugins.browser import login

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _env(
    settings: Any, live_server: Any, sandbox_settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    # The products' image and page URLs: https, as TikTok requires (no OAuth callback comes back here).
    settings.PUBLIC_BASE_URL = "https://www.lojademo.com.br"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.CATALOG_SYNC_POLL_SECONDS = 0.1
    sandbox_settings.admin.config(image_fetch=False, feed_wait_seconds=0.05, feed_process_seconds=0.05)
    # No worker here: the test runs the removal task itself.
    queued: list[tuple[str, tuple[Any, ...]]] = []
    monkeypatch.setattr(tasks, "publish", lambda task, args, countdown=None: queued.append((task.name, args)))


def _connection(store: Any, setup: TikTokSetup, sandbox: Any) -> TikTokConnection:
    """What an onboarding that chose *Create new* for the catalog leaves (the sandbox's shortcut)."""
    grant = sandbox.admin.connect(setup.external_business_id)
    return TikTokConnection.objects.create(
        store=store,
        external_business_id=setup.external_business_id,
        bc_id=grant["bc_id"],
        adv_id=grant["adv_id"],
        pixel_code=grant["pixel_code"],
        catalog_id=grant["catalog_id"],
        access_token=grant["access_token"],
        connected_at=timezone.now(),
    )


def test_remove_from_the_old_catalog_in_the_browser(
    page: Any, live_server: Any, store: Any, admin_user_of_store: Any, sandbox_settings: Any, screenshot: Any
) -> None:
    sandbox = sandbox_settings
    InstalledApp.objects.create(store=store, app="tiktok")
    setup = TikTokSetup.objects.create(
        store=store,
        affiliate_id="TKT",
        trade_policy=store.trade_policies.get(code="1"),
        store_name=store.name,
        website="https://www.lojademo.com.br",
        segment="fashion",
        country="BR",
        time_zone="America/Sao_Paulo",
        contact_email="contato@lojademo.com.br",
        phone_country_code="+55",
        phone="11912345678",
        external_business_id=f"vtex-{store.account}-e2e",
        confirmed_at=timezone.now(),
    )
    category = Category.objects.create(
        store=store, name="Roupas", slug="roupas", google_product_category="Apparel & Accessories > Clothing"
    )
    catalog = Catalog(store, category, Brand.objects.create(store=store, name="Marca Demo"))
    skus = [catalog.sku() for _ in range(2)]
    first = _connection(store, setup, sandbox)
    services.connection_full_sync_prepare(first.pk)
    drive(first.pk, sandbox.admin, until_reviewed=False)
    ours = {str(s.pk) for s in skus}
    assert {p["sku_id"] for p in sandbox.admin.products(first.catalog_id)} == ours
    connection_disconnect(first.pk, reason=DisconnectReason.MANUAL, actor=admin_user_of_store)
    _connection(store, setup, sandbox)
    old = OldCatalog.objects.get(store=store)

    base = live_server.url
    page.context.add_cookies([{"name": "tta_language", "value": "en", "url": base}])
    login(page, base, "merchant")
    page.goto(f"{base}/admin/{store.account}/marketplace/tiktok/")
    notice = page.locator("[data-testid=old-catalogs]")
    assert f"Catalog ID {first.catalog_id}" in notice.inner_text()
    assert "2 products of this store are still there." in notice.inner_text()
    screenshot("en-01-old-catalog-notice")

    page.click("[data-testid=old-catalog-remove]")
    page.wait_for_selector("[data-testid=old-catalog-confirm]")
    assert "Remove the 2 products this store sent to the catalog" in page.inner_text("main")
    screenshot("en-02-confirm")
    page.click("[data-testid=old-catalog-back]")
    page.wait_for_selector("[data-testid=old-catalogs]")
    assert OldCatalog.objects.get(pk=old.pk).status == OldCatalogStatus.KEPT

    page.click("[data-testid=old-catalog-remove]")
    page.click("[data-testid=old-catalog-confirm-remove]")
    page.wait_for_selector("[data-testid=toast]")
    assert "Removing our 2 products from the catalog" in page.inner_text("[data-testid=toast]")
    assert "Removing them from that catalog at TikTok." in page.inner_text("[data-testid=old-catalogs]")

    assert tasks.old_catalog_remove.apply(args=(old.pk,)).get()["deleted"] == 2
    page.reload()
    assert page.locator("[data-testid=old-catalogs]").count() == 0
    screenshot("en-03-removed")
    sandbox.admin.tick()
    assert not sandbox.admin.products(first.catalog_id)
    deletes = [e for e in sandbox.admin.journal() if e["endpoint"] == "catalog/product/delete"]
    assert len(deletes) == 1 and sorted(deletes[0]["sku_ids"]) == sorted(ours)
