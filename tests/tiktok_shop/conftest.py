from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from integration.models import TikTokConnection
from store.models import Store
from tiktok_shop.models import ShopConnection, ShopStatus, StoreChannelSettings

SHOP_BR = "7500000000000000001"


@pytest.fixture
def make_shop_connection(db: None) -> Callable[..., ShopConnection]:
    """A live shop connection as `shop_connect_complete` leaves it: settings turned on, snapshot kept."""

    def make(store: Store, **kwargs: Any) -> ShopConnection:
        settings_obj, _ = StoreChannelSettings.objects.get_or_create(store=store)
        snapshot = settings_obj.snapshot()
        StoreChannelSettings.objects.filter(pk=settings_obj.pk).update(
            shop_order_import=True,
            shop_stock_reservation=True,
            external_business_id=f"vtex_{store.account}_test",
        )
        defaults: dict[str, Any] = {
            "shop_id": SHOP_BR,
            "shop_name": "Loja Demo TikTok Shop",
            "region": "BR",
            "seller_id": "7400000000000000009",
            "seller_name": "Demo Merchant",
            "is_owner": True,
            "status": ShopStatus.CONNECTED,
            "settings_snapshot": snapshot,
            "connected_at": timezone.now(),
        }
        defaults.update(kwargs)
        return ShopConnection.objects.create(store=store, **defaults)

    return make


@pytest.fixture
def tt4b_connection(store: Store) -> TikTokConnection:
    return TikTokConnection.objects.create(
        store=store,
        external_business_id="vtex_lojademo_tt4b",
        bc_id="7100000000000000001",
        adv_id="7200000000000000001",
        pixel_code="CABCDEFGHIJ1234567XY",
        catalog_id="7300000000000000001",
        access_token="token-for-tests",
        connected_at=timezone.now(),
    )
