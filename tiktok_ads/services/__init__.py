"""The Ads section's services: the refresh of the local copy and the campaign switch."""

from .errors import AdsError, AdsRefreshTooSoon
from .refresh import RefreshOutcome, account_today, ads_refresh, connections_to_refresh
from .switch import AUDIT_DISABLED, AUDIT_ENABLED, campaign_switch, manual_refresh_allowed

__all__ = [
    "AUDIT_DISABLED",
    "AUDIT_ENABLED",
    "AdsError",
    "AdsRefreshTooSoon",
    "RefreshOutcome",
    "account_today",
    "ads_refresh",
    "campaign_switch",
    "connections_to_refresh",
    "manual_refresh_allowed",
]
