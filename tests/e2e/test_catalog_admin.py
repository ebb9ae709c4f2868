"""A store admin in a real Chromium fixes what TikTok needs, in each language: from *Products need
additional details* the row's link opens the product form on the brand, the admin picks one and saves,
and once the sync re-checks the SKU (in-process, against the live sandbox) the counter drops, the SKU is
pending at once and available after review, and the sandbox holds it with the store's own image URL
(fetched by the sandbox from the live server)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from catalog_sync import dirty, services
from catalog_sync.models import SkuState
from integration.models import TikTokSetup
from store.models import Brand, Category, InstalledApp, Role, SkuImage
from tests.catalog_sync.conftest import Catalog, Sandbox, add_image, connect, drive, start_sandbox
from tests.plugins.browser import login
from tests.plugins.processes import stop_process

pytestmark = [pytest.mark.e2e, pytest.mark.services, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {
        "fix": "Fix",
        "saved": "Product saved. The sales channels check it again.",
        "brand": "Brand",
        "size": "900×900 pixels",
    },
    "pt-br": {
        "fix": "Corrigir",
        "saved": "Produto salvo. Os canais de venda o verificam de novo.",
        "brand": "Marca",
        "size": "900×900 pixels",
    },
    "es": {
        "fix": "Corregir",
        "saved": "Producto guardado. Los canales de venta lo revisan de nuevo.",
        "brand": "Marca",
        "size": "900×900 píxeles",
    },
}


@pytest.fixture(scope="module")
def sandbox_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # --allow-http-images: the live server is plain http, and the sandbox fetches the images from it.
    proc, url = start_sandbox(tmp_path_factory.mktemp("sandbox-catalog-admin") / "sandbox.sqlite3")
    try:
        yield url
    finally:
        stop_process(proc)


@pytest.fixture
def connected(
    store: Any,
    make_user: Any,
    settings: Any,
    tmp_path: Any,
    monkeypatch: Any,
    live_server: Any,
    sandbox_url: str,
) -> Any:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PUBLIC_BASE_URL = live_server.url
    settings.TIKTOK_API_BASE_URL = sandbox_url
    settings.CATALOG_SYNC_POLL_SECONDS = 0.1
    settings.CATALOG_SYNC_REVIEW_POLL_SECONDS = 0.2
    cache.clear()
    sandbox = Sandbox(sandbox_url)
    sandbox.reset()
    sandbox.config(image_fetch=True, feed_wait_seconds=0.05, feed_process_seconds=0.05, review_seconds=0.2)
    # The sync runs in this process (drive); what would go to Celery is only recorded.
    monkeypatch.setattr("catalog_sync.tasks.publish", lambda task, args, countdown=None: None)

    category = Category.objects.create(
        store=store, name="Roupas", slug="roupas", google_product_category="Apparel & Accessories > Clothing"
    )
    Brand.objects.create(store=store, name="Marca")
    cat = Catalog(store, category, Brand.objects.create(store=store, name="Outra"))
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
        external_business_id="e2e-catalog-admin",
    )
    good = cat.sku(image=None)
    add_image(good, 800, 800)
    no_brand = cat.sku(cat.product(brand=None, name="Camiseta sem marca"), image=None)
    add_image(no_brand, 900, 900)
    InstalledApp.objects.get_or_create(store=store, app="tiktok")
    conn = connect(store, sandbox)
    dirty.connection_mark_all_dirty(conn.pk, store.pk)
    drive(conn.pk, sandbox)
    make_user(store, Role.ADMIN, username="dona")
    return store, conn, sandbox, good, no_brand


def counter(page: Any, live_url: str, account: str, bucket: str) -> str:
    page.goto(f"{live_url}/admin/{account}/marketplace/tiktok/")
    page.click("[data-testid=section-catalog] summary")
    return page.inner_text(f"[data-testid=count-{bucket}]")


@pytest.mark.parametrize("language", ["en", "pt-br", "es"])
def test_fix_the_brand_from_needs_details_and_the_sku_reaches_tiktok(
    live_server, page, screenshot, connected, language
):
    store, conn, sandbox, good, no_brand = connected
    words = WORDS[language]
    violations: list[str] = []
    page.on(
        "console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    page.context.add_cookies([{"name": "tta_language", "value": language, "url": live_server.url}])
    login(page, live_server.url, "dona")
    assert sandbox.sku_ids(conn.catalog_id) == {str(good.pk)}
    assert counter(page, live_server.url, store.account, "needs_details") == "1"
    assert page.inner_text("[data-testid=count-available]") == "1"

    page.click("[data-testid=count-needs_details]")
    row = page.locator(f"[data-testid=sku-row][data-sku='{no_brand.pk}']")
    link = row.locator("[data-testid=fix-link]")
    assert link.inner_text() == words["fix"]
    screenshot(f"needs-details-{language}")
    link.click()

    # The product form, scrolled to the brand and with the cursor in it.
    page.wait_for_selector("[data-testid=product-form]")
    assert page.url.endswith("#id_brand")
    assert page.evaluate("document.activeElement.id") == "id_brand"
    assert page.inner_text("[data-testid=field-brand] label") == words["brand"]
    page.select_option("#id_brand", label="Marca")
    screenshot(f"product-form-{language}")
    page.click("[data-testid=product-save]")

    # Back on the list the merchant came from, told that the channels check the product again.
    page.wait_for_selector("[data-testid=toast]")
    assert page.inner_text("[data-testid=toast]") == words["saved"]
    assert "/marketplace/tiktok/catalog/needs_details/" in page.url
    assert SkuState.objects.get(connection=conn, sku_id=no_brand.pk).dirty

    # The worker's sweep re-checks it: it leaves the list and is pending at once.
    services.connection_sweep(conn.pk)
    page.reload()
    page.wait_for_selector("[data-testid=list-empty]")
    assert counter(page, live_server.url, store.account, "needs_details") == "0"
    assert page.inner_text("[data-testid=count-pending]") == "1"

    # Sent and reviewed: available, and at the sandbox with the brand and the stored image's URL.
    drive(conn.pk, sandbox)
    assert counter(page, live_server.url, store.account, "available") == "2"
    assert page.inner_text("[data-testid=count-pending]") == "0"
    screenshot(f"tiktok-page-after-{language}")
    products = {p["sku_id"]: p for p in sandbox.products(conn.catalog_id, "approved")}
    assert set(products) == {str(good.pk), str(no_brand.pk)}
    sent = products[str(no_brand.pk)]
    assert sent["brand"] == "Marca"
    image = SkuImage.objects.get(sku=no_brand)
    assert sent["image_url"] == live_server.url + image.image.url

    # The SKU's page shows the stored image with its measured size, and the image loads.
    page.goto(f"{live_server.url}/admin/{store.account}/catalog/products/skus/{no_brand.pk}/")
    assert page.inner_text("[data-testid=image-size]") == words["size"]
    assert page.evaluate("document.querySelector('.catalog-images__thumb').naturalWidth") == 900
    screenshot(f"sku-form-{language}")
    assert violations == []
