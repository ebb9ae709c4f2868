"""A store connected to the sandbox's demo ad account (a real token, real HTTP), and helpers to read the
sandbox's own figures for it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from integration.models import TikTokConnection, TikTokSetup
from store.models import Affiliate, InstalledApp, Store


@pytest.fixture
def connect_store(sandbox_settings: Any, settings: Any) -> Callable[..., TikTokConnection]:
    settings.TIKTOK_APP_QPS = 10
    cache.clear()

    def connect(store: Store, **kw: Any) -> TikTokConnection:
        Affiliate.objects.get_or_create(store=store, code="TKT", defaults={"name": "TikTok"})
        InstalledApp.objects.get_or_create(store=store, app="tiktok")
        business_id = f"vtex-{store.account}-ads"
        TikTokSetup.objects.get_or_create(
            store=store,
            defaults={
                "affiliate_id": "TKT",
                "trade_policy": store.trade_policies.get(code="1"),
                "store_name": store.name,
                "website": f"https://{store.domain}",
                "segment": "fashion",
                "country": "BR",
                "time_zone": store.time_zone,
                "contact_email": "contato@example.com.br",
                "phone_country_code": "+55",
                "phone": "11912345678",
                "external_business_id": business_id,
                "confirmed_at": timezone.now(),
            },
        )
        grant = sandbox_settings.admin.connect(business_id, **kw)
        return TikTokConnection.objects.create(
            store=store,
            external_business_id=business_id,
            bc_id=grant["bc_id"],
            adv_id=grant["adv_id"],
            pixel_code=grant["pixel_code"],
            catalog_id=grant["catalog_id"],
            core_user_id=grant["core_user_id"],
            advertiser_ids=[grant["adv_id"]],
            access_token=grant["access_token"],
            connected_at=timezone.now(),
        )

    return connect


@pytest.fixture
def ads_connection(store: Store, connect_store: Callable[..., TikTokConnection]) -> TikTokConnection:
    return connect_store(store)
