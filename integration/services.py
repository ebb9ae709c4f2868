"""Connecting a store to TikTok for Business, keeping it healthy and disconnecting it.

Every state change of a connection goes through this module: views, tasks, commands and the other apps
(catalog_sync, pixel, tiktok_shop) call these functions. State changes are compare-and-set updates, so
two workers, a double click or a retried task cannot disconnect twice or connect twice.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from store import services as store_services
from store.models import Store
from store.selectors import store_admin_emails

from . import remote
from .crypto import encrypted_with_primary_key, rotate_str
from .destinations import ID_RE
from .models import (
    AuditAction,
    AuditEvent,
    ConnectAttempt,
    ConnectionStatus,
    DisconnectReason,
    HealthCheckRun,
    TikTokConnection,
    TikTokSetup,
)

logger = logging.getLogger(__name__)

# Creating a Business Center, an ad account, a pixel and a catalog at TikTok takes a while.
STATE_LIFETIME = timedelta(minutes=60)
SESSION_STATES_KEY = "tiktok_connect_states"
MAX_PENDING_STATES = 5
SYSTEM_ACTOR = "TikTok"
TIKTOK_AFFILIATE_NAME = "TikTok"

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


class IntegrationError(Exception):
    """A refused request. `message` is safe to show to the merchant (already translated)."""

    def __init__(self, message: str, *, code: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# --- audit -------------------------------------------------------------------------------------


def audit_record(
    store_id: int,
    action: str,
    *,
    actor: AbstractBaseUser | None = None,
    actor_label: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append to the store's audit trail. `detail` must never hold a secret (token, code, state)."""
    user = actor if actor is not None and actor.is_authenticated else None
    return AuditEvent.objects.create(
        store_id=store_id,
        actor=user,
        actor_label=actor_label if user is None else "",
        action=action,
        detail=detail or {},
    )


def _error_summary(error: BaseException) -> dict[str, Any]:
    """What we keep of a TikTok error: code, message and request_id (never the request itself)."""
    return {
        "code": getattr(error, "code", None),
        "message": str(getattr(error, "message", "") or error.__class__.__name__)[:500],
        "request_id": str(getattr(error, "request_id", "") or ""),
    }


# --- errors seen from TikTok ---------------------------------------------------------------------


def connection_record_error(connection_id: int, *, error: BaseException) -> None:
    """Remember the last error TikTok answered for this connection (shown under connection health).
    Never disconnects: callers pass AuthErrors to `connection_auto_disconnect` instead."""
    summary = _error_summary(error)
    TikTokConnection.objects.filter(pk=connection_id).update(
        last_error_code=summary["code"],
        last_error_message=summary["message"],
        last_error_at=timezone.now(),
    )


def _pixel_cache_invalidate(store_id: int) -> None:
    try:
        from pixel.cache import pixel_config_invalidate
    except ImportError:
        # The pixel app reads the connection on every request until it ships its cache.
        return
    pixel_config_invalidate(store_id)


# --- disconnect ----------------------------------------------------------------------------------


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
            summary = _error_summary(exc)
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
    _pixel_cache_invalidate(connection.store_id)
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
    from tiktok_api.errors import AuthError

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
    try:
        from tiktok_api.errors import AuthError
    except ImportError:  # pragma: no cover - tiktok_api is part of this repository
        AuthError = ()  # type: ignore[assignment,misc]  # noqa: N806
    if AuthError and isinstance(error, AuthError):
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
    return _auto_disconnect(connection_id, error, refine=True)


def _auto_disconnect(connection_id: int, error: object, *, refine: bool, detail: str = "") -> bool:
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
        summary = _error_summary(error)
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
    _pixel_cache_invalidate(cleared.store_id)
    store_id = cleared.store_id
    transaction.on_commit(lambda: admins_notify_disconnected(store_id, connection_id))
    logger.warning("tiktok connection auto-disconnected connection=%s reason=%s", connection_id, reason)
    return True


