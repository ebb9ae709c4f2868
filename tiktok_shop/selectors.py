"""What the TikTok Shop pages show, read in a few queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from core.models import AuditAction, AuditEvent
from integration.models import TikTokConnection
from integration.selectors import connection_active_for_store, connection_latest_for_store
from store.models import Order, OrderSource, Store

from .models import ShopConnection, ShopImportRun, ShopStatus, StoreChannelSettings


class CardState:
    NOT_CONNECTED = "not_connected"
    SETUP_IN_PROGRESS = "setup_in_progress"
    ACTIVE = "active"
    ERROR = "error"


# TikTok Shop's order statuses in the merchant's words; an unknown status is shown as TikTok sent it.
ORDER_STATUS_LABELS = {
    "UNPAID": _("Awaiting payment"),
    "ON_HOLD": _("On hold"),
    "AWAITING_SHIPMENT": _("Awaiting shipment"),
    "PARTIALLY_SHIPPING": _("Partially shipped"),
    "AWAITING_COLLECTION": _("Awaiting collection"),
    "IN_TRANSIT": _("In transit"),
    "DELIVERED": _("Delivered"),
    "COMPLETED": _("Completed"),
    "CANCELLED": _("Cancelled"),
}


def order_status_label(status: str) -> str:
    return str(ORDER_STATUS_LABELS.get(status, status))


@dataclass(frozen=True)
class ShopOverview:
    state: str
    connection: ShopConnection | None
    previous: ShopConnection | None
    settings: StoreChannelSettings | None
    last_run: ShopImportRun | None
    recent_orders: list[Order]


def shop_overview(store: Store) -> ShopOverview:
    connections = list(ShopConnection.objects.for_store(store.pk).order_by("-connected_at", "-id")[:2])
    live = next((c for c in connections if c.is_live), None)
    previous = next((c for c in connections if not c.is_live), None)
    store_settings = StoreChannelSettings.objects.filter(store=store).first()
    if live is not None:
        state = CardState.ERROR if live.status == ShopStatus.ERROR else CardState.ACTIVE
    elif previous is not None:
        # The article's word for a store whose shop was disconnected. A store that only started (or
        # failed) an authorization never had a shop: it is not connected, and "again" would be untrue.
        state = CardState.SETUP_IN_PROGRESS
    else:
        state = CardState.NOT_CONNECTED
    last_run = ShopImportRun.objects.filter(connection=live).first() if live else None
    recent = list(
        Order.objects.filter(store=store, source=OrderSource.TIKTOK_SHOP).order_by("-created_at", "-id")[:10]
    )
    for order in recent:
        order.tiktok_status_label = order_status_label(order.external_status)
    return ShopOverview(
        state=state,
        connection=live,
        previous=previous,
        settings=store_settings,
        last_run=last_run,
        recent_orders=recent,
    )


def ads_account(store: Store) -> TikTokConnection | None:
    """The TikTok for Business connection, shown read-only next to the shop account."""
    return connection_active_for_store(store.pk)


def ads_account_ever_connected(store: Store) -> bool:
    """Whether the store had a TikTok for Business connection (so "Disconnected", as its page says,
    rather than "Not connected", which is for a store that never connected)."""
    return connection_latest_for_store(store.pk) is not None


def shop_audit(store: Store, limit: int = 10) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            store=store, action__in=[AuditAction.SHOP_CONNECTED, AuditAction.SHOP_DISCONNECTED]
        ).select_related("actor")[:limit]
    )
