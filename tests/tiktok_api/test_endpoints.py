"""One test per endpoint: the exact request TikTok receives and the typed result of its documented reply."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tiktok_api import (
    AccessToken,
    Advertiser,
    BusinessProfile,
    CatalogOverview,
    PermanentError,
    RetryableError,
)

from .conftest import APP_ID, APP_SECRET, BASE, TOKEN, envelope, fixture

BC = "7100000000000000001"
CAT = "7300000000000000001"


def _query(call) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(call.request.url).query).items()}


def _path(call) -> str:
    return urlsplit(call.request.url).path


def _body(call) -> dict:
    return json.loads(call.request.body)


def test_oauth_access_token(client, mocked):
    fx = fixture("oauth_access_token.json")
    mocked.post(f"{BASE}/open_api/v1.3/oauth2/access_token/", json=fx["response"])
    token = client.oauth_access_token("1234c21d...")
    call = mocked.calls[0]
    assert call.request.method == "POST"
    assert _body(call) == {**fx["request"], "secret": APP_SECRET}
    assert "Access-Token" not in call.request.headers
    assert token == AccessToken(
        access_token="8a7b...long-opaque...", advertiser_ids=("7001234567890123456",), scope=(4, 15)
    )
    assert "8a7b" not in repr(token)


def test_oauth_access_token_bad_code_is_permanent_and_a_timeout_is_not_resent(client, mocked):
    url = f"{BASE}/open_api/v1.3/oauth2/access_token/"
    mocked.post(url, json=envelope(code=40110, message="The auth_code is canceled. Please re-authorize."))
    with pytest.raises(PermanentError) as info:
        client.oauth_access_token("used")
    assert info.value.code == 40110
    mocked.replace("POST", url, body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(RetryableError):
        client.oauth_access_token("maybe-consumed")
    assert len(mocked.calls) == 2, "single-use code: a timed-out exchange is not re-sent"


def test_oauth_revoke_token(client, mocked):
    mocked.post(
        f"{BASE}/open_api/v1.3/oauth2/revoke_token/",
        json=envelope({"app_id": APP_ID, "advertiser_ids": ["7001234567890123456"]}),
    )
    result = client.oauth_revoke_token(TOKEN)
    call = mocked.calls[0]
    assert _body(call) == {"app_id": APP_ID, "secret": APP_SECRET, "access_token": TOKEN}
    assert result.app_id == APP_ID and result.advertiser_ids == ("7001234567890123456",)


def test_oauth_advertisers(client, mocked):
    mocked.get(
        f"{BASE}/open_api/v1.3/oauth2/advertiser/get/",
        json=envelope({"list": [{"advertiser_id": 7200000000000000001, "advertiser_name": "Loja Ads"}]}),
    )
    assert client.oauth_advertisers(TOKEN) == [Advertiser("7200000000000000001", "Loja Ads")]
    call = mocked.calls[0]
    assert call.request.headers["Access-Token"] == TOKEN
    assert _query(call) == {"app_id": APP_ID, "secret": APP_SECRET}


def test_business_profile_get(client, mocked):
    mocked.get(
        f"{BASE}/open_api/v1.2/tbp/business_profile/get/",
        json=fixture("business_profile_get.json")["response"],
    )
    profile = client.business_profile_get(TOKEN, business_platform="VTEX", external_business_id="loja1")
    call = mocked.calls[0]
    assert call.request.headers["Access-Token"] == TOKEN
    assert _query(call) == {"business_platform": "VTEX", "external_business_id": "loja1", "full_data": "1"}
    assert profile == BusinessProfile(
        status=2,
        bc_id=BC,
        adv_id="7200000000000000001",
        pixel_code="CABCDEFGHIJ1234567XY",
        catalog_id=CAT,
        store_name="Demo Store",
        core_user_id="7400000000000000009",
    )
    assert profile.connected is True


@pytest.mark.parametrize("data", [[], {}, None])
def test_business_profile_empty_means_disconnected(client, mocked, data):
    mocked.get(
        f"{BASE}/open_api/v1.2/tbp/business_profile/get/",
        json={"code": 0, "message": "OK", "request_id": "r", "data": data},
    )
    assert client.business_profile_get(TOKEN, business_platform="VTEX", external_business_id="loja1") is None


def test_business_profile_null_assets_pending_status_and_suspension(client, mocked):
    mocked.get(
        f"{BASE}/open_api/v1.2/tbp/business_profile/get/",
        json=envelope(
            {
                "status": 1,
                "bc_id": BC,
                "adv_id": None,
                "pixel_code": None,
                "catalog_id": None,
                "suspended": True,
                "suspend_reason": "Policy violation",
            }
        ),
    )
    profile = client.business_profile_get(
        TOKEN, business_platform="VTEX", external_business_id="loja1", external_data="ed"
    )
    assert _query(mocked.calls[0])["external_data"] == "ed"
    assert (profile.status, profile.adv_id, profile.pixel_code, profile.catalog_id) == (1, None, None, None)
    assert profile.suspended is True and profile.suspension_reason == "Policy violation"
    assert profile.connected is False


def test_business_profile_disconnect(client, mocked):
    mocked.post(f"{BASE}/tbp/v2.0/business_profile/disconnect", json=envelope({}))
    client.business_profile_disconnect(
        business_platform="VTEX", external_business_id="loja1", external_data="e+d="
    )
    call = mocked.calls[0]
    assert _path(call) == "/tbp/v2.0/business_profile/disconnect"
    assert _query(call) == {"external_data": "e+d="}
    assert _body(call) == {"business_platform": "VTEX", "external_business_id": "loja1"}
    assert "Access-Token" not in call.request.headers


def test_shop_connection_disconnect(client, mocked):
    mocked.post(f"{BASE}/tbp/v2.0/shop/connection/disconnect", json=envelope({}))
    client.shop_connection_disconnect(external_data="abc")
    call = mocked.calls[0]
    assert _query(call) == {"external_data": "abc"}
    assert call.request.body is None
    assert "Access-Token" not in call.request.headers


def test_catalog_create(client, mocked):
    mocked.post(f"{BASE}/open_api/v1.3/catalog/create/", json=fixture("envelope_success.json")["response"])
    catalog_id = client.catalog_create(TOKEN, bc_id=BC, name="Loja 1", region_code="BR", currency="BRL")
    assert catalog_id == "6869649744440854277"
    assert _body(mocked.calls[0]) == {
        "bc_id": BC,
        "name": "Loja 1",
        "catalog_type": "ECOM",
        "catalog_conf": {"region_code": "BR", "currency": "BRL"},
    }


def test_catalog_get(client, mocked):
    mocked.get(
        f"{BASE}/open_api/v1.3/catalog/get/",
        json=envelope(
            {
                "list": [
                    {
                        "catalog_id": CAT,
                        "catalog_name": "Loja 1",
                        "catalog_type": "ECOM",
                        "ad_creation_eligible": "AVAILABLE",
                        "create_time": "2026-01-02 03:04:05",
                        "update_time": "2026-01-02 03:04:05",
                        "bc_info": {"bc_id": BC, "bc_name": "Loja BC", "picture_url": ""},
                        "catalog_conf": {"country": "BR", "currency": "BRL", "channel": "PARTNER"},
                    }
                ],
                "page_info": {"page": 1, "page_size": 10, "total_number": 1, "total_page": 1},
            }
        ),
    )
    page = client.catalog_get(TOKEN, bc_id=BC, catalog_id=CAT)
    assert _query(mocked.calls[0]) == {"bc_id": BC, "catalog_id": CAT, "page": "1", "page_size": "10"}
    (catalog,) = page.catalogs
    assert (catalog.catalog_id, catalog.catalog_name, catalog.bc_id, catalog.country, catalog.currency) == (
        CAT,
        "Loja 1",
        BC,
        "BR",
        "BRL",
    )
    assert page.page_info.total_number == 1


def test_catalog_overview(client, mocked):
    mocked.get(f"{BASE}/open_api/v1.3/catalog/overview/", json=fixture("catalog_overview.json")["response"])
    assert client.catalog_overview(TOKEN, bc_id=BC, catalog_id=CAT) == CatalogOverview(1, 3, 38, 0, 0, 0)
    assert _query(mocked.calls[0]) == {"bc_id": BC, "catalog_id": CAT}


def test_product_upload(client, mocked):
    fx = fixture("product_upload.json")
    mocked.post(f"{BASE}/open_api/v1.3/catalog/product/upload/", json=fx["response"])
    feed_log_id = client.product_upload(TOKEN, bc_id=BC, catalog_id=CAT, products=fx["request"]["products"])
    assert feed_log_id == "73474"
    assert _body(mocked.calls[0]) == fx["request"]
    assert client.lock.holder(CAT).feed_log_id == "73474", "the catalog stays locked until the log finishes"


@pytest.mark.parametrize("count", [0, 5001])
def test_product_upload_batch_size_is_checked_before_sending(client, mocked, count):
    with pytest.raises(ValueError):
        client.product_upload(TOKEN, bc_id=BC, catalog_id=CAT, products=[{"sku_id": "x"}] * count)
    assert len(mocked.calls) == 0


def test_product_update(client, mocked):
    mocked.post(f"{BASE}/open_api/v1.3/catalog/product/update/", json=envelope({"feed_log_id": 73475}))
    products = [{"sku_id": "TSHIRT-RED-M", "availability": "OUT_OF_STOCK"}]
    assert (
        client.product_update(TOKEN, bc_id=BC, catalog_id=CAT, products=products, feed_id="2335") == "73475"
    )
    assert _body(mocked.calls[0]) == {"bc_id": BC, "catalog_id": CAT, "products": products, "feed_id": "2335"}


def test_product_delete(client, mocked):
    mocked.post(f"{BASE}/open_api/v1.3/catalog/product/delete/", json=envelope({"feed_log_id": "73476"}))
    assert client.product_delete(TOKEN, bc_id=BC, catalog_id=CAT, sku_ids=["A", "B"]) == "73476"
    assert _body(mocked.calls[0]) == {"bc_id": BC, "catalog_id": CAT, "sku_ids": ["A", "B"]}
    with pytest.raises(ValueError):
        client.product_delete(TOKEN, bc_id=BC, catalog_id="other", sku_ids=["x"] * 1001)


PRODUCT_V13 = {
    "sku_id": "TSHIRT-RED-M",
    "product_id": 1730000000000000001,
    "title": "T-Shirt",
    "availability": "IN_STOCK",
    "image_url": "https://shop.example.com/img/a.jpg",
    "active_status": "ACTIVATED",
    "image_status": "SUCCESS",
    "ad_creation_eligible": "NOT_AVAILABLE",
    "audit": {
        "audit_status": "rejected",
        "rejected_info": [
            {
                "reason": "Prohibited product",
                "suggestion": "Remove the word",
                "affected_placement": ["PLACEMENT_TIKTOK"],
                "affected_country": ["BR"],
            }
        ],
    },
    "price_info": {"price": 30.0, "currency": "BRL", "sale_price": 20.0},
    "product_detail": {"condition": "NEW", "color": "red"},
    "landing_page": {"landing_page_url": "https://shop.example.com/p/1"},
}
PRODUCT_V12_SPELLING = {
    **{k: v for k, v in PRODUCT_V13.items() if k not in ("price_info", "product_detail", "audit")},
    "audit": {"audit_status": "rejected", "reject_info": PRODUCT_V13["audit"]["rejected_info"]},
    "price": {"price": "30.0", "currency": "BRL", "sale_price": "20.0"},
    "profession": {"condition": "NEW", "color": "red"},
}


@pytest.mark.parametrize("raw", [PRODUCT_V13, PRODUCT_V12_SPELLING], ids=["price_info", "price"])
def test_product_get_accepts_both_spellings(client, mocked, raw):
    mocked.get(
        f"{BASE}/open_api/v1.3/catalog/product/get/",
        json=envelope(
            {"list": [raw], "page_info": {"page": 1, "page_size": 100, "total_number": 1, "total_page": 1}}
        ),
    )
    page = client.product_get(TOKEN, bc_id=BC, catalog_id=CAT, sku_ids=["TSHIRT-RED-M", "B"])
    assert _query(mocked.calls[0]) == {
        "bc_id": BC,
        "catalog_id": CAT,
        "sku_ids": '["TSHIRT-RED-M","B"]',
        "page": "1",
        "page_size": "100",
    }
    (product,) = page.products
    assert product.sku_id == "TSHIRT-RED-M" and product.product_id == "1730000000000000001"
    assert (product.price.price, product.price.currency, product.price.sale_price) == (30.0, "BRL", 20.0)
    assert product.detail == {"condition": "NEW", "color": "red"}
    assert product.audit_status == "rejected"
    assert product.rejected_info[0].reason == "Prohibited product"
    assert product.rejected_info[0].affected_placement == ("PLACEMENT_TIKTOK",)
    assert product.landing_page_url == "https://shop.example.com/p/1"


def test_product_get_conditions_are_json_and_ids_are_exclusive(client, mocked):
    mocked.get(f"{BASE}/open_api/v1.3/catalog/product/get/", json=envelope({"list": [], "page_info": {}}))
    conditions = {"and": [{"field": "audit_status", "operator": "EQ", "values": ["rejected"]}]}
    client.product_get(TOKEN, bc_id=BC, catalog_id=CAT, conditions=conditions, page=3, page_size=500)
    query = _query(mocked.calls[0])
    assert json.loads(query["conditions"]) == conditions
    assert (query["page"], query["page_size"]) == ("3", "500")
    with pytest.raises(ValueError):
        client.product_get(TOKEN, bc_id=BC, catalog_id=CAT, sku_ids=["a"], product_ids=["b"])
    with pytest.raises(ValueError):
        client.product_get(TOKEN, bc_id=BC, catalog_id=CAT, page_size=501)


def test_product_log(client, mocked):
    mocked.get(f"{BASE}/open_api/v1.3/catalog/product/log/", json=fixture("product_log.json")["response"])
    log = client.product_log(TOKEN, bc_id=BC, catalog_id=CAT, feed_log_id="73472")
    assert _query(mocked.calls[0]) == {
        "bc_id": BC,
        "catalog_id": CAT,
        "feed_log_id": "73472",
        "language": "en",
    }
    assert (log.process_status, log.update_count, log.warn_count, log.done) == ("SUCCESS", 2, 1, True)
    assert log.errors == ()
    (warning,) = log.warnings
    assert (warning.field, warning.issue, warning.affected_product_count) == (
        "gender",
        "Invalid value: gender",
        1,
    )
    assert warning.items[0].sku_id == "tiktok_item_12424" and warning.items[0].index == 3
    assert log.download_path == {"en": "https://.../73472_en.csv"}


def test_pixel_list(client, mocked):
    mocked.get(
        f"{BASE}/open_api/v1.3/pixel/list/",
        json=envelope(
            {
                "pixels": [
                    {
                        "pixel_id": "7000000000000000777",
                        "pixel_code": "CABCDEFGHIJ1234567XY",
                        "pixel_name": "Loja",
                        "pixel_setup_mode": "DEVELOPER",
                        "partner_name": "VTEX",
                        "activity_status": "ACTIVE",
                        "advanced_matching_fields": {"email": True, "phone_number": False},
                    }
                ],
                "page_info": {"page": 1, "page_size": 10, "total_number": 1, "total_page": 1},
            }
        ),
    )
    page = client.pixel_list(TOKEN, advertiser_id="7200000000000000001", code="CABCDEFGHIJ1234567XY")
    assert _query(mocked.calls[0]) == {
        "advertiser_id": "7200000000000000001",
        "code": "CABCDEFGHIJ1234567XY",
        "page": "1",
        "page_size": "10",
    }
    (pixel,) = page.pixels
    assert pixel.pixel_code == "CABCDEFGHIJ1234567XY"
    assert (pixel.advanced_matching_email, pixel.advanced_matching_phone, pixel.advanced_matching) == (
        True,
        False,
        True,
    )
    assert pixel.activity_status == "ACTIVE"


def test_event_track(client, mocked):
    fx = fixture("event_track.json")
    mocked.post(f"{BASE}/open_api/v1.3/event/track/", json=fx["response"])
    request = fx["request"]
    result = client.event_track(
        TOKEN,
        pixel_code=request["event_source_id"],
        events=request["data"],
        partner_name=request["partner_name"],
    )
    assert result is None
    assert _body(mocked.calls[0]) == request
    assert mocked.calls[0].request.headers["Access-Token"] == TOKEN
    with pytest.raises(ValueError):
        client.event_track(TOKEN, pixel_code="P", events=[{}] * 1001, partner_name="VTEX")
