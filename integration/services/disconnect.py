"""Ending a connection: by hand (the *Disconnect* button, ops) or automatically, when TikTok says the token
or the account is gone. Both clear local state with a compare-and-set first, so calling twice, from two
workers or a retried task, disconnects once."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record, error_summary
from core.models import AuditAction
from tiktok_api.errors import AuthError

from .. import events, remote
from ..models import ConnectionStatus, DisconnectReason, TikTokConnection
from .notifications import admins_notify_disconnected

logger = logging.getLogger(__name__)

SYSTEM_ACTOR = "TikTok for Business"

# TikTok's answer -> why the connection ended. Everything else (throttling, 5xx, timeouts, 40104 "no token
# sent", 40001 on a single object) is not a reason to disconnect.
AUTH_REASON_TO_DISCONNECT = {
    "revoked": DisconnectReason.TOKEN_REVOKED,
    "expired": DisconnectReason.TOKEN_EXPIRED,
    "invalid": DisconnectReason.TOKEN_INVALID,
}
AUTH_CODE_TO_DISCONNECT = {
    40105: DisconnectReason.TOKEN_REVOKED,
    40102: DisconnectReason.TOKEN_EXPIRED,
    40106: DisconnectReason.TOKEN_INVALID,
}
AUTOMATIC_REASONS = frozenset(
    {
        DisconnectReason.TOKEN_REVOKED,
        DisconnectReason.TOKEN_EXPIRED,
        DisconnectReason.TOKEN_INVALID,
        DisconnectReason.ACCOUNT_SUSPENDED,
        DisconnectReason.PROFILE_GONE,
    }
)


def connection_record_error(connection_id: int, *, error: BaseException) -> None:
    """Remember the last error TikTok answered for this connection (shown under connection health).
    Never disconnects: callers pass AuthErrors to `connection_auto_disconnect` instead."""
    summary = error_summary(error)
    TikTokConnection.objects.filter(pk=connection_id).update(
        last_error_code=summary["code"],
        last_error_message=summary["message"],
        last_error_at=timezone.now(),
    )


@dataclass(frozen=True)
class DisconnectResult:
    connection_id: int
    # True when this call ended the connection; False when it was already disconnected (nothing done).
    disconnected: bool
    # TikTok's side: None when not attempted, True when TikTok confirmed, False when it failed.
    remote_ok: bool | None = None
    remote_errors: tuple[str, ...] = field(default_factory=tuple)

    @property
    def manual_steps_needed(self) -> bool:
        """The merchant should remove VTEX from TikTok's Authorizations page by hand."""
        return self.remote_ok is False


def _clear_locally(
    connection_id: int,
    *,
    reason: str,
    actor: AbstractBaseUser | None,
    detail: str,
) -> tuple[TikTokConnection | None, str]:
    """Compare-and-set connected -> disconnected and drop the token. Returns (connection, old_token) when
    this call won, (None, "") when the connection was not connected any more."""
    connection = TikTokConnection.objects.filter(pk=connection_id).first()
    if connection is None or not connection.is_active:
        return None, ""
    token = connection.access_token or ""
    now = timezone.now()
    user = actor if actor is not None and actor.is_authenticated else None
    won = TikTokConnection.objects.filter(pk=connection_id, status=ConnectionStatus.CONNECTED).update(
        status=ConnectionStatus.DISCONNECTED,
        disconnected_at=now,
        disconnected_by=user,
        disconnect_reason=reason,
        disconnect_detail=detail[:2000],
        access_token="",
    )
    if not won:
        return None, ""
    connection.refresh_from_db()
    return connection, token


def connection_disconnect(
    connection_id: int,
    *,
    reason: str,
    actor: AbstractBaseUser | None = None,
    detail: str = "",
) -> DisconnectResult:
    """Disconnect a store from TikTok for Business (the *Disconnect* button, `tiktok_disconnect`, or any
    app that must stop the integration).

    Local state is cleared first, with a compare-and-set, so the pixel and the catalog sync stop at once
    (they check `connection_is_active`) even if TikTok cannot be reached. Then TikTok is told: business
    profile disconnect and token revocation. Their failure is recorded and reported, not raised: the
    page shows the seed's manual steps. Calling it again on a disconnected connection does nothing.
    """
    connection, token = _clear_locally(connection_id, reason=reason, actor=actor, detail=detail)
    if connection is None:
        return DisconnectResult(connection_id=connection_id, disconnected=False)

    errors: list[str] = []
    for step, call in (
        (
            "business_profile_disconnect",
            lambda: remote.business_profile_disconnect(connection.external_business_id),
        ),
        ("revoke_token", lambda: _revoke_if_alive(token)),
    ):
        try:
            call()
        except Exception as exc:  # noqa: BLE001 - any TikTok/transport failure is reported, never raised
            summary = error_summary(exc)
            errors.append(
                f"{step}: {summary['message']} (code {summary['code']}, request {summary['request_id']})"
            )
            logger.warning(
                "tiktok disconnect step failed connection=%s step=%s code=%s request_id=%s",
                connection_id,
                step,
                summary["code"],
                summary["request_id"],
            )
    if errors:
        TikTokConnection.objects.filter(pk=connection_id).update(
            remote_disconnect_error="\n".join(errors)[:4000]
        )

    audit_record(
        connection.store_id,
        AuditAction.DISCONNECTED,
        actor=actor,
        actor_label="" if actor is not None else "ops",
        detail={
            "connection_id": connection_id,
            "reason": reason,
            "detail": detail[:500],
            "remote_ok": not errors,
            "remote_errors": errors,
        },
    )
    events.publish(
        events.ConnectionDisconnected(
            store_id=connection.store_id, connection_id=connection_id, reason=reason
        )
    )
    logger.info(
        "tiktok connection disconnected connection=%s reason=%s remote_ok=%s",
        connection_id,
        reason,
        not errors,
    )
    return DisconnectResult(
        connection_id=connection_id, disconnected=True, remote_ok=not errors, remote_errors=tuple(errors)
    )


