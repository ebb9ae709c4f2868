"""The refresh of the local copy: the ad account's currency and time zone, its campaigns and the last
30 days of their daily figures, from TikTok into our tables.

Failure rules: TikTok down or throttling keeps the last copy (the run says so, the page shows "as of"
with a notice); every TikTok error goes through integration's `connection_auto_disconnect`, which
disconnects only on a real AuthError and otherwise records the connection's last error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.audit import error_summary
from core.leases import lease_acquire, lease_release
from integration.models import TikTokConnection
from integration.services import connection_auto_disconnect
from tiktok_api.errors import AuthError, RetryableError, TikTokError
from tiktok_api.types.ads import Campaign as RemoteCampaign
from tiktok_api.types.ads import CampaignDayMetrics

from .. import remote
from ..models import AdAccount, Campaign, CampaignDay, RefreshRun, RefreshStatus, RefreshTrigger

HISTORY_DAYS = 30


def _lease_seconds() -> float:
    return float(getattr(settings, "TIKTOK_ADS_REFRESH_LEASE_SECONDS", 120))


def account_today(time_zone: str) -> date:
    """Today in the ad account's time zone (TikTok's report days are the account's days)."""
    try:
        zone = ZoneInfo(time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return datetime.now(zone).date()


@dataclass(frozen=True)
class RefreshOutcome:
    run: RefreshRun | None
    # A later attempt may succeed (TikTok down, throttling): the task retries only these.
    retryable: bool = False


def ads_refresh(connection_id: int, *, trigger: str = RefreshTrigger.BEAT) -> RefreshOutcome:
    """Refresh one connection's copy. Idempotent (upserts keyed by campaign and day); a second refresh
    of the same connection while one runs does nothing (lease)."""
    connection = TikTokConnection.objects.active().filter(pk=connection_id).first()
    if connection is None or not connection.adv_id or not connection.access_token:
        return RefreshOutcome(None)
    lease = f"tiktok-ads-refresh:{connection_id}"
    owner = lease_acquire(lease, _lease_seconds())
    if owner is None:
        return RefreshOutcome(None)
    try:
        # Holding the lease means no other refresh of this connection runs: a "running" run was cut short.
        RefreshRun.objects.filter(connection_id=connection_id, status=RefreshStatus.RUNNING).update(
            status=RefreshStatus.FAILED,
            finished_at=timezone.now(),
            error_message="interrupted: the worker was lost",
        )
        run = RefreshRun.objects.create(connection=connection, trigger=trigger)
        return _refresh(connection, run)
    finally:
        lease_release(lease, owner)


def _refresh(connection: TikTokConnection, run: RefreshRun) -> RefreshOutcome:
    account, _created = AdAccount.objects.get_or_create(
        connection=connection, defaults={"adv_id": connection.adv_id}
    )
    token = connection.access_token or ""
    AdAccount.objects.filter(pk=account.pk).update(last_attempt_at=timezone.now())
    try:
        info = remote.advertiser_info(token, connection.adv_id)
        time_zone = info.timezone if info is not None else account.timezone
        campaigns = remote.campaigns(token, connection.adv_id)
        end = account_today(time_zone)
        rows = remote.report_daily(token, connection.adv_id, end - timedelta(days=HISTORY_DAYS - 1), end)
    except TikTokError as exc:
        return _failed(connection, account, run, exc)
    with transaction.atomic():
        # A disconnect that committed meanwhile wins: nothing is written for a dead connection.
        live = TikTokConnection.objects.select_for_update().active().filter(pk=connection.pk).exists()
        if not live:
            _run_finish(run, RefreshStatus.FAILED, error_message="disconnected during the refresh")
            return RefreshOutcome(run)
        days = _copy_write(account, info.currency if info else "", time_zone, campaigns, rows)
        _run_finish(run, RefreshStatus.SUCCEEDED, campaigns=len(campaigns), days=days)
    return RefreshOutcome(run)


def _copy_write(
    account: AdAccount,
    currency: str,
    time_zone: str,
    campaigns: list[RemoteCampaign],
    rows: list[CampaignDayMetrics],
) -> int:
    now = timezone.now()
    AdAccount.objects.filter(pk=account.pk).update(
        currency=currency or account.currency,
        timezone=time_zone,
        refreshed_at=now,
        last_error_code=None,
        last_error_message="",
        last_error_at=None,
    )
    Campaign.objects.bulk_create(
        [
            Campaign(
                account=account,
                campaign_id=c.campaign_id,
                name=c.campaign_name,
                objective_type=c.objective_type,
                budget=c.budget,
                budget_mode=c.budget_mode,
                operation_status=c.operation_status,
                secondary_status=c.secondary_status,
                position=position,
            )
            for position, c in enumerate(campaigns)
        ],
        update_conflicts=True,
        unique_fields=["account", "campaign_id"],
        update_fields=[
            "name",
            "objective_type",
            "budget",
            "budget_mode",
            "operation_status",
            "secondary_status",
            "position",
        ],
    )
    # Campaigns TikTok no longer lists (deleted there) leave the copy with their figures.
    Campaign.objects.filter(account=account).exclude(
        campaign_id__in=[c.campaign_id for c in campaigns]
    ).delete()
    pks = dict(Campaign.objects.filter(account=account).values_list("campaign_id", "pk"))
    day_rows = [
        CampaignDay(
            campaign_id=pks[r.campaign_id],
            day=r.stat_day,
            spend=r.spend,
            impressions=r.impressions,
            clicks=r.clicks,
            conversions=r.conversions,
        )
        for r in rows
        if r.stat_day is not None and r.campaign_id in pks
    ]
    CampaignDay.objects.bulk_create(
        day_rows,
        update_conflicts=True,
        unique_fields=["campaign", "day"],
        update_fields=["spend", "impressions", "clicks", "conversions"],
    )
    if day_rows:
        oldest = min(d.day for d in day_rows)
        CampaignDay.objects.filter(campaign__account=account, day__lt=oldest).delete()
    return len(day_rows)


def _failed(
    connection: TikTokConnection, account: AdAccount, run: RefreshRun, exc: TikTokError
) -> RefreshOutcome:
    summary = error_summary(exc)
    # The one rule for what disconnects: a real AuthError does, anything else is the connection's last error.
    connection_auto_disconnect(connection.pk, error=exc)
    retryable = isinstance(exc, RetryableError)
    AdAccount.objects.filter(pk=account.pk).update(
        last_error_code=summary["code"] if isinstance(summary["code"], int) else None,
        last_error_message=summary["message"],
        last_error_at=timezone.now(),
    )
    status = RefreshStatus.KEPT_LAST_COPY if retryable else RefreshStatus.FAILED
    if isinstance(exc, AuthError):
        status = RefreshStatus.FAILED
    _run_finish(
        run,
        status,
        error_code=summary["code"] if isinstance(summary["code"], int) else None,
        error_message=summary["message"],
    )
    return RefreshOutcome(run, retryable=retryable)


def _run_finish(run: RefreshRun, status: str, **fields: object) -> None:
    RefreshRun.objects.filter(pk=run.pk).update(status=status, finished_at=timezone.now(), **fields)
    run.refresh_from_db()


def connections_to_refresh() -> list[int]:
    return list(
        TikTokConnection.objects.active().exclude(adv_id="").order_by("pk").values_list("pk", flat=True)
    )
