"""Connecting a TikTok Shop (the seller authorization trip and its single-use `state`) and disconnecting it.

The shop connection is independent of the TikTok for Business (ads) connection: nothing here reads or
changes `integration.TikTokConnection`, and integration's disconnect never touches a shop connection.
State changes are compare-and-set updates.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core.audit import audit_record
from core.models import AuditAction, AuditEvent
from integration.oauth import OAuthStates, StateRefused
from integration.services import merchant_locale
from store.models import Store
from tiktok_api.errors import RetryableError, TikTokError

from .. import remote
from ..models import ShopConnectAttempt, ShopConnection, ShopStatus, StoreChannelSettings
from .channel_settings import (
    channel_settings_for,
    external_business_id_for,
    settings_apply_for_shop,
    settings_restore,
)
from .errors import ShopConnectError

logger = logging.getLogger(__name__)

STATE_LIFETIME = timedelta(minutes=60)
SESSION_STATES_KEY = "tiktok_shop_states"
MAX_PENDING_STATES = 5
STATES = OAuthStates(ShopConnectAttempt, SESSION_STATES_KEY, STATE_LIFETIME, MAX_PENDING_STATES)

# The `error` values TikTok's authorization page sends back (sandbox/SHOP.md), and envelope codes.
REDIRECT_ERRORS = {
    "access_denied",
    "not_shop_owner",
    "shop_already_connected",
    "region_mismatch",
    "store_already_connected",
}
CODE_REASONS = {
    remote.CODE_NOT_SHOP_OWNER: "not_shop_owner",
    remote.CODE_SHOP_ALREADY_CONNECTED: "shop_already_connected",
    remote.CODE_REGION_MISMATCH: "region_mismatch",
    remote.CODE_STORE_ALREADY_CONNECTED: "store_already_connected",
    remote.CODE_BAD_AUTH_CODE: "bad_auth_code",
}


def callback_url(store: Store) -> str:
    return settings.PUBLIC_BASE_URL + reverse("shop-callback", kwargs={"account": store.account})


def live_connection_for_store(store_id: int) -> ShopConnection | None:
    return ShopConnection.objects.live().for_store(store_id).first()


def shop_connect_start(
    store: Store, *, user: AbstractBaseUser, session: Any, language_code: str | None
) -> str:
    """Begin connecting: a single-use `state` (only its hash is kept, in the database and the session)
    and the URL of TikTok's seller authorization page. One store <-> one shop: refused while connected."""
    if live_connection_for_store(store.pk) is not None:
        raise ShopConnectError("store_already_connected")
    external_id = external_business_id_for(store)
    state = STATES.new()
    STATES.record(state, store=store, user=user, session=session)
    StoreChannelSettings.objects.filter(store=store, shop_setup_started_at__isnull=True).update(
        shop_setup_started_at=timezone.now()
    )
    return remote.authorize_url(
        external_id,
        state=state,
        redirect_uri=callback_url(store),
        locale=merchant_locale(language_code),
        country=store.country,
        store_name=store.name,
    )


def _state_consume(store: Store, *, user: AbstractBaseUser, session: Any, state: str, outcome: str) -> None:
    """Accept `state` once, for this session, store and user, within its lifetime. The seller page tells
    a replayed state apart from an unknown one no better than it needs to: both are *bad_state*."""
    try:
        STATES.consume(store, user=user, session=session, state=state, outcome=outcome)
    except StateRefused as refused:
        raise ShopConnectError(
            "expired_state" if refused.reason == "expired_state" else "bad_state"
        ) from None


def _attempt_outcome(state: str, outcome: str) -> None:
    STATES.outcome(state, outcome)


def _undo_remote(external_business_id: str) -> None:
    """We refused a shop TikTok had already bound: unbind it there so both sides agree nothing is stored."""
    try:
        remote.connection_disconnect(external_business_id)
    except TikTokError as exc:
        logger.warning("tiktok shop: undoing a refused connection failed: %s", exc.__class__.__name__)


