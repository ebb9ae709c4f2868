"""A merchant in a real Chromium: the catalog numbers on Marketplace > TikTok open their lists, the
reasons read in the merchant's language, Resync and Sync now give feedback, and the page raises no CSP
violation."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from catalog_sync import dirty, services
from catalog_sync.models import SkuState
from integration.models import TikTokSetup
from store.models import InstalledApp, Role
from tests.catalog_sync.conftest import Catalog, add_image, connect
from tests.plugins.browser import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def merchant_catalog(store: Any, make_user: Any, settings: Any, tmp_path: Any, monkeypatch: Any) -> Any:
    from store.models import Brand, Category

    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    sent: list[tuple[str, tuple[Any, ...]]] = []
    monkeypatch.setattr(
        "catalog_sync.tasks.publish", lambda task, args, countdown=None: sent.append((task.name, args))
    )

    category = Category.objects.create(store=store, name="Roupas", slug="roupas")
    brand = Brand.objects.create(store=store, name="Marca")
    cat = Catalog(store, category, brand)
    TikTokSetup.objects.create(
        store=store,
        affiliate_id="TKT",
        trade_policy=store.trade_policies.get(code="1"),
        store_name=store.name,
        website="https://loja.example.com.br",
        segment="moda",
        country="BR",
        time_zone="America/Sao_Paulo",
        contact_email="a@b.com",
        phone_country_code="+55",
        phone="11999999999",
        external_business_id="e2e-ebid",
    )
    good = [cat.sku() for _ in range(2)]
    bad = cat.sku(image=None)
    add_image(good[0], 800, 800, position=1)
    InstalledApp.objects.get_or_create(store=store, app="tiktok")
    conn = connect(store)
    dirty.connection_mark_all_dirty(conn.pk, store.pk)
    services.connection_sweep(conn.pk)
    make_user(store, Role.ADMIN, username="dona")
    return store, conn, good, bad, sent


def test_numbers_open_lists_with_reasons_and_actions(live_server, page, screenshot, merchant_catalog):
    store, conn, good, bad, sent = merchant_catalog
    violations: list[str] = []
    page.on(
        "console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    login(page, live_server.url, "dona")
    page.goto(f"{live_server.url}/admin/{store.account}/marketplace/tiktok/")
    page.click("[data-testid=section-catalog] summary")
    assert page.inner_text("[data-testid=count-pending]") == "2"
    assert page.inner_text("[data-testid=count-needs_details]") == "1"
    screenshot("tiktok-page-catalog")

    page.click("[data-testid=count-needs_details]")
    page.wait_for_selector("[data-testid=sku-table]")
    row = page.locator(f"[data-testid=sku-row][data-sku='{bad.pk}']")
    assert row.locator("[data-testid=reason]").inner_text() == "The SKU has no image."
    assert row.locator("[data-testid=missing-fields]").inner_text() == "Images"
    # "dona" is a store admin, not operations staff: no link into the operations admin.
    assert row.locator("[data-testid=edit-product]").count() == 0
    screenshot("needs-details-list")

    row.locator("[data-testid=resync]").click()
    # It is queued again, and the merchant is told it only leaves once the image is there.
    assert page.inner_text("[data-testid=toast]") == (
        f"SKU {bad.pk} cannot be sent to TikTok yet: The SKU has no image. It will be sent as soon as this is fixed."
    )
    assert SkuState.objects.get(connection=conn, sku_id=bad.pk).dirty

    page.select_option("[data-testid=language-switcher]", "pt-br")
    page.wait_for_selector("[data-testid=reason] >> text=O SKU não tem imagem.")
    assert "O SKU não tem imagem." in page.inner_text("[data-testid=sku-table]")
    screenshot("needs-details-list-pt")

    page.goto(f"{live_server.url}/admin/{store.account}/marketplace/tiktok/")
    page.click("[data-testid=section-catalog] summary")
    page.click("[data-testid=sync-now]")
    assert "Sincronização do catálogo iniciada" in page.inner_text("[data-testid=toast]")
    assert ("catalog_sync.tasks.full_sync", (conn.pk, "manual", False)) in sent
    assert violations == []
