"""The App Store's listings. Only apps this product implements are listed (no fake entries)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class AppListing:
    slug: str
    name: str
    vendor: str
    summary: Promise
    features: tuple[Promise, ...]
    notes: tuple[Promise, ...]
    # URL name of the app's settings page in the store admin (takes `account`).
    settings_url_name: str
    settings_path: str
    # The same page reached through Apps > My apps > <app> (older VTEX Admin versions).
    apps_page_url_name: str
    apps_page_path: str


TIKTOK = AppListing(
    slug="tiktok",
    name="TikTok for Business",
    vendor="VTEX",
    summary=_(
        "The TikTok for Business app allows merchants to easily connect their stores to TikTok, using it as "
        "a channel to drive sales and market products sold in their ecommerce."
    ),
    features=(
        _("Connecting TikTok For Business and Ads Manager accounts with your VTEX account."),
        _("Syncing products in your catalog with TikTok."),
        _("Inserting the TikTok Pixel in your store."),
        _("Managing TikTok Ads from the VTEX Admin."),
    ),
    notes=(
        _("The integration with TikTok is available only for stores in Brazil."),
        _(
            "TikTok for Business is fully compatible with stores using VTEX IO and partially compatible "
            "with stores using Legacy CMS Portal or Headless CMS, which need to configure the TikTok Pixel "
            "manually."
        ),
        _(
            "After installation, the app settings will be available in the VTEX Admin, under "
            "Marketplace > TikTok."
        ),
    ),
    settings_url_name="tiktok-page",
    settings_path="marketplace/tiktok/",
    apps_page_url_name="tiktok-apps-page",
    apps_page_path="apps/tiktok/",
)

LISTINGS: tuple[AppListing, ...] = (TIKTOK,)


def app_listing(slug: str) -> AppListing | None:
    return next((a for a in LISTINGS if a.slug == slug), None)
