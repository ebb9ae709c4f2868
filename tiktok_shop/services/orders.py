"""The TikTok Shop order import: one poll of a connection's orders, written into the store through
`store.services`.

Each page is written inside a transaction that first locks the connection row and re-checks it is still
live, so once a disconnect has committed no further order is written.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from core.leases import lease_acquire, lease_release, lease_renew
from store import services as store_services
from store.models import Order, OrderSource
from tiktok_api.errors import AuthError, PermanentError, RetryableError, TikTokError, TikTokPermissionError

from .. import remote
from ..models import RunStatus, ShopConnection, ShopImportRun, ShopStatus
from .channel_settings import channel_settings_for, external_business_id_for
from .errors import OrderImportError


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
