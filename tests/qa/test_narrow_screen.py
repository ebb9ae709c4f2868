"""The admin on a phone-sized screen (390 px): QA found the sidebar hidden with nothing in its place (no way
to reach Marketplace > TikTok or the App Store) and the top bar pushing every page to ~560 px wide.

Later, on a fresh machine whose Chromium has only the DejaVu fonts (wider than Arial/Helvetica), the Settings
page was 403 px wide ("Desativado" drawn one letter per line outside its card) and the TikTok page broke
values inside words ("merch ant"). So the layout must not depend on the fonts installed: besides the page
width, every page here is checked for elements running off the screen (outside a horizontal scroller), for
ordinary words broken across lines (only ids, codes and e-mail addresses may break anywhere) and for
one-line labels (badges, tabs, navigation) that wrapped or spill out of their pill."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from core.models import AuditEvent
from integration.models import TikTokConnection, TikTokSetup
from store.models import Affiliate, InstalledApp
from tests.plugins.browser import login
from tiktok_shop.models import ShopConnection, StoreChannelSettings

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH = 390
LANGUAGES = ("pt-br", "es", "en")

# Returns a list of problems on the current page (empty when the layout holds).
LAYOUT_PROBLEMS = r"""() => {
  const vw = document.documentElement.clientWidth;
  const problems = [];
  const describe = (el) => {
    const id = el.getAttribute('data-testid');
    const cls = typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\s+/).join('.') : '';
    return el.tagName.toLowerCase() + (id ? `[data-testid=${id}]` : '') + cls
      + ' "' + (el.innerText || el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40) + '"';
  };
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  };
  // Inside an element that clips or scrolls horizontally (the navigation strip, the tabs, a table's
  // scroller, a code snippet), content may extend past the screen: the user scrolls that element.
  const inScroller = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    }
    return false;
  };
  const lineTops = (range) => new Set(
    [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0).map((r) => Math.round(r.top))
  );

  // 1. Nothing runs off the screen.
  for (const el of document.body.querySelectorAll('*')) {
    if (!shown(el)) continue;
    const r = el.getBoundingClientRect();
    if ((r.right > vw + 0.5 || r.left < -0.5) && !inScroller(el)) {
      problems.push(`off screen (${Math.round(r.left)}..${Math.round(r.right)} of ${vw}px): ${describe(el)}`);
    }
  }

  // 2. No ordinary word is broken across lines, whatever the CSS allows: only long tokens (ids, codes,
  //    e-mail addresses, URLs), marked up as .token, <code> or <pre>, may break inside a word.
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const word = /[\p{L}\p{N}]{2,}/gu;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !shown(el) || el.closest('.token, code, pre')) continue;
    for (const m of node.data.matchAll(word)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      if (lineTops(range).size > 1) problems.push(`word "${m[0]}" broken across lines in ${describe(el)}`);
    }
  }

  // 3. One-line labels stay on one line and inside their box (a badge has a fixed height: wrapped text
  //    would spill out of the pill, as "Desativado" / "Não conectado" did).
  for (const el of document.querySelectorAll('.badge, .tts-tabs__item, .sidebar__item, .steps li')) {
    if (!shown(el)) continue;
    const range = document.createRange();
    range.selectNodeContents(el);
    const box = el.getBoundingClientRect();
    const text = range.getBoundingClientRect();
    if (lineTops(range).size > 1) problems.push(`label wrapped: ${describe(el)}`);
    else if (text.top < box.top - 0.5 || text.bottom > box.bottom + 0.5 || text.width > box.width + 0.5) {
      problems.push(`label spills out of its box: ${describe(el)}`);
    }
  }
  return problems;
}"""


def assert_fits_the_phone(page: Any, where: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, where
    # Collapsed sections (TikTok page) are opened, so their content is checked too.
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    problems = page.evaluate(LAYOUT_PROBLEMS)
    assert problems == [], (where, problems)
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, where


def open_on_a_phone(page: Any, live_url: str, language: str) -> None:
    page.set_viewport_size({"width": WIDTH, "height": 844})
    page.context.add_cookies([{"name": "tta_language", "value": language, "url": live_url}])
    login(page, live_url, "merchant")


@pytest.mark.parametrize("language", LANGUAGES)
def test_admin_fits_a_phone_and_keeps_its_navigation(
    live_server: Any, page: Any, store: Any, admin_user_of_store: Any, language: str
) -> None:
    InstalledApp.objects.get_or_create(store=store, app="tiktok")
    open_on_a_phone(page, live_server.url, language)
    for path in ("", "marketplace/tiktok/", "marketplace/tiktok/settings/", "apps/", "apps/store/"):
        page.goto(f"{live_server.url}/admin/{store.account}/{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, path
        for testid in ("nav-dashboard", "nav-marketplace-tiktok", "nav-my-apps", "nav-app-store"):
            assert page.is_visible(f"[data-testid={testid}]"), (path, testid)
        assert_fits_the_phone(page, (language, path))
    # The status badges of the Settings page (where "Não conectado" used to spill out of its pill).
    page.goto(f"{live_server.url}/admin/{store.account}/marketplace/tiktok/settings/")
    for testid in ("tt4b-status", "tts-status", "setting-order-import", "setting-stock-reservation"):
        box = page.locator(f"[data-testid={testid}]").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, (language, testid, box)
    page.goto(f"{live_server.url}/admin/{store.account}/")
    page.click("[data-testid=nav-marketplace-tiktok]")
    page.wait_for_url(f"{live_server.url}/admin/{store.account}/marketplace/tiktok/")


@pytest.mark.parametrize("language", LANGUAGES)
def test_connected_pages_fit_a_phone(
    live_server: Any, page: Any, store: Any, admin_user_of_store: Any, language: str
) -> None:
    """Connected to TikTok for Business and TikTok Shop, with an activity trail: the label/value lists,
    ids and tables of the TikTok, TikTok Shop and Settings pages."""
    InstalledApp.objects.get_or_create(store=store, app="tiktok")
    Affiliate.objects.get_or_create(store=store, code="TKT", defaults={"name": "TikTok"})
    setup = TikTokSetup.objects.create(
        store=store,
        affiliate_id="TKT",
        trade_policy=store.trade_policies.get(code="1"),
        store_name=store.name,
        website=f"https://{store.domain}",
        segment="fashion",
        country="BR",
        time_zone="America/Sao_Paulo",
        contact_email="contato.comercial@example.com.br",
        phone_country_code="+55",
        phone="11912345678",
        external_business_id=f"vtex-{store.account}-000001",
        confirmed_at=timezone.now(),
    )
    now = timezone.now()
    TikTokConnection.objects.create(
        store=store,
        external_business_id=setup.external_business_id,
        bc_id="7100000000000000001",
        adv_id="7200000000000000001",
        pixel_code="CABCDEFGHIJ1234567XY",
        catalog_id="7300000000000000001",
        core_user_id="7400000000000000009",
        advertiser_ids=["7200000000000000001"],
        access_token="token-for-tests",
        connected_at=now,
        connected_by=admin_user_of_store,
        last_error_code=40001,
        last_error_message="Access token expired; a new authorization is required",
        last_error_at=now,
    )
    StoreChannelSettings.objects.update_or_create(
        store=store, defaults={"shop_order_import": True, "shop_stock_reservation": True}
    )
    ShopConnection.objects.create(
        store=store,
        shop_id="7494000000000000001",
        shop_name="Loja Demo TikTok Shop Oficial",
        region="BR",
        seller_id="7400000000000000009",
        seller_name="Demo Merchant Comércio Eletrônico Ltda",
        is_owner=True,
        connected_at=now,
        connected_by=admin_user_of_store,
    )
    for action in ("app_installed", "setup_saved", "connect_started", "connected", "shop_connected"):
        AuditEvent.objects.create(
            store=store,
            actor=admin_user_of_store,
            action=action,
            detail={"shop_name": "Loja Demo TikTok Shop"},
        )
    AuditEvent.objects.create(store=store, actor_label="system", action="sync_requested")

    open_on_a_phone(page, live_server.url, language)
    for path in ("marketplace/tiktok/", "marketplace/tiktok/shop/", "marketplace/tiktok/settings/"):
        page.goto(f"{live_server.url}/admin/{store.account}/{path}")
        assert page.is_visible("[data-testid=nav-marketplace-tiktok]"), path
        assert_fits_the_phone(page, (language, path))
    page.goto(f"{live_server.url}/admin/{store.account}/marketplace/tiktok/")
    assert page.inner_text("[data-testid=connected-by]") == "merchant"
