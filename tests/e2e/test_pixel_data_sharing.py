"""The pixel parts of the TikTok page's Data Sharing section, as a merchant uses them: the order event
and consent settings (then seen in the storefront), and the manual set-up for a Legacy CMS store
(the exact snippet, the copy button, the GTM steps in the merchant's language)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from integration.models import ConnectionStatus, TikTokConnection
from pixel.cache import pixel_config_invalidate
from pixel.models import PixelSettings
from pixel.services import pixel_manual_snippet
from store.models import CmsKind, Role
from tests.plugins.browser import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PIXEL = "CABCDEFGHIJ1234567XY"


@pytest.fixture(autouse=True)
def _clean(pixel_isolation: None) -> None:
    """A clean pixel config cache and no broker dispatch for every test here."""


def _connect(store: Any) -> None:
    TikTokConnection.objects.create(
        store=store,
        status=ConnectionStatus.CONNECTED,
        external_business_id=f"ds-{store.pk}",
        pixel_code=PIXEL,
        access_token="act.ds",
        connected_at=timezone.now(),
    )
    pixel_config_invalidate(store.pk)


def test_merchant_picks_the_order_event_and_requires_consent(
    page: Any, live_server: Any, store: Any, admin_user_of_store: Any
) -> None:
    _connect(store)
    login(page, live_server.url, "merchant")
    page.goto(f"{live_server.url}/admin/{store.account}/marketplace/tiktok/?open=data-sharing")
    section = page.locator("[data-testid=pixel-settings]")
    assert section.is_visible()
    assert page.locator("[data-testid=pixel-manual-setup]").count() == 0  # VTEX IO: inserted automatically
    section.locator("input[value=Purchase]").check()
    section.locator("input[name=require_consent]").check()
    section.locator("[data-testid=pixel-settings-save]").click()
    page.wait_for_load_state()
    assert "Pixel settings saved." in page.content()
    ps = PixelSettings.objects.get(store=store)
    assert (ps.purchase_event, ps.require_consent) == ("Purchase", True)
    # the storefront follows at once
    page.goto(f"{live_server.url}/s/{store.account}/")
    assert page.locator("[data-testid=pixel-consent-banner]").is_visible()


@pytest.mark.parametrize(
    ("lang", "step"),
    [
        ("en", "Click Tag Configuration and choose Custom HTML."),
        ("pt-br", "Clique em Configuração da tag e escolha HTML personalizado."),
        ("es", "Haz clic en Configuración de la etiqueta y elige HTML personalizado."),
    ],
)
def test_legacy_store_gets_the_manual_set_up(
    page: Any, live_server: Any, make_store: Any, make_user: Any, lang: str, step: str
) -> None:
    legacy = make_store(cms_kind=CmsKind.LEGACY)
    make_user(legacy, Role.ADMIN, username="legacy-admin")
    _connect(legacy)
    page.context.add_cookies([{"name": "tta_language", "value": lang, "url": live_server.url}])
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    login(page, live_server.url, "legacy-admin")
    page.goto(f"{live_server.url}/admin/{legacy.account}/marketplace/tiktok/?open=data-sharing")
    manual = page.locator("[data-testid=pixel-manual-setup]")
    assert manual.is_visible()
    assert step in manual.inner_text()
    snippet = page.locator("[data-testid=pixel-manual-snippet]").inner_text()
    assert snippet == pixel_manual_snippet(PIXEL)
    page.click("[data-testid=pixel-manual-copy]")
    page.wait_for_function("() => navigator.clipboard.readText().then(t => t.length > 0)")
    assert page.evaluate("() => navigator.clipboard.readText()") == pixel_manual_snippet(PIXEL)
    # and the legacy storefront itself stays untouched
    page.goto(f"{live_server.url}/s/{legacy.account}/")
    assert page.locator("#tiktok-pixel-data").count() == 0