def shop_connect_complete(
    store: Store,
    *,
    user: AbstractBaseUser,
    session: Any,
    state: str,
    auth_code: str = "",
    error: str = "",
) -> ShopConnection:
    """Finish the trip to TikTok's authorization page. Every refusal raises ShopConnectError and stores
    nothing (no connection, no settings change)."""
    _state_consume(store, user=user, session=session, state=state, outcome="callback")
    if error:
        reason = error if error in REDIRECT_ERRORS else "tiktok_refused"
        _attempt_outcome(state, reason)
        raise ShopConnectError(reason)
    if not auth_code or len(auth_code) > 500:
        _attempt_outcome(state, "bad_auth_code")
        raise ShopConnectError("bad_auth_code")
    if live_connection_for_store(store.pk) is not None:
        _attempt_outcome(state, "store_already_connected")
        raise ShopConnectError("store_already_connected")
    external_id = external_business_id_for(store)
    try:
        shop = remote.connection_create(external_id, auth_code=auth_code, country=store.country)
    except RetryableError as exc:
        _attempt_outcome(state, "tiktok_unavailable")
        raise ShopConnectError("tiktok_unavailable") from exc
    except TikTokError as exc:
        reason = CODE_REASONS.get(exc.code or 0, "tiktok_refused")
        _attempt_outcome(state, reason)
        raise ShopConnectError(reason, detail={"message": exc.message[:200]}) from exc

    # TikTok enforces its rules; we check them again on what it answered before storing anything.
    refusal = ""
    if not shop.is_owner:
        refusal = "not_shop_owner"
    elif shop.region != store.country:
        refusal = "region_mismatch"
    elif ShopConnection.objects.live().filter(shop_id=shop.shop_id).exclude(store=store).exists():
        refusal = "shop_already_connected"
    if refusal:
        _undo_remote(external_id)
        _attempt_outcome(state, refusal)
        raise ShopConnectError(refusal, detail={"region": shop.region, "country": store.country})

    now = timezone.now()
    channel_settings_for(store.pk)
    try:
        with transaction.atomic():
            snapshot = settings_apply_for_shop(store.pk)
            connection = ShopConnection.objects.create(
                store=store,
                shop_id=shop.shop_id,
                shop_name=shop.shop_name,
                region=shop.region,
                seller_id=shop.seller_id,
                seller_name=shop.seller_name,
                is_owner=shop.is_owner,
                status=ShopStatus.CONNECTED,
                settings_snapshot=snapshot,
                connected_at=now,
                connected_by=user,
                # Orders placed before the connection are TikTok's history, not this store's to import.
                orders_cursor=0,
            )
            audit_record(
                store.pk,
                AuditAction.SHOP_CONNECTED,
                actor=user,
                detail={
                    "shop_id": shop.shop_id,
                    "shop_name": shop.shop_name,
                    "region": shop.region,
                    "seller": shop.seller_name,
                    "settings_before": snapshot,
                },
            )
    except IntegrityError as exc:
        # A concurrent connect won the race for this store or this shop.
        _attempt_outcome(state, "store_already_connected")
        raise ShopConnectError("store_already_connected") from exc
    _attempt_outcome(state, "connected")
    return connection


# --- disconnect ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShopDisconnectResult:
    disconnected: bool
    remote_error: str = ""
    connection_id: int | None = None


def shop_disconnect(connection_id: int, *, actor: AbstractBaseUser | None = None) -> ShopDisconnectResult:
    """Disconnect the shop: local state first (always, even if TikTok then fails), which stops the order
    import and restores the store's settings to the snapshot; then TikTok's shop disconnect. The TikTok
    for Business connection is not touched. Disconnecting twice is harmless."""
    now = timezone.now()
    user = actor if actor is not None and actor.is_authenticated else None
    with transaction.atomic():
        taken = (
            ShopConnection.objects.live()
            .filter(pk=connection_id)
            .update(status=ShopStatus.DISCONNECTED, disconnected_at=now, disconnected_by=user)
        )
        if not taken:
            return ShopDisconnectResult(disconnected=False, connection_id=connection_id)
        connection = ShopConnection.objects.select_related("store").get(pk=connection_id)
        settings_restore(connection.store_id, connection.settings_snapshot)
        event = audit_record(
            connection.store_id,
            AuditAction.SHOP_DISCONNECTED,
            actor=user,
            actor_label="" if user else "ops",
            detail={
                "shop_id": connection.shop_id,
                "shop_name": connection.shop_name,
                "settings_restored": connection.settings_snapshot,
            },
        )
    external_id = external_business_id_for(connection.store)
    remote_error = ""
    try:
        remote.connection_disconnect(external_id)
    except TikTokError as exc:
        remote_error = (exc.message or exc.__class__.__name__)[:500]
        ShopConnection.objects.filter(pk=connection_id).update(remote_disconnect_error=remote_error)
        event.detail = {**event.detail, "remote_error": remote_error, "remote_code": exc.code}
        AuditEvent.objects.filter(pk=event.pk).update(detail=event.detail)
        logger.warning("tiktok shop: remote disconnect failed for connection %s: %s", connection_id, exc)
    return ShopDisconnectResult(disconnected=True, remote_error=remote_error, connection_id=connection_id)
