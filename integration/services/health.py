"""The health check: ask TikTok whether each connection still stands (beat, every 15 minutes)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from .. import remote
from ..models import DisconnectReason, HealthCheckRun, TikTokConnection
from .disconnect import auto_disconnect


@dataclass(frozen=True)
class CheckResult:
    connection_id: int
    healthy: bool
    disconnected: bool
    error: str = ""


def connection_check(connection_id: int) -> CheckResult:
    """Ask TikTok whether this connection still stands (business profile). A revoked token, a suspended
    account or an empty profile disconnects; anything else is only recorded as the last error."""
    connection = TikTokConnection.objects.active().filter(pk=connection_id).first()
    if connection is None:
        return CheckResult(connection_id, healthy=False, disconnected=False, error="not connected")
    now = timezone.now()
    try:
        profile = remote.business_profile_get(
            connection.access_token or "", connection.external_business_id, interactive=False
        )
    except Exception as exc:  # noqa: BLE001 - classification happens in auto_disconnect
        TikTokConnection.objects.filter(pk=connection_id).update(last_checked_at=now)
        # The profile itself failed, so asking it again to refine the reason would tell nothing new.
        disconnected = auto_disconnect(connection_id, exc, refine=False)
        return CheckResult(connection_id, healthy=False, disconnected=disconnected, error=str(exc)[:200])
    TikTokConnection.objects.filter(pk=connection_id).update(last_checked_at=now)
    if profile is None:
        reason = DisconnectReason.PROFILE_GONE
    elif profile.suspended:
        reason = DisconnectReason.ACCOUNT_SUSPENDED
    else:
        return CheckResult(connection_id, healthy=True, disconnected=False)
    detail = str(profile.suspension_reason or "") if profile is not None else ""
    disconnected = auto_disconnect(connection_id, reason, refine=False, detail=detail)
    return CheckResult(connection_id, healthy=False, disconnected=disconnected, error=str(reason))


def connections_check_all(*, trigger: str = "beat") -> HealthCheckRun:
    """One health-check pass over every connected store, recorded in a run row."""
    run = HealthCheckRun.objects.create(started_at=timezone.now(), trigger=trigger)
    counts = {"checked": 0, "healthy": 0, "disconnected": 0, "errors": 0}
    for connection_id in (
        TikTokConnection.objects.active().order_by("pk").values_list("pk", flat=True).iterator()
    ):
        result = connection_check(connection_id)
        counts["checked"] += 1
        if result.healthy:
            counts["healthy"] += 1
        elif result.disconnected:
            counts["disconnected"] += 1
        else:
            counts["errors"] += 1
    HealthCheckRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), **counts)
    run.refresh_from_db()
    return run
