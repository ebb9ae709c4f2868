"""TikTok Shop account services: connect, disconnect, settings snapshot/restore, and order import.

The shop connection is independent of the TikTok for Business (ads) connection: nothing here reads or
changes `integration.TikTokConnection`, and integration's disconnect never touches a shop connection.
State changes are compare-and-set updates; the order import writes each page inside a transaction that
first locks the connection row and re-checks it is still live, so once a disconnect has committed no
further order is written.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone

from integration.models import AuditAction, AuditEvent, TikTokSetup
from integration.services import audit_record, merchant_locale, state_hash
from store import services as store_services
from store.models import Order, OrderSource, Store
from tiktok_admin.locks import lease_acquire, lease_release, lease_renew
from tiktok_api.errors import AuthError, PermanentError, RetryableError, TikTokError, TikTokPermissionError

from . import remote
from .models import (
    RunStatus,
    ShopConnectAttempt,
    ShopConnection,
    ShopImportRun,
    ShopStatus,
    StoreChannelSettings,
)

logger = logging.getLogger(__name__)

STATE_LIFETIME = timedelta(minutes=60)
SESSION_STATES_KEY = "tiktok_shop_states"
MAX_PENDING_STATES = 5


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def import_page_size() -> int:
    return max(1, min(int(_setting("TIKTOK_SHOP_ORDER_PAGE_SIZE", 50)), 100))


def import_lease_seconds() -> float:
    return float(_setting("TIKTOK_SHOP_IMPORT_LEASE_SECONDS", 120))


# TikTok Shop order statuses -> the store's (VTEX-style) order status.
ORDER_STATUS_MAP = {
    "UNPAID": "payment-pending",
    "ON_HOLD": "payment-pending",
    "AWAITING_SHIPMENT": "ready-for-handling",
    "PARTIALLY_SHIPPING": "handling",
    "AWAITING_COLLECTION": "handling",
    "IN_TRANSIT": "invoiced",
    "DELIVERED": "invoiced",
    "COMPLETED": "invoiced",
    "CANCELLED": "canceled",
}


class ShopConnectError(Exception):
    """A connect attempt that stored nothing. `reason` picks the message the page shows."""

    def __init__(self, reason: str, *, detail: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail or {}


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


# --- settings ------------------------------------------------------------------------------------


def channel_settings_for(store_id: int) -> StoreChannelSettings:
    obj, _created = StoreChannelSettings.objects.get_or_create(store_id=store_id)
    return obj


def settings_apply_for_shop(store_id: int) -> dict[str, bool]:
    """Turn on what a TikTok Shop connection needs; return the values as they were before."""
    obj = StoreChannelSettings.objects.select_for_update().get(store_id=store_id)
    before = obj.snapshot()
    StoreChannelSettings.objects.filter(pk=obj.pk).update(shop_order_import=True, shop_stock_reservation=True)
    return before


def settings_restore(store_id: int, snapshot: dict[str, Any]) -> None:
    """Put the store's settings back as they were before the connection (only the snapshot's fields)."""
    values = {name: bool(snapshot[name]) for name in StoreChannelSettings.SNAPSHOT_FIELDS if name in snapshot}
    if values:
        StoreChannelSettings.objects.filter(store_id=store_id).update(**values, updated_at=timezone.now())


def external_business_id_for(store: Store) -> str:
    """How TikTok knows this store. Reuses the TikTok for Business setup's id when there is one (the same
    store at TikTok), otherwise a stable id of our own; fixed once chosen."""
    obj = channel_settings_for(store.pk)
    if obj.external_business_id:
        return obj.external_business_id
    setup = TikTokSetup.objects.filter(store=store).first()
    candidate = setup.external_business_id if setup else f"vtex_{store.account}_{uuid.uuid4().hex[:12]}"
    StoreChannelSettings.objects.filter(pk=obj.pk, external_business_id__isnull=True).update(
        external_business_id=candidate
    )
    obj.refresh_from_db(fields=["external_business_id"])
    return str(obj.external_business_id)


# --- connect -------------------------------------------------------------------------------------


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
    state = secrets.token_urlsafe(32)
    digest = state_hash(state)
    now = timezone.now()
    ShopConnectAttempt.objects.create(
        store=store, user=user, state_hash=digest, created_at=now, expires_at=now + STATE_LIFETIME
    )
    StoreChannelSettings.objects.filter(store=store, shop_setup_started_at__isnull=True).update(
        shop_setup_started_at=now
    )
    pending = [h for h in session.get(SESSION_STATES_KEY, []) if isinstance(h, str)]
    session[SESSION_STATES_KEY] = (pending + [digest])[-MAX_PENDING_STATES:]
    return remote.authorize_url(
        external_id,
        state=state,
        redirect_uri=callback_url(store),
        locale=merchant_locale(language_code),
        country=store.country,
        store_name=store.name,
    )


def _state_consume(store: Store, *, user: AbstractBaseUser, session: Any, state: str, outcome: str) -> None:
    """Accept `state` once, for this session, store and user, within its lifetime."""
    if not state or len(state) > 200:
        raise ShopConnectError("bad_state")
    digest = state_hash(state)
    pending = [h for h in session.get(SESSION_STATES_KEY, []) if isinstance(h, str)]
    if digest not in pending:
        raise ShopConnectError("bad_state")
    session[SESSION_STATES_KEY] = [h for h in pending if h != digest]
    now = timezone.now()
    taken = ShopConnectAttempt.objects.filter(
        state_hash=digest, store=store, user=user, used_at__isnull=True
    ).update(used_at=now, outcome=outcome)
    if not taken:
        raise ShopConnectError("bad_state")
    if not ShopConnectAttempt.objects.filter(state_hash=digest, expires_at__gt=now).exists():
        ShopConnectAttempt.objects.filter(state_hash=digest).update(outcome="expired")
        raise ShopConnectError("expired_state")


def _attempt_outcome(state: str, outcome: str) -> None:
    ShopConnectAttempt.objects.filter(state_hash=state_hash(state)).update(outcome=outcome[:40])


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


# --- order import --------------------------------------------------------------------------------


def order_upsert(connection: ShopConnection, order: remote.ShopOrder, *, reserve_stock: bool) -> str:
    """Write one TikTok Shop order into the store (through store.services). Returns "created", "updated"
    or "unchanged".

    Idempotent: the order is keyed on (store, source, TikTok order id) with a unique constraint, its
    number is derived from the TikTok id, and the items and stock reservation happen only in the
    transaction that creates it, so a re-read page or a redelivered task changes nothing twice."""
    store_id = connection.store_id
    local_status = ORDER_STATUS_MAP.get(order.status, "created")
    existing = Order.objects.filter(
        store_id=store_id, source=OrderSource.TIKTOK_SHOP, external_id=order.order_id
    ).first()
    if existing is not None:
        if existing.external_status == order.status:
            return "unchanged"
        store_services.channel_order_set_status(existing, external_status=order.status, status=local_status)
        return "updated"
    # TikTok's `seller_sku` is the catalog `sku_id` we send, i.e. the store's SKU id.
    lines = [
        store_services.ChannelOrderLine(
            sku_code=line.seller_sku,
            name=f"{line.product_name} – {line.sku_name}" if line.sku_name else line.product_name,
            quantity=line.quantity,
            unit_price=line.sale_price,
        )
        for line in order.lines
    ]
    data = store_services.ChannelOrder(
        source=OrderSource.TIKTOK_SHOP,
        external_id=order.order_id,
        number=order_number(order.order_id),
        external_status=order.status,
        status=local_status,
        customer_name=order.buyer_name,
        email=order.buyer_email if "@" in order.buyer_email else "",
        phone=order.buyer_phone,
        currency=order.currency or connection.store.currency,
        total=order.total,
        lines=lines,
    )
    try:
        store_services.channel_order_create(
            store_id, data, reserve_stock=reserve_stock and order.status != "CANCELLED"
        )
    except IntegrityError as exc:
        if Order.objects.filter(
            store_id=store_id, source=OrderSource.TIKTOK_SHOP, external_id=order.order_id
        ).exists():
            return "unchanged"  # another import created it first (same TikTok id): nothing to add
        # Never skip an order silently: the page is rolled back and the cursor stays before it.
        raise OrderImportError(
            f"order {order.order_id} could not be stored: {exc.__class__.__name__}"
        ) from exc
    return "created"


def order_number(order_id: str) -> str:
    """The store's order number for a TikTok order: derived from the id, so a re-import cannot mint a
    second number; ids too long for the field are hashed rather than cut (cut ids could collide)."""
    number = f"TTS-{order_id}"
    if len(number) <= 40:
        return number
    return "TTS-" + hashlib.sha256(order_id.encode()).hexdigest()[:36]


class OrderImportError(Exception):
    """A TikTok order that the store refused to store (not a duplicate)."""


def _lease_name(connection_id: int) -> str:
    return f"tiktok-shop-import:{connection_id}"


def orders_import(connection_id: int) -> ShopImportRun | None:
    """One poll of TikTok Shop orders for one connection. None when there is nothing to do (not live,
    import turned off, or another worker is importing this connection right now)."""
    connection = ShopConnection.objects.live().select_related("store").filter(pk=connection_id).first()
    if connection is None:
        return None
    store_settings = channel_settings_for(connection.store_id)
    if not store_settings.shop_order_import:
        return None
    ttl = import_lease_seconds()
    lease = _lease_name(connection_id)
    owner = lease_acquire(lease, ttl)
    if owner is None:
        return None
    # Holding the lease means no other poll of this connection runs: a run still "running" was cut short
    # by a killed worker. Close it so the history tells the truth.
    ShopImportRun.objects.filter(connection_id=connection_id, status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED, finished_at=timezone.now(), error_message="interrupted: the worker was lost"
    )
    run = ShopImportRun.objects.create(connection=connection)
    external_id = external_business_id_for(connection.store)
    try:
        _import_pages(
            connection,
            run,
            external_id,
            reserve_stock=store_settings.shop_stock_reservation,
            lease=lease,
            owner=owner,
            ttl=ttl,
        )
    finally:
        lease_release(lease, owner)
    run.refresh_from_db()
    return run


def _import_pages(
    connection: ShopConnection,
    run: ShopImportRun,
    external_id: str,
    *,
    reserve_stock: bool,
    lease: str,
    owner: str,
    ttl: float,
) -> None:
    page_cursor = ""
    update_time_ge = connection.orders_cursor
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    fetched = 0
    try:
        while True:
            page = remote.orders_list(
                external_id, update_time_ge=update_time_ge, cursor=page_cursor, page_size=import_page_size()
            )
            with transaction.atomic():
                # Lock the connection row: a disconnect waits for this page, and after it commits no page
                # is written (the re-check below sees it).
                locked = ShopConnection.objects.select_for_update().live().filter(pk=connection.pk).first()
                if locked is None:
                    _run_finish(run, RunStatus.STOPPED, fetched, counts)
                    return
                created_here = 0
                for order in page.orders:
                    outcome = order_upsert(connection, order, reserve_stock=reserve_stock)
                    counts[outcome] += 1
                    created_here += outcome == "created"
                fetched += len(page.orders)
                newest = max([o.update_time for o in page.orders], default=0)
                ShopConnection.objects.filter(pk=connection.pk).update(
                    orders_cursor=Greatest(F("orders_cursor"), newest),
                    orders_imported=F("orders_imported") + created_here,
                    last_import_at=timezone.now(),
                )
                ShopImportRun.objects.filter(pk=run.pk).update(
                    fetched=fetched, created=counts["created"], updated=counts["updated"]
                )
            lease_renew(lease, owner, ttl)
            if not page.has_more or not page.next_cursor:
                break
            page_cursor = page.next_cursor
    except RetryableError as exc:
        # Throttling, 5xx, timeouts: the next beat poll tries again; the connection stays Active.
        _run_finish(run, RunStatus.FAILED, fetched, counts, error=exc)
        return
    except OrderImportError as exc:
        _run_finish(run, RunStatus.FAILED, fetched, counts, error=PermanentError(str(exc)))
        return
    except (AuthError, TikTokPermissionError, PermanentError) as exc:
        _run_finish(run, RunStatus.FAILED, fetched, counts, error=exc)
        ShopConnection.objects.filter(pk=connection.pk, status=ShopStatus.CONNECTED).update(
            status=ShopStatus.ERROR,
            last_error_code=exc.code,
            last_error_message=(exc.message or exc.__class__.__name__)[:500],
            last_error_at=timezone.now(),
        )
        return
    _run_finish(run, RunStatus.SUCCEEDED, fetched, counts)
    # A successful poll clears an earlier error state.
    ShopConnection.objects.filter(pk=connection.pk, status=ShopStatus.ERROR).update(
        status=ShopStatus.CONNECTED
    )


def _run_finish(
    run: ShopImportRun,
    status: str,
    fetched: int,
    counts: dict[str, int],
    *,
    error: TikTokError | None = None,
) -> None:
    ShopImportRun.objects.filter(pk=run.pk).update(
        status=status,
        finished_at=timezone.now(),
        fetched=fetched,
        created=counts["created"],
        updated=counts["updated"],
        error_code=error.code if error else None,
        error_message=((error.message or error.__class__.__name__)[:500]) if error else "",
    )


def connections_to_import() -> list[int]:
    """Live connections whose store has TikTok Shop order import on."""
    return list(
        ShopConnection.objects.live()
        .filter(store__tiktok_shop_settings__shop_order_import=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
