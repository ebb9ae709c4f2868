"""A campaign switched on or off from the Ads section, and the rate-limited *Refresh* button."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from integration.models import TikTokConnection
from integration.services import connection_auto_disconnect
from tiktok_api.errors import AuthError, RetryableError, TikTokError
from tiktok_api.types.ads import DISABLE, ENABLE

from .. import remote
from ..models import AdAccount, Campaign
from .errors import AdsError, AdsRefreshTooSoon

AUDIT_ENABLED = "ads_campaign_enabled"
AUDIT_DISABLED = "ads_campaign_disabled"


def _active_connection(connection_id: int) -> TikTokConnection:
    connection = TikTokConnection.objects.active().filter(pk=connection_id).first()
    if connection is None:
        raise AdsError(_("The store is not connected to TikTok."), code="ads_not_connected", http_status=409)
    return connection


def campaign_switch(
    connection_id: int, campaign_id: str, *, enabled: bool, actor: AbstractBaseUser
) -> Campaign:
    """Ask TikTok to switch the campaign; once TikTok says yes, the local copy shows the new status at
    once and the audit says who. Nothing changes locally when TikTok refuses or cannot be reached."""
    connection = _active_connection(connection_id)
    campaign = (
        Campaign.objects.select_related("account")
        .filter(account__connection_id=connection_id, campaign_id=campaign_id)
        .first()
    )
    if campaign is None:
        raise AdsError(
            _("This campaign is not in the ad account."), code="ads_campaign_unknown", http_status=404
        )
    status = ENABLE if enabled else DISABLE
    try:
        remote.campaign_status_set(connection.access_token or "", connection.adv_id, campaign_id, status)
    except TikTokError as exc:
        connection_auto_disconnect(connection_id, error=exc)
        if isinstance(exc, AuthError):
            raise AdsError(
                _("TikTok no longer accepts the connection; the store was disconnected."),
                code="ads_auth",
                http_status=409,
            ) from exc
        if isinstance(exc, RetryableError):
            raise AdsError(
                _("TikTok is not answering right now; the campaign was not changed. Try again later."),
                code="ads_unavailable",
                http_status=503,
            ) from exc
        raise AdsError(
            _("TikTok refused the change: %(reason)s") % {"reason": exc.message or exc.__class__.__name__},
            code="ads_refused",
            http_status=409,
        ) from exc
    Campaign.objects.filter(pk=campaign.pk).update(operation_status=status)
    campaign.operation_status = status
    audit_record(
        connection.store_id,
        AUDIT_ENABLED if enabled else AUDIT_DISABLED,
        actor=actor,
        detail={"campaign_id": campaign_id, "message": campaign.name[:200]},
    )
    return campaign


def manual_refresh_allowed(connection_id: int) -> bool:
    """Compare-and-set on the account: one manual refresh per interval per connection, however many
    clicks, tabs or web processes."""
    connection = _active_connection(connection_id)
    account, _created = AdAccount.objects.get_or_create(
        connection=connection, defaults={"adv_id": connection.adv_id}
    )
    now = timezone.now()
    interval = timedelta(seconds=float(getattr(settings, "TIKTOK_ADS_MANUAL_REFRESH_SECONDS", 60)))
    taken = (
        AdAccount.objects.filter(pk=account.pk)
        .filter(Q(last_manual_refresh_at__isnull=True) | Q(last_manual_refresh_at__lte=now - interval))
        .update(last_manual_refresh_at=now)
    )
    if not taken:
        raise AdsRefreshTooSoon(_("The figures were refreshed a moment ago. Try again in a minute."))
    return True
