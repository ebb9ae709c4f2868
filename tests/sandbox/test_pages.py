"""TikTok's hosted pages: login, onboarding (Set Up TikTok for Business) and the Manage destinations."""

from __future__ import annotations

import base64
import html
import json
import re
import time
from urllib.parse import parse_qs, urlparse

import pytest
import requests

pytestmark = pytest.mark.slow

REDIRECT = "http://127.0.0.1:8000/admin/lojademo/marketplace/tiktok/callback/"


def h1(resp) -> str:
    return html.unescape(re.search(r"<h1>(.*?)</h1>", resp.text).group(1))


def forged(sandbox) -> str:
    """A valid external_data whose signed field was changed afterwards (the hmac no longer matches)."""
    payload = json.loads(base64.b64decode(sandbox.external_data(redirect_uri=REDIRECT)))
    payload["external_business_id"] = "someone-elses-store"
    return base64.b64encode(json.dumps(payload).encode()).decode()


def login(sandbox, email="demo@tiktok.test", session=None) -> requests.Session:
    s = session or requests.Session()
    resp = s.post(
        f"{sandbox.url}/login",
        data={"email": email, "password": "sandbox", "next": "/"},
        allow_redirects=False,
    )
    assert resp.status_code == 302
    return s


def start(sandbox, session, **fields):
    ed = sandbox.external_data(redirect_uri=REDIRECT, state="st-42", store_name="Loja Demo", **fields)
    resp = session.get(f"{sandbox.url}/business-extension/auth", params={"external_data": ed})
    return resp


def setup_url(resp) -> str:
    assert resp.status_code == 200, resp.text
    assert "/business-extension/setup/" in resp.url
    return resp.url


@pytest.mark.parametrize(
    ("mutate", "detail"),
    [
        (forged, "hmac does not match"),
        (
            lambda sb: sb.external_data(
                redirect_uri=REDIRECT, timestamp=str(int(time.time() * 1000) - 31 * 60_000)
            ),
            "timestamp is too old",
        ),
        (lambda sb: sb.external_data(redirect_uri=REDIRECT, external_business_id=""), "external_business_id"),
        (lambda sb: sb.external_data(redirect_uri="https://evil.example/steal"), "redirect_uri"),
        (lambda sb: "not-base64!", "base64"),
    ],
)
def test_invalid_external_data_shows_an_error_page(sandbox, mutate, detail):
    resp = requests.get(f"{sandbox.url}/business-extension/auth", params={"external_data": mutate(sandbox)})
    assert resp.status_code == 400
    assert h1(resp) == "Something went wrong"
    assert detail in resp.text
    assert "auth_code" not in resp.text


@pytest.mark.parametrize(
    ("locale", "title"),
    [("pt-BR", "Algo deu errado"), ("es", "Algo salió mal"), ("fr", "Something went wrong")],
)
def test_error_page_follows_external_data_locale(sandbox, locale, title):
    stale = sandbox.external_data(locale=locale, redirect_uri=REDIRECT, timestamp="1000")
    resp = requests.get(f"{sandbox.url}/business-extension/auth", params={"external_data": stale})
    assert (resp.status_code, h1(resp)) == (400, title)


def test_login_then_setup_in_the_merchants_language(sandbox):
    s = requests.Session()
    resp = start(sandbox, s, locale="es")
    assert "/login" in resp.url and h1(resp) == "Iniciar sesión en TikTok for Business"
    bad = s.post(f"{sandbox.url}/login", data={"email": "demo@tiktok.test", "password": "nope", "next": "/"})
    assert bad.status_code == 400 and "Correo o contraseña incorrectos." in bad.text
    nxt = re.search(r'name="next" value="([^"]+)"', resp.text).group(1)
    page = s.post(
        f"{sandbox.url}/login", data={"email": "demo@tiktok.test", "password": "sandbox", "next": nxt}
    )
    assert h1(page) == "Configurar TikTok for Business"
    for text in (
        "Business Center",
        "Cuenta publicitaria",
        "Uso compartido de datos",
        "Catálogo",
        "Finalizar configuración",
    ):
        assert text in page.text


