"""Read-only access to the connection, for this app's views and for other apps (pixel, catalog_sync,
tiktok_shop)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.utils.module_loading import import_string

from core.models import AuditEvent
from store.models import InstalledApp, Store

from .destinations import destination_url
from .models import TikTokConnection, TikTokSetup

AUDIT_TRAIL_LENGTH = 20
TIKTOK_APP_SLUG = "tiktok"


def connection_active_for_store(store_id: int) -> TikTokConnection | None:
    return TikTokConnection.objects.active().for_store(store_id).first()


def connection_is_active(connection_id: int) -> bool:
    """Cheap check for workers between two requests to TikTok: stop as soon as this turns False."""
    return TikTokConnection.objects.active().filter(pk=connection_id).exists()


def catalog_manager_url(bc_id: str, catalog_id: str) -> str | None:
    """TikTok Catalog Manager for any catalog of the store (an earlier one too), or None when it cannot
    be built safely (same rules as the page's *Manage* buttons)."""
    return destination_url("catalog", TikTokConnection(bc_id=bc_id, catalog_id=catalog_id))


def connection_previous_for_store(store_id: int, before: TikTokConnection) -> TikTokConnection | None:
    """The connection the store had just before `before` (a reconnect's predecessor), or None."""
    return (
        TikTokConnection.objects.for_store(store_id)
        .filter(
            Q(connected_at__lt=before.connected_at) | Q(connected_at=before.connected_at, pk__lt=before.pk)
        )
        .order_by("-connected_at", "-pk")
        .first()
    )


def connection_latest_for_store(store_id: int) -> TikTokConnection | None:
    """The store's most recent connection, active or not (a disconnected one explains why on the page).
    At most one is active, and a new one is only created after the previous ended, so the newest is it."""
    rows = list(
        TikTokConnection.objects.for_store(store_id)
        .select_related("store", "connected_by", "disconnected_by")
        .order_by("-connected_at", "-pk")[:1]
    )
    return rows[0] if rows else None


@dataclass(frozen=True)
class CatalogCounts:
    available: int = 0
    pending: int = 0
    needs_details: int = 0
    rejected: int | None = None
    urls: dict[str, str] = field(default_factory=dict)


def catalog_counts_for(connection: TikTokConnection | None) -> CatalogCounts:
    """The catalog numbers on the page, from the callable in `settings.TIKTOK_PAGE_CATALOG_COUNTS` (the
    catalog sync's counters; integration does not import it). Before a connection, or with none
    registered, they are true zeros."""
    path = getattr(settings, "TIKTOK_PAGE_CATALOG_COUNTS", "")
    if connection is None or not path:
        return CatalogCounts()
    raw: Any = import_string(path)(connection)
    get = raw.get if isinstance(raw, dict) else (lambda name, default=None: getattr(raw, name, default))
    urls = get("urls", None) or get("list_urls", None) or {}
    rejected = get("rejected", None)
    return CatalogCounts(
        available=int(get("available", 0) or 0),
        pending=int(get("pending", 0) or 0),
        needs_details=int(get("needs_details", 0) or 0),
        rejected=int(rejected) if rejected is not None else None,
        urls={str(k): str(v) for k, v in dict(urls).items()},
    )


@dataclass(frozen=True)
class StoreFacts:
    """What the page needs to know about the store, in one query."""

    brl_policies: int
    app_installed: bool


def store_facts(store: Store) -> StoreFacts:
    row = Store.objects.filter(pk=store.pk).aggregate(
        brl=Count("trade_policies", filter=Q(trade_policies__currency="BRL", trade_policies__is_active=True)),
    )
    installed = InstalledApp.objects.filter(store=store, app=TIKTOK_APP_SLUG).exists()
    return StoreFacts(brl_policies=int(row["brl"] or 0), app_installed=installed)


def setup_for_store(store_id: int) -> TikTokSetup | None:
    return TikTokSetup.objects.select_related("trade_policy").filter(store_id=store_id).first()


def audit_trail(store_id: int, limit: int = AUDIT_TRAIL_LENGTH) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(store_id=store_id).select_related("actor").order_by("-at", "-id")[:limit]
    )
