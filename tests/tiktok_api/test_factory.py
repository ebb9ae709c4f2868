"""integration.tiktok_client: the client and external_data built from Django settings."""

from __future__ import annotations

import pytest

from integration.tiktok_client import client, external_data_for
from tiktok_api import external_data_verify


def test_client_is_built_from_settings_and_cached_per_process(settings):
    settings.TIKTOK_API_BASE_URL = "http://127.0.0.1:1"
    settings.TIKTOK_APP_ID = "app-1"
    settings.TIKTOK_CONNECT_TIMEOUT = 2.0
    settings.TIKTOK_HTTP_TIMEOUT = 9.0
    settings.TIKTOK_APP_QPS = 7
    settings.REDIS_URL = ""
    built = client()
    assert built is client()
    assert built.transport.base_url == "http://127.0.0.1:1"
    assert built.app_id == "app-1"
    assert built.transport.timeout == (2.0, 9.0)
    assert built.rate_limiter.app_limit.count == 7
    assert not built.rate_limiter.shared and not built.lock.shared
    settings.TIKTOK_APP_QPS = 8
    assert client() is not built, "changed settings give a new client"


@pytest.mark.services
def test_client_shares_limits_through_redis_when_configured(settings):
    import os

    if not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL not set")
    settings.REDIS_URL = os.environ["REDIS_URL"]
    built = client()
    assert built.rate_limiter.shared and built.lock.shared


def test_external_data_for_signs_with_the_settings_key(settings):
    settings.TIKTOK_EXTERNAL_DATA_KEY = "k-123"
    settings.TIKTOK_BUSINESS_PLATFORM = "VTEX"
    encoded = external_data_for({"locale": "pt-BR", "external_business_id": "loja1", "state": "s"})
    fields = external_data_verify(encoded, "k-123")
    assert fields["business_platform"] == "VTEX"
    assert fields["version"] == "1.0"
    assert fields["state"] == "s"