def _revoke_if_alive(token: str) -> None:
    """Revoke the token; TikTok's business-profile disconnect usually revoked it already, and a token TikTok
    calls revoked/expired/invalid is exactly the outcome wanted."""
    if not token:
        return
    try:
        remote.revoke_token(token)
    except AuthError:
        return


def disconnect_reason_for(error: object) -> str | None:
    """Which automatic-disconnect reason `error` means, or None when it must not disconnect.

    Accepts a `tiktok_api.errors.AuthError` (or anything carrying one of its codes), a DisconnectReason
    for the cases TikTok reports outside an error (suspended account, empty business profile)."""
    if isinstance(error, str):
        return error if error in AUTOMATIC_REASONS else None
    if isinstance(error, AuthError):
        return AUTH_REASON_TO_DISCONNECT.get(str(error.reason), DisconnectReason.TOKEN_REVOKED)
    code = getattr(error, "code", None)
    if isinstance(code, int) and code in AUTH_CODE_TO_DISCONNECT and isinstance(error, Exception):
        return AUTH_CODE_TO_DISCONNECT[code]
    return None


def _refine_with_profile(connection: TikTokConnection, reason: str) -> tuple[str, str]:
    """TikTok answers 40105 for a suspended account too; its business profile says which it is."""
    if reason != DisconnectReason.TOKEN_REVOKED:
        return reason, ""
    try:
        profile = remote.business_profile_get(connection.access_token or "", connection.external_business_id)
    except Exception:  # noqa: BLE001 - the refinement is best effort; the revocation stands
        return reason, ""
    if profile is not None and profile.suspended:
        return DisconnectReason.ACCOUNT_SUSPENDED, profile.suspension_reason or ""
    return reason, ""


def connection_auto_disconnect(connection_id: int, *, error: object) -> bool:
    """Disconnect because TikTok says the token is revoked/expired/invalid or the account is suspended or
    gone. Returns True only when this call disconnected the connection.

    Any other error (throttling, 5xx, timeouts, 40104 missing token, 40001 on one object) is recorded as
    the connection's last error and never disconnects."""
    return auto_disconnect(connection_id, error, refine=True)


def auto_disconnect(connection_id: int, error: object, *, refine: bool, detail: str = "") -> bool:
    """`connection_auto_disconnect`, for the health check too: `refine=False` when the business profile
    itself just failed (asking it again would tell nothing new), `detail` when TikTok gave a reason."""
    reason = disconnect_reason_for(error)
    if reason is None:
        if isinstance(error, BaseException):
            connection_record_error(connection_id, error=error)
        return False
    connection = TikTokConnection.objects.filter(pk=connection_id).first()
    if connection is None or not connection.is_active:
        return False
    if isinstance(error, BaseException):
        connection_record_error(connection_id, error=error)
        tiktok_says = ""
        if refine:
            reason, tiktok_says = _refine_with_profile(connection, reason)
        summary = error_summary(error)
    else:
        tiktok_says = ""
        summary = {"code": None, "message": "", "request_id": ""}
    detail = detail or tiktok_says or summary["message"]
    cleared, _token = _clear_locally(connection_id, reason=reason, actor=None, detail=detail)
    if cleared is None:
        return False
    # The token is dead or the account is gone: TikTok's side needs no disconnect call.
    audit_record(
        cleared.store_id,
        AuditAction.AUTO_DISCONNECTED,
        actor_label=SYSTEM_ACTOR,
        detail={
            "connection_id": connection_id,
            "reason": reason,
            "code": summary["code"],
            "message": detail[:500],
            "request_id": summary["request_id"],
        },
    )
    store_id = cleared.store_id
    events.publish(
        events.ConnectionDisconnected(store_id=store_id, connection_id=connection_id, reason=reason)
    )
    transaction.on_commit(lambda: admins_notify_disconnected(store_id, connection_id))
    logger.warning("tiktok connection auto-disconnected connection=%s reason=%s", connection_id, reason)
    return True
