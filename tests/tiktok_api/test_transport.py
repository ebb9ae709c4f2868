"""Transport conventions: timeouts, headers, parameter encoding, paths, logging without secrets."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tiktok_api import PermanentError, RetryableError, TikTokClient, external_data_build
from tiktok_api.transport import Transport, encode_params, open_api_path

from .conftest import APP_ID, APP_SECRET, BASE, TOKEN, envelope


@pytest.mark.parametrize("timeout", [None, 5, (5,), (0, 1), (1, None), (1, -2), [1, 2]])
def test_a_transport_without_a_proper_connect_read_timeout_cannot_be_built(timeout):
    with pytest.raises(ValueError):
        Transport(BASE, timeout=timeout)


def test_the_client_requires_a_timeout():
    with pytest.raises(TypeError):
        TikTokClient(BASE, APP_ID, APP_SECRET)  # type: ignore[call-arg]


def test_every_request_carries_the_timeout(client, mocked, monkeypatch):
    seen = {}
    original = requests.Session.request

    def spy(self, method, url, **kwargs):
        seen["timeout"] = kwargs.get("timeout")
        return original(self, method, url, **kwargs)

    monkeypatch.setattr(requests.Session, "request", spy)
    mocked.get(f"{BASE}/open_api/v1.3/catalog/overview/", json=envelope({"approved": 1}))
    client.catalog_overview(TOKEN, bc_id="1", catalog_id="2")
    assert seen["timeout"] == (1.0, 2.0)


def test_open_api_paths_always_end_with_a_slash():
    assert open_api_path("v1.3", "catalog/get") == "/open_api/v1.3/catalog/get/"
    assert open_api_path("v1.3", "/catalog/product/get/") == "/open_api/v1.3/catalog/product/get/"


def test_arrays_and_objects_in_query_are_json_strings():
    assert encode_params(
        {
            "sku_ids": ["a", "b"],
            "conditions": {"and": [{"field": "sku_id"}]},
            "page": 2,
            "x": None,
            "t": ("c",),
        }
    ) == {"sku_ids": '["a","b"]', "conditions": '{"and":[{"field":"sku_id"}]}', "page": "2", "t": '["c"]'}


def test_access_token_header_not_authorization(client, mocked):
    mocked.get(f"{BASE}/open_api/v1.3/catalog/overview/", json=envelope({"approved": 1}))
    client.catalog_overview(TOKEN, bc_id="1", catalog_id="2")
    headers = mocked.calls[0].request.headers
    assert headers["Access-Token"] == TOKEN
    assert "Authorization" not in headers


def test_post_bodies_are_json(client, mocked):
    mocked.post(f"{BASE}/open_api/v1.3/catalog/create/", json=envelope({"catalog_id": "9"}))
    client.catalog_create(TOKEN, bc_id="1", name="Loja", region_code="BR", currency="BRL")
    request = mocked.calls[0].request
    assert request.headers["Content-Type"] == "application/json"


def test_request_id_falls_back_to_the_logid_header(client, mocked):
    mocked.get(
        f"{BASE}/open_api/v1.3/catalog/overview/",
        json={"code": 40002, "message": "bad", "data": {}},
        headers={"X-TT-LOGID": "logid-123"},
    )
    with pytest.raises(PermanentError) as info:
        client.catalog_overview(TOKEN, bc_id="1", catalog_id="2")
    assert info.value.request_id == "logid-123"


def test_logs_carry_endpoint_code_request_id_latency_and_never_secrets(make_client, mocked, caplog):
    client = make_client()
    external_data = external_data_build(
        {
            "version": "1.0",
            "locale": "en",
            "business_platform": "VTEX",
            "external_business_id": "loja1",
            "state": "state-secret-xyz",
        },
        "edk",
    )
    mocked.post(
        f"{BASE}/open_api/v1.3/oauth2/access_token/",
        json=envelope({"access_token": TOKEN, "advertiser_ids": ["1"], "scope": [4]}, request_id="rq-a"),
    )
    mocked.get(f"{BASE}/open_api/v1.3/oauth2/advertiser/get/", json=envelope({"list": []}, request_id="rq-b"))
    mocked.post(f"{BASE}/tbp/v2.0/business_profile/disconnect", json=envelope({}, request_id="rq-c"))
    mocked.post(
        f"{BASE}/open_api/v1.3/oauth2/revoke_token/",
        body=requests.exceptions.ConnectionError(f"Max retries exceeded with url: /x?secret={APP_SECRET}"),
    )
    caplog.set_level(logging.DEBUG)
    token = client.oauth_access_token("auth-code-secret-123")
    client.oauth_advertisers(token.access_token)
    client.business_profile_disconnect(
        business_platform="VTEX", external_business_id="loja1", external_data=external_data
    )
    with pytest.raises(RetryableError) as info:
        client.oauth_revoke_token(TOKEN)
    text = "\n".join(r.getMessage() + " " + str(r.__dict__) for r in caplog.records)
    text += "\n" + str(info.value) + repr(info.value) + repr(token) + repr(client)
    for secret in (
        TOKEN,
        APP_SECRET,
        "auth-code-secret-123",
        "state-secret-xyz",
        external_data,
        external_data[:40],
    ):
        assert secret not in text
    tiktok_lines = [r for r in caplog.records if r.name == "tiktok_api"]
    first = tiktok_lines[0]
    assert first.tiktok_endpoint == "/open_api/v1.3/oauth2/access_token/"
    assert first.tiktok_code == 0
    assert first.tiktok_request_id == "rq-a"
    assert isinstance(first.tiktok_latency_ms, float)
    assert " tiktok_code=0 request_id=rq-a latency_ms=" in first.getMessage()
    assert info.value.__cause__ is None and info.value.__suppress_context__ is True


def test_query_secrets_are_sent_where_tiktok_wants_them(client, mocked):
    mocked.get(f"{BASE}/open_api/v1.3/oauth2/advertiser/get/", json=envelope({"list": []}))
    client.oauth_advertisers(TOKEN)
    query = parse_qs(urlsplit(mocked.calls[0].request.url).query)
    assert query == {"app_id": [APP_ID], "secret": [APP_SECRET]}
