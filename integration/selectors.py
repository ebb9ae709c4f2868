"""Read-only access to the connection for other apps (pixel, catalog_sync, tiktok_shop)."""

from __future__ import annotations

from .models import TikTokConnection


def connection_active_for_store(store_id: int) -> TikTokConnection | None:
    return TikTokConnection.objects.active().for_store(store_id).first()


def connection_is_active(connection_id: int) -> bool:
    """Cheap check for workers between two requests to TikTok: stop as soon as this turns False."""
    return TikTokConnection.objects.active().filter(pk=connection_id).exists()