def admins_notify_disconnected(store_id: int, connection_id: int) -> int:
    """E-mail the store's admins that TikTok ended the connection, in the store's language."""
    store = Store.objects.get(pk=store_id)
    connection = TikTokConnection.objects.get(pk=connection_id)
    recipients = store_admin_emails(store_id)
    if not recipients:
        return 0
    page_url = settings.PUBLIC_BASE_URL + reverse("tiktok-page", kwargs={"account": store.account})
    with translation.override(store.locale or settings.LANGUAGE_CODE):
        subject = _("TikTok for Business was disconnected from %(store)s") % {"store": store.name}
        body = "\n\n".join(
            [
                _("TikTok ended the connection of your store %(store)s with TikTok for Business.")
                % {"store": store.name},
                _("Reason: %(reason)s") % {"reason": connection.get_disconnect_reason_display()},
                _(
                    "The TikTok Pixel and the integration with your store's catalog are deactivated. "
                    "Products already on TikTok stay there."
                ),
                _("To reconnect, repeat the setup on the TikTok page: %(url)s") % {"url": page_url},
            ]
        )
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)


# --- eligibility and setup -----------------------------------------------------------------------


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reasons: tuple[str, ...]


def store_eligibility(store: Store, *, brl_policy_count: int | None = None) -> Eligibility:
    """TikTok for Business is available only for stores in Brazil selling through a BRL trade policy."""
    reasons: list[str] = []
    if store.country != "BR":
        reasons.append(_("The integration with TikTok is available only for stores in Brazil."))
    if brl_policy_count is None:
        brl_policy_count = store.trade_policies.filter(currency="BRL", is_active=True).count()
    if brl_policy_count == 0:
        reasons.append(_("The store needs an active trade policy in Brazilian reais (BRL)."))
    return Eligibility(eligible=not reasons, reasons=tuple(reasons))


def setup_confirm(store: Store, data: dict[str, Any], *, actor: AbstractBaseUser) -> TikTokSetup:
    """Save the confirmed setup form. The affiliate ID and the website are set once, at creation:
    later confirmations (a reconnect) keep them whatever was posted."""
    if not store_eligibility(store).eligible:
        raise IntegrationError(
            _("The integration with TikTok is not available for this store."), code="ineligible"
        )
    policy = data["trade_policy"]
    if policy.store_id != store.pk or policy.currency != "BRL":
        raise IntegrationError(_("Choose a trade policy in Brazilian reais (BRL)."), code="trade_policy")
    editable = {
        "trade_policy": policy,
        "store_name": data["store_name"],
        "segment": data["segment"],
        "country": data["country"],
        "time_zone": data["time_zone"],
        "contact_email": data["contact_email"],
        "phone_country_code": data["phone_country_code"],
        "phone": data["phone"],
    }
    now = timezone.now()
    with transaction.atomic():
        setup = TikTokSetup.objects.select_for_update().filter(store=store).first()
        created = setup is None
        if setup is None:
            affiliate_id = data["affiliate_id"]
            try:
                store_services.affiliate_create(store, code=affiliate_id, name=TIKTOK_AFFILIATE_NAME)
            except store_services.AffiliateTakenError as exc:
                raise IntegrationError(
                    _("The affiliate ID %(code)s is already used in this store. Choose a new one.")
                    % {"code": affiliate_id},
                    code="affiliate_taken",
                ) from exc
            setup = TikTokSetup.objects.create(
                store=store,
                affiliate_id=affiliate_id,
                website=data["website"],
                external_business_id=f"vtex-{store.account}-{secrets.token_hex(6)}",
                confirmed_at=now,
                **editable,
            )
        else:
            for name, value in editable.items():
                setattr(setup, name, value)
            setup.confirmed_at = now
            setup.save()
        audit_record(
            store.pk,
            AuditAction.SETUP_SAVED,
            actor=actor,
            detail={"affiliate_id": setup.affiliate_id, "created": created, "trade_policy": policy.code},
        )
    return setup


# --- connect -------------------------------------------------------------------------------------


def state_hash(state: str) -> str:
    """What is stored of an OAuth `state`: never the value itself."""
    return hashlib.sha256(state.encode()).hexdigest()


