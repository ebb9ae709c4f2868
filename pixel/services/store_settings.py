"""The merchant's side: the per-store pixel settings (order event, consent banner) and the base code to
paste by hand on Legacy CMS / Headless stores, which the middleware does not inject into."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from store.models import Store

from ..cache import PIXEL_CODE_RE, pixel_config_invalidate
from ..models import PixelSettings, PurchaseEvent


def pixel_settings_for_store(store: Store) -> PixelSettings:
    return PixelSettings.objects.filter(store=store).first() or PixelSettings(store=store)


def pixel_settings_apply(store: Store) -> bool:
    """The order event and consent settings drive only the pixel the middleware inserts (VTEX IO stores);
    a pixel installed by hand on a Legacy CMS / Headless store never reads them."""
    return store.is_io


def pixel_settings_update(store: Store, *, purchase_event: str, require_consent: bool) -> PixelSettings:
    if purchase_event not in PurchaseEvent.values:
        raise ValueError(f"unknown order event {purchase_event!r}")
    if not pixel_settings_apply(store):
        raise ValueError("the pixel settings apply only to VTEX IO stores")
    with transaction.atomic():
        ps, _created = PixelSettings.objects.update_or_create(
            store=store, defaults={"purchase_event": purchase_event, "require_consent": require_consent}
        )
        pixel_config_invalidate(store.pk)
    return ps


def pixel_manual_snippet(pixel_code: str) -> str:
    """TikTok's base code for this pixel, to paste as a Custom HTML tag (Legacy CMS / Headless stores)."""
    if not PIXEL_CODE_RE.match(pixel_code or ""):
        raise ValueError("invalid pixel code")
    sdk_url = settings.TIKTOK_PIXEL_SDK_URL
    return (
        "<!-- TikTok Pixel Code Start -->\n"
        "<script>\n"
        "!function (w, d, t) {\n"
        "  w.TiktokAnalyticsObject=t;var ttq=w[t]=w[t]||[];"
        'ttq.methods=["page","track","identify","instances","debug","on","off","once","ready","alias",'
        '"group","enableCookie","disableCookie","holdConsent","revokeConsent","grantConsent"],'
        "ttq.setAndDefer=function(t,e){t[e]=function(){t.push([e].concat(Array.prototype.slice.call(arguments,0)))}};"
        "for(var i=0;i<ttq.methods.length;i++)ttq.setAndDefer(ttq,ttq.methods[i]);"
        "ttq.instance=function(t){for(var e=ttq._i[t]||[],n=0;n<ttq.methods.length;n++)"
        "ttq.setAndDefer(e,ttq.methods[n]);return e},"
        f'ttq.load=function(e,n){{var r="{sdk_url}",o=n&&n.partner;'
        "ttq._i=ttq._i||{},ttq._i[e]=[],ttq._i[e]._u=r,ttq._t=ttq._t||{},ttq._t[e]=+new Date,"
        'ttq._o=ttq._o||{},ttq._o[e]=n||{};n=document.createElement("script");'
        'n.type="text/javascript",n.async=!0,n.src=r+"?sdkid="+e+"&lib="+t;'
        'e=document.getElementsByTagName("script")[0];e.parentNode.insertBefore(n,e)};\n'
        f"  ttq.load('{pixel_code}');\n"
        "  ttq.page();\n"
        "}(window, document, 'ttq');\n"
        "</script>\n"
        "<!-- TikTok Pixel Code End -->"
    )
