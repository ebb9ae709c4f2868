"""The Ads section's refusals: what a merchant reads when a switch or a refresh is not done."""

from __future__ import annotations

from core.errors import ServiceError


class AdsError(ServiceError):
    default_code = "ads_error"


class AdsRefreshTooSoon(AdsError):
    default_code = "ads_refresh_too_soon"
    default_status = 429
