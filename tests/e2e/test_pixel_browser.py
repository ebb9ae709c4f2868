"""The TikTok Pixel in a real Chromium on the storefront. The SDK URL is answered by a local stub
that records the ttq queue, so the assertions see exactly what TikTok's events.js would receive."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from integration.models import ConnectionStatus, TikTokConnection
from pixel.cache import pixel_config_invalidate
from pixel.hashing import sha256_hex
from pixel.models import OutboxEvent
from pixel.services import pixel_settings_update
from store.models import CmsKind
from tests.plugins.browser import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PIXEL = "CABCDEFGHIJ1234567XY"
SDK_URL = "https://analytics.tiktok.com/i18n/pixel/events.js"
HOSTILE = "</script><script>alert(1)</script>"

# What TikTok's events.js would find: the queue the base code built. The stub copies it and keeps
# recording later calls.
SDK_STUB = """
(function () {
  var ttq = window.ttq;
  var rec = window.__ttq = {loaded: Object.keys(ttq._i || {}), calls: []};
  function keep(args) { rec.calls.push(JSON.parse(JSON.stringify(args))); }
  for (var i = 0; i < ttq.length; i++) { keep(ttq[i]); }
  ttq.methods.forEach(function (m) {
    ttq[m] = function () { keep([m].concat(Array.prototype.slice.call(arguments))); };
  });
})();
"""

CSP_LISTENER = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture(autouse=True)
def _clean(pixel_isolation: None) -> None:
    """A clean pixel config cache and no broker dispatch for every test here."""


class Browser:
    """A page with the SDK stubbed, CSP violations, console errors and dialogs recorded."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.sdk_requests: list[str] = []
        self.dialogs: list[str] = []
        self.console_csp: list[str] = []
        page.add_init_script(CSP_LISTENER)
        page.route(f"{SDK_URL}*", self._sdk)
        page.on("dialog", self._dialog)
        page.on("console", self._console)

    def _sdk(self, route: Any) -> None:
        self.sdk_requests.append(route.request.url)
        route.fulfill(status=200, content_type="application/javascript", body=SDK_STUB)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _console(self, msg: Any) -> None:
        if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text:
            self.console_csp.append(msg.text)

    def goto(self, path: str) -> None:
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("load")

    def loaded(self) -> None:
        """The page has run every script it had (the pixel loader runs synchronously, and an SDK script it
        inserted delays the load event): from here on, what is absent is absent, with no time to wait."""
        self.page.wait_for_load_state("load")
        self.page.wait_for_function("() => document.readyState === 'complete'")

    def no_sdk(self) -> None:
        self.loaded()
        expect(self.page.locator(f'script[src^="{SDK_URL}"]')).to_have_count(0)
        expect(self.page.locator("#tiktok-pixel-data")).to_have_count(0)

    def ttq(self) -> dict[str, Any]:
        self.page.wait_for_function("() => window.__ttq !== undefined")
        return self.page.evaluate("() => window.__ttq")

    def tracked(self) -> list[list[Any]]:
        return [c for c in self.ttq()["calls"] if c[0] == "track"]

    def has_pixel(self) -> bool:
        return bool(self.page.evaluate("() => window.ttq !== undefined || window.__ttq !== undefined"))

    def csp_violations(self) -> list[str]:
        return self.page.evaluate("() => window.__csp") + self.console_csp


@pytest.fixture
def br(page: Any, live_server: Any) -> Browser:
    return Browser(page, live_server.url)


def connect(store: Any, *, advanced_matching: bool = False) -> TikTokConnection:
    conn = TikTokConnection.objects.create(
        store=store,
        status=ConnectionStatus.CONNECTED,
        external_business_id=f"e2e-{store.pk}",
        pixel_code=PIXEL,
        access_token="act.e2e",
        advanced_matching=advanced_matching,
        connected_at=timezone.now(),
    )
    pixel_config_invalidate(store.pk)
    return conn


@pytest.fixture
def shop(store: Any, make_sku: Any) -> dict[str, Any]:
    sku = make_sku(store, product_name="Camiseta Azul", name="M", price=Decimal("99.90"), stock=5)
    return {"store": store, "sku": sku, "product": sku.product}


