"""The seed "TikTok for Shopify: How to Disconnect TikTok Shop", step by step in a real Chromium, in each
language: connect a TikTok Shop at TikTok's seller authorization page (the sandbox), then open Settings,
find the TikTok Shop account under Accounts, Disconnect, confirm the warning, land on the TikTok Shop
overview whose status card reads "Setup in Progress". Then: the TikTok for Business connection, its
pixel and its catalog sync still work; the order import no longer runs (the sandbox journal shows no
order poll); the store settings equal the snapshot taken at connect time."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from catalog_sync import dirty
from catalog_sync import services as sync_services
from catalog_sync import tasks as sync_tasks
from integration.models import TikTokConnection, TikTokSetup
from pixel import cache as pixel_cache
from pixel.cache import pixel_config_invalidate
from store.models import Brand, Category, Order, OrderSource, Sku
from tests.catalog_sync.conftest import Catalog, drive
from tests.plugins.browser import login
from tests.tiktok_shop.shop_sandbox import ORDER_LIST, SHOP_BR, ShopAdmin
from tiktok_shop import services
from tiktok_shop.models import ShopConnection, ShopStatus, StoreChannelSettings
from tiktok_shop.tasks import import_orders_all

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SETUP_IN_PROGRESS = {
    "en": "Setup in Progress",
    "pt-br": "Configuração em andamento",
    "es": "Configuración en curso",
}
ACTIVE = {"en": "Active", "pt-br": "Ativo", "es": "Activo"}
SELLER_CENTER_NOTE = {
    "en": "Orders, fulfillment, returns and refunds of your TikTok Shop are managed in TikTok Seller Center.",
    "pt-br": "Pedidos, envios, devoluções e reembolsos do seu TikTok Shop são gerenciados no TikTok Seller Center.",
    "es": "Los pedidos, envíos, devoluciones y reembolsos de tu TikTok Shop se gestionan en TikTok Seller Center.",
}
PIXEL_SDK = "https://analytics.tiktok.com/**"


@pytest.fixture(autouse=True)
def _env(settings: Any, live_server: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # The test drives the catalog sync in-process (`drive`); nothing is published to a broker (every
    # dispatch of catalog_sync goes through `publish`).
    monkeypatch.setattr(sync_tasks, "publish", lambda task, args, countdown=None: None)
    settings.PUBLIC_BASE_URL = live_server.url
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PIXEL_OUTBOX_DISPATCH = False
    pixel_cache.process_memo_forget()
    cache.clear()


def tt4b_connect(store: Any, sandbox: Any) -> TikTokConnection:
    """A TikTok for Business connection with a real sandbox token, pixel and catalog."""
    setup = TikTokSetup.objects.create(
        store=store,
        affiliate_id="TKT",
        trade_policy=store.trade_policies.get(code="1"),
        store_name=store.name,
        website=f"https://{store.account}.example.com.br",
        segment="fashion",
        country="BR",
        time_zone="America/Sao_Paulo",
        contact_email="loja@example.com",
        phone_country_code="+55",
        phone="11999999999",
        external_business_id=f"ebid-{store.account}",
        confirmed_at=timezone.now(),
    )
    grant = sandbox.admin.connect(setup.external_business_id)
    conn = TikTokConnection.objects.create(
        store=store,
        external_business_id=setup.external_business_id,
        bc_id=grant["bc_id"],
        adv_id=grant["adv_id"],
        pixel_code=grant["pixel_code"],
        catalog_id=grant["catalog_id"],
        access_token=grant["access_token"],
        connected_at=timezone.now(),
    )
    pixel_config_invalidate(store.pk)
    return conn


@pytest.mark.parametrize("lang", ["en", "pt-br", "es"])
def test_seed_disconnect_tiktok_shop_in_each_language(
    lang, page, live_server, store, admin_user_of_store, sandbox_settings, screenshot
):
    sandbox = sandbox_settings
    sandbox.admin.config(
        image_fetch=False,
        allow_http_images=True,
        feed_wait_seconds=0.05,
        feed_process_seconds=0.05,
        review_seconds=0.2,
    )
    shop_admin = ShopAdmin(sandbox.url)
    catalog = Catalog(
        store,
        Category.objects.create(store=store, name="Roupas", slug="roupas", google_product_category="Apparel"),
        Brand.objects.create(store=store, name="Marca Demo"),
    )
    sku = catalog.sku(stock=30)
    ads = tt4b_connect(store, sandbox)
    sync_services.connection_full_sync_prepare(ads.pk)
    drive(ads.pk, sandbox.admin)
    assert str(sku.pk) in {p["sku_id"] for p in sandbox.admin.products(ads.catalog_id)}

    page.route(
        PIXEL_SDK, lambda route: route.fulfill(status=200, content_type="application/javascript", body="")
    )
    page.context.add_cookies([{"name": "tta_language", "value": lang, "url": live_server.url}])
    login(page, live_server.url, "merchant")

    # Connect the TikTok Shop at TikTok's seller authorization page, as the shop owner.
    page.goto(f"{live_server.url}/admin/{store.account}/marketplace/tiktok/shop/")
    page.click("[data-testid=shop-connect]")
    page.fill("[data-testid=seller-email]", "demo@tiktok.test")
    page.fill("[data-testid=seller-password]", "sandbox")
    page.click("[data-testid=seller-login]")
    page.check(f"[data-testid=seller-shop-{SHOP_BR}]")
    page.click("[data-testid=seller-authorize]")
    page.wait_for_url(f"**/admin/{store.account}/marketplace/tiktok/shop/")
    assert page.inner_text("[data-testid=tts-status]").strip() == ACTIVE[lang]
    connection = ShopConnection.objects.get(store=store, status=ShopStatus.CONNECTED)
    snapshot = connection.settings_snapshot
    assert snapshot == {"shop_order_import": False, "shop_stock_reservation": False}

    # While connected, a buyer's TikTok Shop order is imported.
    placed = shop_admin.place_orders(SHOP_BR, [sku.pk], quantity=2)
    services.orders_import(connection.pk)
    assert Order.objects.filter(source=OrderSource.TIKTOK_SHOP, external_id=placed[0]["id"]).exists()

    # The seed: Settings > Accounts > the TikTok Shop account > Disconnect > confirm.
    page.click("[data-testid=tab-settings]")
    page.wait_for_url(f"**/admin/{store.account}/marketplace/tiktok/settings/")
    shop_account = page.locator("[data-testid=account-tiktok-shop]")
    assert "Loja Demo TikTok Shop" in shop_account.inner_text()
    shop_account.locator("[data-testid=shop-disconnect]").click()
    dialog = page.locator("[data-testid=shop-disconnect-dialog]")
    dialog.wait_for(state="visible")
    assert dialog.locator("[data-testid=shop-disconnect-consequences] li").count() == 4
    screenshot(f"warning-{lang}")
    before_disconnect = time.time()
    dialog.locator("[data-testid=shop-disconnect-confirm]").click()
    page.wait_for_url(f"**/admin/{store.account}/marketplace/tiktok/shop/")
    assert page.inner_text("[data-testid=tts-status]").strip() == SETUP_IN_PROGRESS[lang]
    note = page.locator("[data-testid=tts-seller-center-note]")
    assert SELLER_CENTER_NOTE[lang] in note.inner_text()
    assert note.locator("a").get_attribute("href") == "https://seller-br.tiktok.com/"
    screenshot(f"overview-{lang}")

    # TikTok's shop disconnect was called; the shop connection is over on both sides.
    assert [c["status"] for c in shop_admin.connections()] == ["DISCONNECTED"]
    assert ShopConnection.objects.live().count() == 0
    # Settings equal the snapshot taken at connect time.
    assert StoreChannelSettings.objects.get(store=store).snapshot() == snapshot

    # The TikTok for Business connection is untouched: the page, the pixel and the catalog sync still run.
    ads.refresh_from_db()
    assert ads.is_active
    page.goto(f"{live_server.url}/admin/{store.account}/marketplace/tiktok/")
    assert ads.pixel_code in page.content()
    page.goto(f"{live_server.url}/s/{store.account}/")
    assert f'"{ads.pixel_code}"' in page.content() or f"'{ads.pixel_code}'" in page.content()
    Sku.objects.filter(pk=sku.pk).update(stock=0)
    dirty.skus_mark_dirty(store.pk, [sku.pk])
    drive(ads.pk, sandbox.admin)
    uploads = sandbox.admin.journal(endpoint="catalog/product/upload", since=before_disconnect)
    assert [e["sku_ids"] for e in uploads] == [[str(sku.pk)]]

    # The order import no longer runs: new TikTok Shop orders stay in Seller Center.
    shop_admin.place_orders(SHOP_BR, [sku.pk])
    import_orders_all.apply()
    assert services.orders_import(connection.pk) is None
    assert sandbox.admin.journal(endpoint=ORDER_LIST, since=before_disconnect) == []
    assert Order.objects.filter(source=OrderSource.TIKTOK_SHOP).count() == 1
