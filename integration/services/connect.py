"""Connecting a store: the onboarding at TikTok (a single-use `state`, the signed `external_data`) and the
OAuth callback that stores the connection."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record, error_summary
from core.models import AuditAction
from store.models import Store

from .. import events, remote
from ..destinations import ID_RE
from ..errors import IntegrationError
from ..failures import ACCOUNT_SUSPENDED, account_suspended_message, failure_message
from ..models import ConnectAttempt, ConnectionStatus, TikTokConnection, TikTokSetup
from ..oauth import OAuthStates, StateRefused
from .setup import store_eligibility

logger = logging.getLogger(__name__)

# Creating a Business Center, an ad account, a pixel and a catalog at TikTok takes a while.
STATE_LIFETIME = timedelta(minutes=60)
SESSION_STATES_KEY = "tiktok_connect_states"
MAX_PENDING_STATES = 5
STATES = OAuthStates(ConnectAttempt, SESSION_STATES_KEY, STATE_LIFETIME, MAX_PENDING_STATES)


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
    state = STATES.new()
    try:
        url = remote.onboarding_url(
            setup,
            state=state,
            redirect_uri=callback_url(store),
            locale=merchant_locale(language_code),
            previous=previous_assets_for(store.pk),
        )
    except ValueError as exc:  # tiktok_api.ExternalDataError: e.g. longer than TikTok accepts in a URL
        logger.warning("tiktok external_data could not be built store=%s reason=%s", store.pk, exc)
        raise IntegrationError(
            _("Your store details are too long for TikTok. Shorten the store name and try again."),
            code="external_data",
        ) from exc
    STATES.record(state, store=store, user=user, session=session)
    audit_record(
        store.pk, AuditAction.CONNECT_STARTED, actor=user, detail={"affiliate_id": setup.affiliate_id}
    )
    return url


def previous_assets_for(store_id: int) -> dict[str, str]:
    """The Business Center, ad account, pixel and catalog of the store's last connection that had a
    Business Center, all four from that one connection (TikTok offers a pixel and a catalog only inside
    their own ad account and Business Center). Empty for a store that never connected."""
    row = (
        TikTokConnection.objects.for_store(store_id)
        .exclude(bc_id="")
        .order_by("-connected_at", "-pk")
        .values("bc_id", "adv_id", "pixel_code", "catalog_id")
        .first()
    )
    return {name: value for name, value in (row or {}).items() if value}


def _state_consume(store: Store, *, user: AbstractBaseUser, session: Any, state: str, outcome: str) -> None:
    """Accept `state` exactly once, for this session, store and user, within its lifetime."""
    try:
        STATES.consume(store, user=user, session=session, state=state, outcome=outcome)
    except StateRefused as refused:
        messages = {
            "bad_state": _("The answer from TikTok could not be verified. Start the connection again."),
            "replayed_state": _("This answer from TikTok was already used. Start the connection again."),
            "expired_state": _(
                "The connection took longer than 60 minutes and expired. Start the connection again."
            ),
        }
        raise IntegrationError(messages[refused.reason], code=refused.reason) from None


def _fail(
    store: Store, user: AbstractBaseUser, code: str, message: str, detail: dict[str, str] | None = None
) -> IntegrationError:
    audit_record(store.pk, AuditAction.CONNECT_FAILED, actor=user, detail={"code": code, **(detail or {})})
    return IntegrationError(message, code=code)


def connect_cancelled(store: Store, *, user: AbstractBaseUser, session: Any, state: str, error: str) -> None:
    """The merchant cancelled (or TikTok refused) the onboarding: burn the state, store nothing."""
    _state_consume(store, user=user, session=session, state=state, outcome="cancelled")
    audit_record(store.pk, AuditAction.CONNECT_CANCELLED, actor=user, detail={"error": error[:100]})


def connect_complete(
    store: Store, *, user: AbstractBaseUser, session: Any, state: str, auth_code: str
) -> TikTokConnection:
    """The OAuth callback: verify `state`, exchange `auth_code`, read what the onboarding resolved to
    (business profile, the pixel's Advanced Matching), store the token encrypted, tell the channels
    (`ConnectionConnected`: the catalog sync starts the first full sync on commit). Nothing is stored
    unless every step succeeded."""
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
        logger.warning("tiktok auth_code exchange failed store=%s %s", store.pk, error_summary(exc))
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
        logger.warning("tiktok business profile read failed store=%s %s", store.pk, error_summary(exc))
        _drop_token()
        raise _fail(
            store,
            user,
            "profile_failed",
            _("TikTok could not be reached to finish the connection. Try again."),
        ) from exc
    if profile is not None and profile.suspended:
        _drop_token()
        reason = (profile.suspension_reason or "")[:500]
        raise _fail(
            store,
            user,
            ACCOUNT_SUSPENDED,
            account_suspended_message(_clean_id(profile.adv_id), reason),
            {"adv_id": _clean_id(profile.adv_id), "message": reason},
        )
    if profile is None or not profile.connected:
        _drop_token()
        raise _fail(store, user, "profile_incomplete", str(failure_message("profile_incomplete")))

    advanced_matching: bool | None = None
    if profile.adv_id and profile.pixel_code:
        try:
            advanced_matching = remote.pixel_advanced_matching(
                grant.access_token, profile.adv_id, profile.pixel_code
            )
        except Exception as exc:  # noqa: BLE001 - the toggle then starts off; the merchant can turn it on
            logger.warning("tiktok pixel/list failed store=%s %s", store.pk, error_summary(exc))

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
    except IntegrityError as exc:
        # Another callback connected this store a moment ago; keep that one.
        raise IntegrationError(
            _("This store is already connected to TikTok."), code="already_connected"
        ) from exc
    # After the block, so a subscriber's own IntegrityError is not taken for a concurrent connect.
    events.publish(events.ConnectionConnected(store_id=store.pk, connection_id=connection.pk))
    logger.info("tiktok connection created store=%s connection=%s", store.pk, connection.pk)
    return connection


def _clean_id(value: str | None) -> str:
    """An ID from TikTok as we store it; anything that is not a plain ID is dropped (its button is then
    disabled) rather than stored or put into a URL."""
    return value if value and ID_RE.match(value) and len(value) <= 32 else ""
