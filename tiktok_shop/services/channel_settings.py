"""The store's TikTok Shop channel settings: what a connection turns on, and putting them back."""

from __future__ import annotations

import uuid
from typing import Any

from django.utils import timezone

from integration.models import TikTokSetup
from store.models import Store

from ..models import StoreChannelSettings


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
