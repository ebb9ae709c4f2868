"""The few TikTok calls the connection needs, in the shape the services use.

A thin seam over `integration.tiktok_client` (the settings-built `tiktok_api.TikTokClient`): the services stay
readable, and tests can drive the real client against the sandbox or `responses`. Errors are the client's
own (`tiktok_api.errors`), raised unchanged.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings

from integration import tiktok_client as tiktok
from tiktok_api import BusinessProfile, RetryPolicy
from tiktok_api.external_data import previous_assets

if TYPE_CHECKING:
    from tiktok_api import TikTokClient

    from .models import TikTokSetup


@dataclass(frozen=True)
class Grant:
    access_token: str = field(repr=False)
    advertiser_ids: tuple[str, ...] = ()


# A merchant waits on the other end of these calls: retry once, quickly, then report (the disconnect then
# shows the manual steps; a failed connect says "try again"). Background callers use the shared client.
INTERACTIVE_RETRY = RetryPolicy(max_attempts=2, base_delay=0.5, max_delay=1.0, max_inline_wait=2.0)


def _client(*, interactive: bool = True) -> TikTokClient:
    shared = tiktok.client()
    if not interactive:
        return shared
    # Same session, rate limiter and catalog lock; only the retry policy differs.
    quick = copy.copy(shared)
    quick.retry = INTERACTIVE_RETRY
    return quick


def _sign(fields: dict[str, Any]) -> str:
    return tiktok.external_data_for(fields)


def _gmt_offset(time_zone: str) -> str:
    """TikTok wants the time zone as `GMT-03:00`."""
    try:
        offset = datetime.now(ZoneInfo(time_zone)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        offset = None
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return f"GMT{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def onboarding_url(
    setup: TikTokSetup,
    *,
    state: str,
    redirect_uri: str,
    locale: str,
    previous: Mapping[str, str] | None = None,
) -> str:
    """TikTok's onboarding page with the signed `external_data` (a credential: it only ever travels in
    this redirect, never in a page or a log line). `previous`: the IDs the store used before, so TikTok
    offers them first (`tiktok_api.external_data.previous_assets`)."""
    domain = urlsplit(setup.website).hostname or ""
    external_data = _sign(
        {
            **previous_assets(previous or {}),
            "locale": locale,
            "external_business_id": setup.external_business_id,
            "timezone": _gmt_offset(setup.time_zone),
            "country_region": setup.country,
            "currency": setup.trade_policy.currency,
            "store_name": setup.store_name,
            "email": setup.contact_email,
            "phone_number": f"{setup.phone_country_code}{setup.phone}",
            "website_url": setup.website,
            "domain": domain,
            "app_id": settings.TIKTOK_APP_ID,
            "redirect_uri": redirect_uri,
            "state": state,
            "close_method": "redirect_inside_tiktok",
        }
    )
    separator = "&" if "?" in settings.TIKTOK_ONBOARDING_URL else "?"
    return f"{settings.TIKTOK_ONBOARDING_URL}{separator}{urlencode({'external_data': external_data})}"


def exchange_code(auth_code: str) -> Grant:
    token = _client().oauth_access_token(auth_code)
    return Grant(access_token=token.access_token, advertiser_ids=tuple(token.advertiser_ids))


def business_profile_get(
    access_token: str, external_business_id: str, *, interactive: bool = True
) -> BusinessProfile | None:
    """None when TikTok reports no business profile (disconnected, removed, never connected). A suspended
    account still answers, with `suspended` set and TikTok's reason."""
    return _client(interactive=interactive).business_profile_get(
        access_token,
        business_platform=settings.TIKTOK_BUSINESS_PLATFORM,
        external_business_id=external_business_id,
    )


def pixel_advanced_matching(access_token: str, adv_id: str, pixel_code: str) -> bool | None:
    """Whether the merchant turned Advanced Matching on for this pixel at TikTok (None: pixel not found)."""
    page = _client().pixel_list(access_token, advertiser_id=adv_id, code=pixel_code)
    for pixel in page.pixels:
        if pixel.pixel_code == pixel_code:
            return pixel.advanced_matching
    return None


def business_profile_disconnect(external_business_id: str) -> None:
    external_data = _sign({"locale": "en", "external_business_id": external_business_id})
    _client().business_profile_disconnect(
        business_platform=settings.TIKTOK_BUSINESS_PLATFORM,
        external_business_id=external_business_id,
        external_data=external_data,
    )


def revoke_token(access_token: str) -> None:
    _client().oauth_revoke_token(access_token)