def merchant_locale(language_code: str | None) -> str:
    """TikTok's onboarding locale for the merchant's admin language."""
    code = (language_code or settings.LANGUAGE_CODE).lower()
    if code.startswith("pt"):
        return "pt-BR"
    if code.startswith("es"):
        return "es"
    return "en"


def callback_url(store: Store) -> str:
    return settings.PUBLIC_BASE_URL + reverse("tiktok-callback", kwargs={"account": store.account})


def connect_start(store: Store, *, user: AbstractBaseUser, session: Any, language_code: str | None) -> str:
    """Begin the onboarding: a fresh single-use `state` (only its hash is stored, in the database and in
    the session) and the URL of TikTok's onboarding with the signed `external_data`."""
    if not store_eligibility(store).eligible:
        raise IntegrationError(
            _("The integration with TikTok is not available for this store."), code="ineligible"
        )
    setup = TikTokSetup.objects.filter(store=store, confirmed_at__isnull=False).first()
    if setup is None:
        raise IntegrationError(_("Fill in and confirm the setup form first."), code="no_setup")
    if TikTokConnection.objects.active().for_store(store.pk).exists():
        raise IntegrationError(_("This store is already connected to TikTok."), code="already_connected")
    state = secrets.token_urlsafe(32)
    try:
        url = remote.onboarding_url(
            setup, state=state, redirect_uri=callback_url(store), locale=merchant_locale(language_code)
        )
    except ValueError as exc:  # tiktok_api.ExternalDataError: e.g. longer than TikTok accepts in a URL
        logger.warning("tiktok external_data could not be built store=%s reason=%s", store.pk, exc)
        raise IntegrationError(
            _("Your store details are too long for TikTok. Shorten the store name and try again."),
            code="external_data",
        ) from exc
    digest = state_hash(state)
    now = timezone.now()
    ConnectAttempt.objects.create(
        store=store, user=user, state_hash=digest, created_at=now, expires_at=now + STATE_LIFETIME
    )
    pending = [h for h in session.get(SESSION_STATES_KEY, []) if isinstance(h, str)]
    session[SESSION_STATES_KEY] = (pending + [digest])[-MAX_PENDING_STATES:]
    audit_record(
        store.pk, AuditAction.CONNECT_STARTED, actor=user, detail={"affiliate_id": setup.affiliate_id}
    )
    return url


def _state_consume(store: Store, *, user: AbstractBaseUser, session: Any, state: str, outcome: str) -> None:
    """Accept `state` exactly once, for this session, store and user, within its lifetime."""
    if not state or len(state) > 200:
        raise IntegrationError(
            _("The answer from TikTok could not be verified. Start the connection again."), code="bad_state"
        )
    digest = state_hash(state)
    pending = [h for h in session.get(SESSION_STATES_KEY, []) if isinstance(h, str)]
    if digest not in pending:
        raise IntegrationError(
            _("The answer from TikTok could not be verified. Start the connection again."), code="bad_state"
        )
    session[SESSION_STATES_KEY] = [h for h in pending if h != digest]
    now = timezone.now()
    taken = ConnectAttempt.objects.filter(
        state_hash=digest, store=store, user=user, used_at__isnull=True
    ).update(used_at=now, outcome=outcome)
    if not taken:
        raise IntegrationError(
            _("This answer from TikTok was already used. Start the connection again."), code="replayed_state"
        )
    if not ConnectAttempt.objects.filter(state_hash=digest, expires_at__gt=now).exists():
        ConnectAttempt.objects.filter(state_hash=digest).update(outcome="expired")
        raise IntegrationError(
            _("The connection took longer than 60 minutes and expired. Start the connection again."),
            code="expired_state",
        )


def _fail(store: Store, user: AbstractBaseUser, code: str, message: str) -> IntegrationError:
    audit_record(store.pk, AuditAction.CONNECT_FAILED, actor=user, detail={"code": code})
    return IntegrationError(message, code=code)


def connect_cancelled(store: Store, *, user: AbstractBaseUser, session: Any, state: str, error: str) -> None:
    """The merchant cancelled (or TikTok refused) the onboarding: burn the state, store nothing."""
    _state_consume(store, user=user, session=session, state=state, outcome="cancelled")
    audit_record(store.pk, AuditAction.CONNECT_CANCELLED, actor=user, detail={"error": error[:100]})


