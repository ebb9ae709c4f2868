"""Fixtures for the TikTok connection tests: a confirmed setup, a connected store, a TikTok mocked with
`responses` at the configured API base URL (exact payloads), and settings pointing the Manage buttons at
an allow-listed host."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses
from django.utils import timezone

from integration.models import TikTokConnection, TikTokSetup
from store.models import Affiliate, InstalledApp, Store

API = "http://tiktok.test"
WEB = "https://ads.tiktok.com"
TOKEN = "act.TOKEN-SECRET-0123456789abcdefghijklmnop"
_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def _tiktok_settings(settings: Any) -> None:
    settings.TIKTOK_API_BASE_URL = API
    settings.TIKTOK_WEB_BASE_URL = WEB
    settings.TIKTOK_REDIRECT_HOSTS = ["ads.tiktok.com", "business.tiktok.com"]
    settings.TIKTOK_ONBOARDING_URL = "https://ads.tiktok.com/business-extension/auth"
    settings.PUBLIC_BASE_URL = "https://admin.example.com"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def make_setup(db: None) -> Callable[..., TikTokSetup]:
    def make(store: Store, **kwargs: Any) -> TikTokSetup:
        n = next(_seq)
        code = kwargs.pop("affiliate_id", "TKT")
        Affiliate.objects.get_or_create(store=store, code=code, defaults={"name": "TikTok"})
        defaults: dict[str, Any] = {
            "affiliate_id": code,
            "trade_policy": store.trade_policies.get(code="1"),
            "store_name": store.name,
            "website": f"https://{store.domain}",
            "segment": "fashion",
            "country": "BR",
            "time_zone": "America/Sao_Paulo",
            "contact_email": "contato@example.com.br",
            "phone_country_code": "+55",
            "phone": "11912345678",
            "external_business_id": f"vtex-{store.account}-{n:06d}",
            "confirmed_at": timezone.now(),
        }
        defaults.update(kwargs)
        InstalledApp.objects.get_or_create(store=store, app="tiktok")
        return TikTokSetup.objects.create(store=store, **defaults)

    return make


@pytest.fixture
def make_connection(make_setup: Callable[..., TikTokSetup]) -> Callable[..., TikTokConnection]:
    def make(store: Store, **kwargs: Any) -> TikTokConnection:
        setup = TikTokSetup.objects.filter(store=store).first() or make_setup(store)
        defaults: dict[str, Any] = {
            "external_business_id": setup.external_business_id,
            "bc_id": "7100000000000000001",
            "adv_id": "7200000000000000001",
            "pixel_code": "CABCDEFGHIJ1234567XY",
            "catalog_id": "7300000000000000001",
            "core_user_id": "7400000000000000009",
            "advertiser_ids": ["7200000000000000001"],
            "access_token": TOKEN,
            "advanced_matching": False,
            "advanced_matching_at_tiktok": False,
            "connected_at": timezone.now(),
        }
        defaults.update(kwargs)
        return TikTokConnection.objects.create(store=store, **defaults)

    return make


@pytest.fixture
def connection(
    store: Store, admin_user_of_store: Any, make_connection: Callable[..., TikTokConnection]
) -> Any:
    return make_connection(store, connected_by=admin_user_of_store)


def envelope(data: Any = None, code: int = 0, message: str = "OK") -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "request_id": "20261127120000ABCDEF0123456789ABCDEF",
        "data": data,
    }


@pytest.fixture
def tiktok() -> Iterator[responses.RequestsMock]:
    """TikTok's API, answered with exact payloads. Unmatched calls fail the test."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


PROFILE_PATH = f"{API}/open_api/v1.2/tbp/business_profile/get/"
DISCONNECT_PATH = f"{API}/tbp/v2.0/business_profile/disconnect"
REVOKE_PATH = f"{API}/open_api/v1.3/oauth2/revoke_token/"
TOKEN_PATH = f"{API}/open_api/v1.3/oauth2/access_token/"
PIXEL_PATH = f"{API}/open_api/v1.3/pixel/list/"

CONNECTED_PROFILE = {
    "status": 2,
    "bc_id": "7100000000000000001",
    "adv_id": "7200000000000000001",
    "pixel_code": "CABCDEFGHIJ1234567XY",
    "catalog_id": "7300000000000000001",
    "store_name": "Loja Demo",
    "core_user_id": "7400000000000000009",
}


@pytest.fixture(autouse=True)
def _no_real_backoff(monkeypatch: pytest.MonkeyPatch, _tiktok_settings: None) -> None:
    """Retries of the settings-built client wait on a fake clock, so failure paths take no real time."""
    from integration import tiktok_client as factory
    from tiktok_api import FakeClock

    # A fresh client per test: a throttle pause recorded by one test must not leak into the next (with
    # REDIS_URL the limiter lives in Redis: this suite's own database number is emptied).
    factory.client_cache_clear()
    from django.conf import settings

    if settings.REDIS_URL:
        import redis

        redis.Redis.from_url(settings.REDIS_URL).flushdb()
    monkeypatch.setattr(factory.client(), "clock", FakeClock())