def _buy(br: Browser, shop: dict[str, Any], qty: int = 2) -> None:
    store = shop["store"]
    br.goto(f"/s/{store.account}/p/{shop['product'].slug}/")
    br.page.fill("[data-testid=quantity]", str(qty))
    br.page.click("[data-testid=add-to-cart]")
    br.page.wait_for_url(f"**/s/{store.account}/cart/")


def _checkout(br: Browser, shop: dict[str, Any]) -> None:
    store = shop["store"]
    br.goto(f"/s/{store.account}/checkout/")
    br.page.fill("[data-testid=checkout-name]", "Cliente Teste")
    br.page.fill("[data-testid=checkout-email]", " Cliente.Teste@Example.COM")
    br.page.fill("[data-testid=checkout-phone]", "+55 (11) 98765-4321")
    br.page.click("[data-testid=place-order]")
    br.page.wait_for_url(f"**/s/{store.account}/order/**")


def test_full_journey_with_advanced_matching(br: Browser, shop: dict[str, Any]) -> None:
    store, sku = shop["store"], shop["sku"]
    connect(store, advanced_matching=True)

    br.goto(f"/s/{store.account}/p/{shop['product'].slug}/")
    rec = br.ttq()
    assert rec["loaded"] == [PIXEL]
    assert br.sdk_requests == [f"{SDK_URL}?sdkid={PIXEL}&lib=ttq"]
    assert [c[0] for c in rec["calls"]] == ["page", "track"]  # no identify before checkout
    _, name, props, opts = rec["calls"][1]
    assert name == "ViewContent"
    assert props["contents"] == [
        {
            "content_id": str(sku.pk),
            "content_type": "product",
            "content_name": "Camiseta Azul – M",
            "price": 99.9,
        }
    ]
    assert props["value"] == 99.9
    assert props["currency"] == "BRL" and len(opts["event_id"]) == 32

    _buy(br, shop, 2)
    tracked = br.tracked()
    assert [t[1] for t in tracked] == ["ViewContent", "AddToCart"]
    add = tracked[1]
    assert add[2] == {
        "content_type": "product",
        "contents": [
            {
                "content_id": str(sku.pk),
                "content_type": "product",
                "content_name": "Camiseta Azul – M",
                "quantity": 2,
                "price": 99.9,
            }
        ],
        "currency": "BRL",
        "value": 199.8,
    }
    assert OutboxEvent.objects.get(event="AddToCart").event_id == add[3]["event_id"]

    _checkout(br, shop)
    calls = br.ttq()["calls"]
    assert [c[0] for c in calls] == ["identify", "page", "track", "track"]
    assert calls[0][1] == {
        "email": sha256_hex("cliente.teste@example.com"),
        "phone_number": sha256_hex("+5511987654321"),
    }
    order = store.orders.get()
    place = calls[3]
    assert place[1] == "PlaceAnOrder"
    assert place[2]["order_id"] == order.number
    assert place[2]["value"] == 199.8
    assert place[2]["contents"][0]["quantity"] == 2
    assert place[3]["event_id"] == OutboxEvent.objects.get(event="PlaceAnOrder").event_id

    # a later page of the session still identifies the shopper
    br.goto(f"/s/{store.account}/")
    assert [c[0] for c in br.ttq()["calls"]][:2] == ["identify", "page"]
    assert br.csp_violations() == []
    assert br.dialogs == []


def test_no_identify_when_advanced_matching_is_off(br: Browser, shop: dict[str, Any]) -> None:
    connect(shop["store"], advanced_matching=False)
    _buy(br, shop, 1)
    _checkout(br, shop)
    calls = br.ttq()["calls"]
    assert "identify" not in [c[0] for c in calls]
    assert [c[1] for c in calls if c[0] == "track"] == ["ViewContent", "PlaceAnOrder"]
    assert "cliente" not in json.dumps(calls).lower()
    assert br.csp_violations() == []


def test_purchase_name_setting(br: Browser, shop: dict[str, Any]) -> None:
    connect(shop["store"])
    pixel_settings_update(shop["store"], purchase_event="Purchase", require_consent=False)
    _buy(br, shop, 1)
    _checkout(br, shop)
    assert [t[1] for t in br.tracked()] == ["ViewContent", "Purchase"]


