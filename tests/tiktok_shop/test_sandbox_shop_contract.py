"""The sandbox's TikTok Shop routes (sandbox/SHOP.md) over real HTTP: what the app relies on."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from .shop_sandbox import MEMBER, OWNER, SHOP_BR, ShopAdmin

pytestmark = pytest.mark.slow

REDIRECT = "http://127.0.0.1:8000/admin/lojademo/marketplace/tiktok/shop/callback/"


def ext(sandbox, **fields):
    base = {
        "external_business_id": "vtex_lojademo_x",
        "whitelisted_features": ["tt_shop"],
        "country_region": "BR",
        "redirect_uri": REDIRECT,
        "state": "st-1",
    }
    base.update(fields)
    return sandbox.external_data(**base)


def api(sandbox, method, path, external_data, **kw):
    resp = requests.request(method, f"{sandbox.url}/tbp/v2.0/shop/{path}", params={"external_data": external_data,
                            **kw.pop("params", {})}, timeout=10, **kw)  # fmt: skip
    assert resp.status_code == 200
    body = resp.json()
    assert set(body) == {"code", "message", "request_id", "data"}
    return body


def authorize(sandbox, external_data, email=OWNER, shop_id=SHOP_BR):
    location = ShopAdmin(sandbox.url).authorize(external_data, email=email, shop_id=shop_id)
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}, location


@pytest.mark.parametrize(
    ("change", "text"),
    [
        ({"whitelisted_features": []}, "tt_shop"),
        ({"redirect_uri": "https://evil.example.com/cb"}, "redirect_uri"),
        ({"timestamp": str(int((time.time() - 7200) * 1000))}, "too old"),
    ],
)
def test_authorize_page_refuses_bad_requests(sandbox, change, text):
    resp = requests.get(
        f"{sandbox.url}/seller/authorize", params={"external_data": ext(sandbox, **change)}, timeout=10
    )
    assert resp.status_code == 400 and text in resp.text


def test_authorize_page_refuses_a_forged_hmac(sandbox):
    forged = ext(sandbox)[:-8] + "AAAAAAA="
    resp = requests.get(f"{sandbox.url}/seller/authorize", params={"external_data": forged}, timeout=10)
    assert resp.status_code == 400


def test_wrong_password_is_refused_on_the_page(sandbox):
    s = requests.Session()
    page = s.get(f"{sandbox.url}/seller/authorize", params={"external_data": ext(sandbox)}, timeout=10)
    resp = s.post(page.url, data={"action": "login", "email": OWNER, "password": "wrong"}, timeout=10)
    assert "Incorrect email or password." in resp.text


def test_code_is_single_use_and_bound_to_the_store(sandbox):
    params, location = authorize(sandbox, ext(sandbox))
    assert location.startswith(REDIRECT + "?") and params["state"] == "st-1"
    other_store = api(sandbox, "POST", "connection/create", ext(sandbox, external_business_id="other"),
                      json={"auth_code": params["auth_code"]})  # fmt: skip
    assert other_store["code"] == 41006
    # A code presented by another store is refused without being consumed.
    ok = api(sandbox, "POST", "connection/create", ext(sandbox), json={"auth_code": params["auth_code"]})
    assert (
        ok["code"] == 0
        and ok["data"]["shop"]["shop_id"] == SHOP_BR
        and ok["data"]["shop"]["is_owner"] is True
    )
    again = api(sandbox, "POST", "connection/create", ext(sandbox), json={"auth_code": params["auth_code"]})
    assert again["code"] == 41006


def test_rules_on_the_page(sandbox):
    assert authorize(sandbox, ext(sandbox), email=MEMBER)[0] == {"error": "not_shop_owner", "state": "st-1"}
    assert authorize(sandbox, ext(sandbox, country_region="MX"))[0]["error"] == "region_mismatch"
    params, _ = authorize(sandbox, ext(sandbox))
    api(sandbox, "POST", "connection/create", ext(sandbox), json={"auth_code": params["auth_code"]})
    taken = authorize(sandbox, ext(sandbox, external_business_id="another-store"))[0]
    assert taken["error"] == "shop_already_connected"


def test_status_order_paging_and_disconnect(sandbox):
    # This test calls faster than TikTok's 10 QPS on purpose (the app goes through its rate limiter).
    sandbox.admin.config(app_qps=1000)
    admin = ShopAdmin(sandbox.url)
    data = ext(sandbox)
    assert api(sandbox, "GET", "connection/get_status", data)["data"] == {"status": "NOT_CONNECTED"}
    assert api(sandbox, "GET", "order/list", data)["code"] == 41004
    params, _ = authorize(sandbox, data)
    api(sandbox, "POST", "connection/create", data, json={"auth_code": params["auth_code"]})
    status = api(sandbox, "GET", "connection/get_status", data)["data"]
    assert status["status"] == "CONNECTED" and status["shop"]["shop_name"] == "Loja Demo TikTok Shop"
    placed = {o["id"] for o in admin.place_orders(SHOP_BR, [1], count=7)}
    seen, cursor = [], ""
    while True:
        page = api(sandbox, "GET", "order/list", data, params={"page_size": 3, "cursor": cursor})["data"]
        seen += [o["id"] for o in page["orders"]]
        if not page["has_more"]:
            break
        cursor = page["next_cursor"]
    assert sorted(seen) == sorted(placed) and len(seen) == 7
    moved = admin.set_status(seen[0], "CANCELLED")
    later = api(sandbox, "GET", "order/list", data, params={"update_time_ge": moved["update_time"]})["data"]
    assert [o["id"] for o in later["orders"]] == [seen[0]]
    assert api(sandbox, "POST", "connection/disconnect", data)["code"] == 0
    assert api(sandbox, "GET", "order/list", data)["code"] == 41004
    assert api(sandbox, "POST", "connection/disconnect", data)["code"] == 0  # idempotent
    assert [c["status"] for c in admin.connections()] == ["DISCONNECTED"]


@pytest.mark.parametrize(
    ("locale", "title"), [("pt-BR", "Entrar no TikTok Shop"), ("es", "Iniciar sesión en TikTok Shop")]
)
def test_seller_page_follows_the_merchant_locale(sandbox, locale, title):
    resp = requests.get(
        f"{sandbox.url}/seller/authorize", params={"external_data": ext(sandbox, locale=locale)}, timeout=10
    )
    assert f"<h1>{title}</h1>" in resp.text


@pytest.mark.parametrize(
    ("locale", "hint"),
    [
        ("pt-BR", "demo@tiktok.test (proprietário), noadmin@tiktok.test (membro da loja, não proprietário)"),
        ("es", "demo@tiktok.test (propietario), noadmin@tiktok.test (miembro de la tienda, no propietario)"),
    ],
)
def test_seller_login_hint_follows_the_merchant_locale_and_asks_for_no_favicon(sandbox, locale, hint):
    resp = requests.get(
        f"{sandbox.url}/seller/authorize", params={"external_data": ext(sandbox, locale=locale)}, timeout=10
    )
    assert hint in resp.text
    assert "(owner)" not in resp.text and "password <code>" not in resp.text
    assert "<link rel='icon' href='data:,'>" in resp.text