def connect_complete(
    store: Store, *, user: AbstractBaseUser, session: Any, state: str, auth_code: str
) -> TikTokConnection:
    """The OAuth callback: verify `state`, exchange `auth_code`, read what the onboarding resolved to
    (business profile, the pixel's Advanced Matching), store the token encrypted, start the first sync.
    Nothing is stored unless every step succeeded."""
    _state_consume(store, user=user, session=session, state=state, outcome="callback")
    setup = TikTokSetup.objects.filter(store=store).first()
    if setup is None:
        raise _fail(store, user, "no_setup", _("Fill in and confirm the setup form first."))
    if not auth_code or len(auth_code) > 500:
        raise _fail(
            store, user, "bad_code", _("TikTok did not send a valid authorization. Try connecting again.")
        )

    try:
        grant = remote.exchange_code(auth_code)
    except Exception as exc:  # noqa: BLE001 - every failure means "nothing stored", with its reason logged
        logger.warning("tiktok auth_code exchange failed store=%s %s", store.pk, _error_summary(exc))
        raise _fail(
            store,
            user,
            "exchange_failed",
            _("TikTok did not accept the authorization. Try connecting again."),
        ) from exc

    def _drop_token() -> None:
        try:
            remote.revoke_token(grant.access_token)
        except Exception:  # noqa: BLE001 - best effort: the token is not stored anyway
            logger.warning("tiktok revoke after failed connect failed store=%s", store.pk)

    try:
        profile = remote.business_profile_get(grant.access_token, setup.external_business_id)
    except Exception as exc:  # noqa: BLE001
        logger.warning("tiktok business profile read failed store=%s %s", store.pk, _error_summary(exc))
        _drop_token()
        raise _fail(
            store,
            user,
            "profile_failed",
            _("TikTok could not be reached to finish the connection. Try again."),
        ) from exc
    if profile is None or not profile.connected:
        _drop_token()
        raise _fail(
            store,
            user,
            "profile_incomplete",
            _("The setup at TikTok was not finished. Connect again and click Finish Setup at TikTok."),
        )

    advanced_matching: bool | None = None
    if profile.adv_id and profile.pixel_code:
        try:
            advanced_matching = remote.pixel_advanced_matching(
                grant.access_token, profile.adv_id, profile.pixel_code
            )
        except Exception as exc:  # noqa: BLE001 - the toggle then starts off; the merchant can turn it on
            logger.warning("tiktok pixel/list failed store=%s %s", store.pk, _error_summary(exc))

    try:
        with transaction.atomic():
            connection = TikTokConnection.objects.create(
                store=store,
                status=ConnectionStatus.CONNECTED,
                external_business_id=setup.external_business_id,
                bc_id=_clean_id(profile.bc_id),
                adv_id=_clean_id(profile.adv_id),
                pixel_code=_clean_id(profile.pixel_code),
                catalog_id=_clean_id(profile.catalog_id),
                core_user_id=_clean_id(profile.core_user_id),
                advertiser_ids=[a for a in grant.advertiser_ids if _clean_id(a)],
                access_token=grant.access_token,
                advanced_matching=bool(advanced_matching),
                advanced_matching_at_tiktok=advanced_matching,
                connected_at=timezone.now(),
                connected_by=user,
            )
            audit_record(
                store.pk,
                AuditAction.CONNECTED,
                actor=user,
                detail={
                    "connection_id": connection.pk,
                    "bc_id": connection.bc_id,
                    "adv_id": connection.adv_id,
                    "pixel_code": connection.pixel_code,
                    "catalog_id": connection.catalog_id,
                    "advanced_matching": connection.advanced_matching,
                },
            )
            connection_id = connection.pk
            transaction.on_commit(lambda: _start_first_sync(connection_id))
    except IntegrityError as exc:
        # Another callback connected this store a moment ago; keep that one.
        raise IntegrationError(
            _("This store is already connected to TikTok."), code="already_connected"
        ) from exc
    _pixel_cache_invalidate(store.pk)
    logger.info("tiktok connection created store=%s connection=%s", store.pk, connection.pk)
    return connection