def test_nothing_on_a_disconnected_store(br: Browser, shop: dict[str, Any]) -> None:
    conn = connect(shop["store"])
    TikTokConnection.objects.filter(pk=conn.pk).update(status=ConnectionStatus.DISCONNECTED)
    pixel_config_invalidate(shop["store"].pk)
    _buy(br, shop, 1)
    assert not br.has_pixel()
    assert br.sdk_requests == []
    assert br.page.locator("#tiktok-pixel-data").count() == 0


def test_nothing_on_a_legacy_cms_store(br: Browser, make_store: Any, make_sku: Any) -> None:
    legacy = make_store(cms_kind=CmsKind.LEGACY)
    sku = make_sku(legacy, product_name="Legacy", name="U")
    connect(legacy)
    br.goto(f"/s/{legacy.account}/p/{sku.product.slug}/")
    br.no_sdk()
    assert not br.has_pixel()
    assert br.sdk_requests == []


def test_nothing_on_admin_pages(br: Browser, shop: dict[str, Any], admin_user_of_store: Any) -> None:
    connect(shop["store"])
    login(br.page, br.base, "merchant")
    br.goto(f"/admin/{shop['store'].account}/")
    br.no_sdk()
    assert not br.has_pixel()
    assert br.sdk_requests == []
    assert br.page.locator("#tiktok-pixel-data").count() == 0


def test_consent_holds_everything_until_accepted(br: Browser, shop: dict[str, Any]) -> None:
    store = shop["store"]
    connect(store)
    pixel_settings_update(store, purchase_event="PlaceAnOrder", require_consent=True)
    _buy(br, shop, 1)
    banner = br.page.locator("[data-testid=pixel-consent-banner]")
    assert banner.is_visible()
    br.loaded()
    expect(br.page.locator(f'script[src^="{SDK_URL}"]')).to_have_count(0)
    assert not br.has_pixel() and br.sdk_requests == []
    assert list(OutboxEvent.objects.values_list("status", flat=True)) == ["held"]
    br.page.click("[data-testid=pixel-consent-accept]")
    rec = br.ttq()
    assert rec["loaded"] == [PIXEL]
    # the events held on this page fire now
    assert [c[1] for c in rec["calls"] if c[0] == "track"] == ["ViewContent", "AddToCart"]
    assert banner.is_hidden()
    held_add = next(c for c in rec["calls"] if c[0] == "track" and c[1] == "AddToCart")
    row = OutboxEvent.objects.get()
    assert (row.status, row.event_id) == ("pending", held_add[3]["event_id"])
    # the choice sticks: next page, no banner, pixel loads
    br.goto(f"/s/{store.account}/")
    assert br.page.locator("[data-testid=pixel-consent-banner]").count() == 0
    assert [c[1] for c in br.tracked()] == ["ViewContent"]
    assert br.csp_violations() == []


def test_refused_consent_sends_nothing(br: Browser, shop: dict[str, Any]) -> None:
    store = shop["store"]
    connect(store)
    pixel_settings_update(store, purchase_event="PlaceAnOrder", require_consent=True)
    br.goto(f"/s/{store.account}/")
    br.page.click("[data-testid=pixel-consent-refuse]")
    br.page.wait_for_function("() => document.getElementById('tt-consent-banner').hidden")
    _buy(br, shop, 1)
    _checkout(br, shop)
    br.no_sdk()
    assert not br.has_pixel()
    assert br.sdk_requests == []
    assert br.page.locator("#tiktok-pixel-data").count() == 0
    assert OutboxEvent.objects.count() == 0


def test_hostile_product_name_does_not_execute(br: Browser, store: Any, make_sku: Any) -> None:
    sku = make_sku(store, product_name=HOSTILE, name="M")
    connect(store)
    br.goto(f"/s/{store.account}/p/{sku.product.slug}/")
    tracked = br.tracked()
    assert tracked[0][2]["contents"][0]["content_name"] == f"{HOSTILE} – M"
    br.loaded()
    assert br.dialogs == []
    assert br.csp_violations() == []