def test_finish_setup_with_existing_assets_redirects_with_code_and_state(sandbox, api):
    s = login(sandbox)
    url = setup_url(start(sandbox, s))
    form = {
        "bc": "7100000000000000001",
        "adv": "7200000000000000001",
        "pixel": "CABCDEFGHIJ1234567XY",
        "catalog": "7300000000000000001",
        "advanced_matching": "1",
        "action": "finish",
    }
    resp = s.post(url, data=form, allow_redirects=False)
    assert resp.status_code == 302
    location = urlparse(resp.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == ["st-42"]
    token = api(
        "POST",
        "oauth2/access_token",
        body={
            "app_id": sandbox.provision["app_id"],
            "secret": sandbox.provision["secret"],
            "auth_code": query["auth_code"][0],
        },
    )["data"]["access_token"]
    profile = api(
        "GET",
        "tbp/business_profile/get",
        token=token,
        version="v1.2",
        params={"business_platform": "VTEX", "external_business_id": "lojademo"},
    )["data"]
    assert profile == {
        "status": 2,
        "bc_id": "7100000000000000001",
        "adv_id": "7200000000000000001",
        "pixel_code": "CABCDEFGHIJ1234567XY",
        "catalog_id": "7300000000000000001",
        "store_name": "Loja Demo",
        "core_user_id": "7400000000000000009",
    }
    pixel = api("GET", "pixel/list", token=token, params={"advertiser_id": "7200000000000000001"})["data"][
        "pixels"
    ][0]
    assert pixel["advanced_matching_fields"] == {"email": True, "phone_number": True}
    again = s.post(url, data=form, allow_redirects=False)
    assert again.status_code == 400 and "expired" in again.text


def test_finish_setup_creating_everything_new(sandbox):
    s = login(sandbox)
    url = setup_url(start(sandbox, s))
    form = {
        "bc": "new",
        "bc_name": "Loja BC",
        "adv": "new",
        "adv_name": "Loja Ads",
        "pixel": "new",
        "pixel_name": "Loja Pixel",
        "catalog": "new",
        "catalog_name": "Loja Catalog",
        "action": "finish",
    }
    resp = s.post(url, data=form, allow_redirects=False)
    assert resp.status_code == 302
    (profile,) = sandbox.admin.profiles()
    assert profile["bc_id"] != "7100000000000000001"
    assert profile["status"] == 2
    catalogs = {c["catalog_id"]: c for c in sandbox.admin.catalogs()}
    assert catalogs[profile["catalog_id"]]["name"] == "Loja Catalog"
    assert catalogs[profile["catalog_id"]]["bc_id"] == profile["bc_id"]


def test_cancel_returns_access_denied_with_state(sandbox):
    s = login(sandbox)
    url = setup_url(start(sandbox, s))
    resp = s.post(url, data={"action": "cancel"}, allow_redirects=False)
    assert resp.status_code == 302
    assert resp.headers["Location"] == REDIRECT + "?error=access_denied&state=st-42"
    assert sandbox.admin.profiles() == []


def test_non_admin_cannot_connect_an_existing_business_center(sandbox):
    s = login(sandbox, "noadmin@tiktok.test")
    url = setup_url(start(sandbox, s))
    assert "Admin permission required" in s.get(url).text
    resp = s.post(
        url,
        data={
            "bc": "7100000000000000001",
            "adv": "7200000000000000001",
            "pixel": "new",
            "catalog": "new",
            "action": "finish",
        },
        allow_redirects=False,
    )
    assert resp.status_code == 400
    assert "You need Admin permission in this Business Center to connect it." in resp.text
    assert sandbox.admin.profiles() == []


def test_user_without_ads_manager_cannot_finish(sandbox):
    s = login(sandbox, "noads@tiktok.test")
    url = setup_url(start(sandbox, s))
    page = s.get(url)
    assert "No TikTok Ads Manager account is linked to your business account." in page.text
    resp = s.post(
        url,
        data={
            "bc": "7100000000000000002",
            "adv": "new",
            "pixel": "new",
            "catalog": "new",
            "action": "finish",
        },
        allow_redirects=False,
    )
    assert resp.status_code == 400
    assert sandbox.admin.profiles() == []
    assert sandbox.admin.onboard(sandbox.external_data(redirect_uri=REDIRECT), user="noads@tiktok.test") == {
        "error": "err_no_ads"
    }


def test_assets_must_belong_to_the_chosen_business_center(sandbox):
    s = login(sandbox)
    url = setup_url(start(sandbox, s))
    resp = s.post(
        url,
        data={
            "bc": "new",
            "adv": "7200000000000000001",
            "pixel": "new",
            "catalog": "new",
            "action": "finish",
        },
        allow_redirects=False,
    )
    assert resp.status_code == 400
    assert "must belong to the selected Business Center" in resp.text


MANAGE_PATHS = [
    ("/bc/7100000000000000001/", "Business Center"),
    ("/ads/7200000000000000001/", "Ads Manager"),
    ("/ads/7200000000000000001/create/", "Create an ad"),
    ("/events-manager/pixel/CABCDEFGHIJ1234567XY/", "Events Manager · Pixel"),
    ("/catalog-manager/7100000000000000001/7300000000000000001/", "Catalog Manager"),
    ("/ac/page/authorizations", "Authorizations"),
]


@pytest.mark.parametrize(("path", "title"), MANAGE_PATHS)
def test_manage_destinations(sandbox, path, title):
    anonymous = requests.get(sandbox.url + path, allow_redirects=False)
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login?next=")
    demo = login(sandbox).get(sandbox.url + path)
    assert (demo.status_code, h1(demo)) == (200, title)
    outsider = login(sandbox, "noads@tiktok.test").get(sandbox.url + path)
    if path == "/ac/page/authorizations":
        assert outsider.status_code == 200 and "No platforms are connected" in outsider.text
    else:
        assert outsider.status_code == 403
        assert h1(outsider) == "You don't have permission"
        assert "noads@tiktok.test" in outsider.text


def test_standard_member_sees_but_cannot_create_ads_or_delete_products(sandbox):
    s = login(sandbox, "noadmin@tiktok.test")
    assert s.get(f"{sandbox.url}/ads/7200000000000000001/").status_code == 200
    assert s.get(f"{sandbox.url}/ads/7200000000000000001/create/").status_code == 403
    url = f"{sandbox.url}/catalog-manager/7100000000000000001/7300000000000000001/"
    assert "Deleting products needs Admin permission." in s.get(url).text
    assert s.post(url, data={"sku_id": "X"}).status_code == 403


def test_catalog_manager_lists_audit_status_and_deletes(sandbox, api):
    conn = sandbox.admin.connect("lojademo", new_assets=False)
    sandbox.admin.config(image_fetch=False)
    from tests.sandbox.conftest import product

    body = {
        "bc_id": conn["bc_id"],
        "catalog_id": conn["catalog_id"],
        "products": [product("CM-1"), product("CM-2", title="proibido")],
    }
    api("POST", "catalog/product/upload", token=conn["access_token"], body=body)
    sandbox.admin.tick()
    s = login(sandbox)
    url = f"{sandbox.url}/catalog-manager/{conn['bc_id']}/{conn['catalog_id']}/"
    page = s.get(url).text
    assert "Approved (1)" in page and "Rejected (1)" in page
    assert "Prohibited content" in page
    rejected_only = s.get(url, params={"status": "rejected"}).text
    assert "CM-2" in rejected_only and "CM-1" not in rejected_only
    resp = s.post(url, data={"sku_id": ["CM-2"]})
    assert "1 product(s) deleted." in resp.text
    assert [p["sku_id"] for p in sandbox.admin.products(conn["catalog_id"])] == ["CM-1"]


def test_create_an_ad(sandbox):
    s = login(sandbox)
    resp = s.post(
        f"{sandbox.url}/ads/7200000000000000001/create/",
        data={"name": "Black Friday", "catalog_id": "7300000000000000001"},
    )
    assert resp.status_code == 200 and "Your ad was created" in resp.text
    assert "Black Friday" in resp.text
    empty = s.post(f"{sandbox.url}/ads/7200000000000000001/create/", data={"name": ""})
    assert empty.status_code == 400


def test_pixel_page_toggles_advanced_matching(sandbox, api):
    conn = sandbox.admin.connect("lojademo", new_assets=False)
    s = login(sandbox)
    url = f"{sandbox.url}/events-manager/pixel/{conn['pixel_code']}/"
    assert "Settings saved." in s.post(url, data={"advanced_matching": "1"}).text
    pixel = api("GET", "pixel/list", token=conn["access_token"], params={"advertiser_id": conn["adv_id"]})[
        "data"
    ]["pixels"]
    assert pixel[0]["advanced_matching_fields"] == {"email": True, "phone_number": True}


def test_authorizations_remove_revokes_and_clears_profile(sandbox, api):
    conn = sandbox.admin.connect("lojademo")
    s = login(sandbox)
    page = s.get(f"{sandbox.url}/ac/page/authorizations")
    assert "<strong>VTEX</strong>" in page.text and "Remove" in page.text
    resp = s.post(
        f"{sandbox.url}/ac/page/authorizations",
        data={"business_platform": "VTEX", "external_business_id": "lojademo"},
    )
    assert "VTEX was removed" in resp.text
    assert "<strong>VTEX</strong>" not in resp.text
    assert (
        api("GET", "catalog/get", token=conn["access_token"], params={"bc_id": conn["bc_id"]})["code"]
        == 40105
    )
    (profile,) = sandbox.admin.profiles()
    assert (profile["status"], profile["catalog_id"], profile["pixel_code"]) == (0, None, None)
    other = login(sandbox, "noadmin@tiktok.test").post(
        f"{sandbox.url}/ac/page/authorizations",
        data={"business_platform": "VTEX", "external_business_id": "lojademo"},
    )
    assert other.status_code == 403


@pytest.mark.parametrize(
    ("locale", "login_words", "setup_words", "english"),
    [
        (
            "pt",
            [
                "Contas de demonstração:",
                "(senha: sandbox)",
                "Sandbox do TikTok for Business · emulador local",
            ],
            [">Sair</button>"],
            ["Demo accounts", "Log out", ">Home<", ">Authorizations<", "local emulator"],
        ),
        (
            "es",
            ["Cuentas de demostración:", "(contraseña: sandbox)", "Sandbox de TikTok for Business"],
            [">Cerrar sesión</button>"],
            ["Demo accounts", "Log out", ">Home<", ">Authorizations<", "local emulator"],
        ),
    ],
)
def test_page_chrome_follows_the_merchants_language(sandbox, locale, login_words, setup_words, english):
    """The header, login hint and footer around the onboarding speak the store's language too (QA found
    'Log out', 'Demo accounts' and the footer in English on pt-BR and es onboarding pages)."""
    s = requests.Session()
    resp = start(sandbox, s, locale=locale)
    assert "/login" in resp.url
    for word in login_words:
        assert word in html.unescape(resp.text)
    nxt = re.search(r'name="next" value="([^"]+)"', resp.text).group(1)
    page = s.post(
        f"{sandbox.url}/login", data={"email": "demo@tiktok.test", "password": "sandbox", "next": nxt}
    )
    assert "/business-extension/setup/" in page.url
    shown = html.unescape(page.text)
    for word in setup_words:
        assert word in shown
    for word in english:
        assert word not in shown and word not in html.unescape(resp.text)
    # No page makes the browser ask for /favicon.ico (a 404 in every merchant's console). The layout is
    # shared with the TikTok Shop page, whose test matches the tag in single quotes.
    assert re.search(r"""<link rel=(["'])icon\1 href=(["'])data:,\2>""", page.text)


@pytest.mark.parametrize(
    ("accept", "title"),
    [
        ("pt-BR,pt;q=0.9,en;q=0.8", "Entrar no TikTok for Business"),
        ("es-AR,es;q=0.9", "Iniciar sesión en TikTok for Business"),
        ("de-DE", "Log in to TikTok for Business"),
        ("", "Log in to TikTok for Business"),
    ],
)
def test_manage_link_without_a_tiktok_session_logs_in_in_the_browsers_language(sandbox, accept, title):
    """A merchant who clicks *Manage* with no TikTok session lands on TikTok's login: in Portuguese for a
    Brazilian browser, not in English (QA)."""
    resp = requests.get(
        f"{sandbox.url}/bc/7100000000000000001/", headers={"Accept-Language": accept}, timeout=10
    )
    assert "/login" in resp.url
    assert h1(resp) == title


def test_authorizations_page_in_portuguese(sandbox):
    """The page the seed's manual steps send the merchant to (Autorizações > VTEX > Remover), all in pt."""
    sandbox.admin.connect("lojademo")
    s = login(sandbox)
    s.headers["Accept-Language"] = "pt-BR,pt;q=0.9"
    page = html.unescape(s.get(f"{sandbox.url}/ac/page/authorizations").text)
    assert "Plataformas conectadas" in page and "conectada em " in page and ">Remover</button>" in page
    resp = s.post(
        f"{sandbox.url}/ac/page/authorizations",
        data={"business_platform": "VTEX", "external_business_id": "lojademo"},
    )
    shown = html.unescape(resp.text)
    assert "VTEX foi removida. Ela não pode mais acessar os seus dados do TikTok." in shown
    assert "Nenhuma plataforma está conectada à sua conta." in shown
    for english in ("Connected platforms", "was removed", "No platforms", " · connected "):
        assert english not in shown and english not in page