def _clean_id(value: str | None) -> str:
    """An ID from TikTok as we store it; anything that is not a plain ID is dropped (its button is then
    disabled) rather than stored or put into a URL."""
    return value if value and ID_RE.match(value) and len(value) <= 32 else ""


def _start_first_sync(connection_id: int) -> None:
    try:
        from catalog_sync.services import connection_start_full_sync
    except ImportError:
        # Before the catalog sync ships there is nothing to start.
        return
    connection_start_full_sync(connection_id)


# --- Advanced Matching ---------------------------------------------------------------------------


def advanced_matching_set(connection_id: int, *, enabled: bool, actor: AbstractBaseUser) -> bool:
    """Turn Advanced Matching on or off for our pixel. Returns True when the value changed."""
    changed = (
        TikTokConnection.objects.active()
        .filter(pk=connection_id)
        .exclude(advanced_matching=enabled)
        .update(advanced_matching=enabled)
    )
    if not changed:
        if not TikTokConnection.objects.active().filter(pk=connection_id).exists():
            raise IntegrationError(_("This store is not connected to TikTok."), code="not_connected")
        return False
    store_id = TikTokConnection.objects.values_list("store_id", flat=True).get(pk=connection_id)
    audit_record(
        store_id,
        AuditAction.ADVANCED_MATCHING_ON if enabled else AuditAction.ADVANCED_MATCHING_OFF,
        actor=actor,
        detail={"connection_id": connection_id},
    )
    _pixel_cache_invalidate(store_id)
    return True


# --- health check --------------------------------------------------------------------------------


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
    except Exception as exc:  # noqa: BLE001 - classification happens in _auto_disconnect
        TikTokConnection.objects.filter(pk=connection_id).update(last_checked_at=now)
        # The profile itself failed, so asking it again to refine the reason would tell nothing new.
        disconnected = _auto_disconnect(connection_id, exc, refine=False)
        return CheckResult(connection_id, healthy=False, disconnected=disconnected, error=str(exc)[:200])
    TikTokConnection.objects.filter(pk=connection_id).update(last_checked_at=now)
    if profile is None:
        reason = DisconnectReason.PROFILE_GONE
    elif profile.suspended:
        reason = DisconnectReason.ACCOUNT_SUSPENDED
    else:
        return CheckResult(connection_id, healthy=True, disconnected=False)
    detail = str(profile.suspension_reason or "") if profile is not None else ""
    disconnected = _auto_disconnect(connection_id, reason, refine=False, detail=detail)
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


# --- key rotation --------------------------------------------------------------------------------


def tokens_rotate() -> tuple[int, int]:
    """Re-encrypt every stored token with the newest key of FIELD_ENCRYPTION_KEYS (the first one).
    Returns (rotated, already current). Running it twice is harmless."""
    rotated = current = 0
    for pk, raw in _raw_tokens():
        if encrypted_with_primary_key(raw):
            current += 1
            continue
        if _raw_token_write(pk, raw, rotate_str(raw)):
            rotated += 1
    if rotated:
        logger.info("tiktok tokens re-encrypted with the newest key count=%s", rotated)
    return rotated, current


def _raw_tokens() -> list[tuple[int, str]]:
    from django.db import connection as db

    table = TikTokConnection._meta.db_table
    with db.cursor() as cursor:
        cursor.execute(f"SELECT id, access_token FROM {table} WHERE access_token <> ''")  # noqa: S608
        return [(int(pk), str(raw)) for pk, raw in cursor.fetchall()]


def _raw_token_write(pk: int, old: str, new: str) -> bool:
    from django.db import connection as db

    table = TikTokConnection._meta.db_table
    with db.cursor() as cursor:
        # Compare-and-set on the old ciphertext: a connect/disconnect in between wins.
        cursor.execute(
            f"UPDATE {table} SET access_token = %s WHERE id = %s AND access_token = %s",  # noqa: S608
            [new, pk, old],
        )
        return cursor.rowcount == 1
