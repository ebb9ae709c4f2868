"""OAuth, tokens, business profile, disconnect and suspension over real HTTP."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
import requests

pytestmark = pytest.mark.slow

APP = {"app_id": "7400000000000000001", "secret": "sandbox-app-secret"}
MSG_REVOKED = "Access token is incorrect or has been revoked."


def _auth_code(sandbox, **fields) -> str:
    result = sandbox.admin.onboard(sandbox.external_data(state="s-1", **fields))
    query = parse_qs(urlparse(result["location"]).query)
    assert query["state"] == ["s-1"]
    return query["auth_code"][0]


def test_auth_code_exchanges_once_for_a_token_that_works(sandbox, api):
    code = _auth_code(sandbox)
    first = api("POST", "oauth2/access_token", body={**APP, "auth_code": code})
    assert first["code"] == 0 and first["message"] == "OK"
    assert set(first["data"]) == {"access_token", "advertiser_ids", "scope"}
    assert first["data"]["advertiser_ids"] == ["7200000000000000001"]
    token = first["data"]["access_token"]

    again = api("POST", "oauth2/access_token", body={**APP, "auth_code": code})
    assert (again["code"], again["data"]) == (40110, {})

    advertisers = api("GET", "oauth2/advertiser/get", token=token, params=APP)
    assert advertisers["data"] == {
        "list": [{"advertiser_id": "7200000000000000001", "advertiser_name": "Demo Ad Account"}]
    }


def test_auth_code_expires(sandbox, api):
    sandbox.admin.config(auth_code_ttl_seconds=-1)
    code = _auth_code(sandbox)
    result = api("POST", "oauth2/access_token", body={**APP, "auth_code": code})
    assert result["code"] == 40110
    assert "expired" in result["message"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({**APP, "auth_code": "not-a-code"}, 40110),
        ({"app_id": APP["app_id"], "secret": "wrong", "auth_code": "x"}, 40101),
        ({"app_id": "7999999999999999999", "secret": "x", "auth_code": "x"}, 40113),
        ({"app_id": APP["app_id"], "secret": APP["secret"]}, 40002),
    ],
)
def test_bad_token_exchanges(sandbox, api, body, code):
    result = api("POST", "oauth2/access_token", body=body)
    assert (result["code"], result["data"]) == (code, {})
    assert sandbox.admin.tokens() == []


def test_missing_token_is_40104_and_unknown_or_bearer_is_40105(api, conn):
    params = {"bc_id": conn["bc_id"]}
    missing = api("GET", "catalog/get", params=params)
    assert missing["code"] == 40104
    assert (
        missing["message"] == "Access token is null, you should set it in http header with key Access-Token."
    )
    assert api("GET", "catalog/get", params=params, token="f" * 40)["code"] == 40105
    bearer = api("GET", "catalog/get", params=params, token="Bearer " + conn["access_token"])
    assert (bearer["code"], bearer["message"]) == (40105, MSG_REVOKED)
    assert api("GET", "catalog/get", params=params, token=conn["access_token"])["code"] == 0


def test_revoke_token_makes_every_call_40105(api, conn):
    revoked = api("POST", "oauth2/revoke_token", body={**APP, "access_token": conn["access_token"]})
    assert revoked["data"] == {"app_id": APP["app_id"], "advertiser_ids": [conn["adv_id"]]}
    after = api("GET", "catalog/get", token=conn["access_token"], params={"bc_id": conn["bc_id"]})
    assert (after["code"], after["message"], after["data"]) == (40105, MSG_REVOKED, {})
    again = api("POST", "oauth2/revoke_token", body={**APP, "access_token": conn["access_token"]})
    assert again["code"] == 40105


def test_admin_revoke_by_fingerprint(sandbox, api, conn):
    assert sandbox.admin.revoke(token_fp=conn["token_fp"]) == 1
    assert (
        api("GET", "catalog/get", token=conn["access_token"], params={"bc_id": conn["bc_id"]})["code"]
        == 40105
    )


def _profile(api, token, ebid="lojademo", version="v1.2"):
    return api(
        "GET",
        "tbp/business_profile/get",
        token=token,
        version=version,
        params={"business_platform": "VTEX", "external_business_id": ebid, "full_data": 1},
    )


def test_business_profile_after_onboarding(api, conn):
    profile = _profile(api, conn["access_token"])
    assert profile["code"] == 0
    assert profile["data"] == {
        "status": 2,
        "bc_id": conn["bc_id"],
        "adv_id": conn["adv_id"],
        "pixel_code": conn["pixel_code"],
        "catalog_id": conn["catalog_id"],
        "store_name": "Demo Store",
        "core_user_id": "7400000000000000009",
    }


def test_business_profile_v2_uses_external_data(sandbox, conn):
    url = f"{sandbox.url}/tbp/v2.0/business_profile/get"
    params = {"business_platform": "VTEX", "external_business_id": "lojademo", "full_data": 1}
    ok = requests.get(url, params={**params, "external_data": sandbox.external_data()}, timeout=10).json()
    assert ok["code"] == 0 and ok["data"]["catalog_id"] == conn["catalog_id"]
    forged = sandbox.external_data()[:-4] + "AAAA"
    bad = requests.get(url, params={**params, "external_data": forged}, timeout=10).json()
    assert bad["code"] == 40002 and bad["data"] == {}
    other = sandbox.external_data(external_business_id="another-store")
    mismatch = requests.get(url, params={**params, "external_data": other}, timeout=10).json()
    assert mismatch["code"] == 40002


def test_disconnect_v2_empties_profile_and_revokes_token(sandbox, api, conn):
    resp = requests.post(
        f"{sandbox.url}/tbp/v2.0/business_profile/disconnect",
        params={"external_data": sandbox.external_data()},
        json={"business_platform": "VTEX", "external_business_id": "lojademo"},
        timeout=10,
    ).json()
    assert (resp["code"], resp["message"]) == (0, "OK")
    assert _profile(api, conn["access_token"])["code"] == 40105
    v2 = requests.get(
        f"{sandbox.url}/tbp/v2.0/business_profile/get",
        params={
            "business_platform": "VTEX",
            "external_business_id": "lojademo",
            "external_data": sandbox.external_data(),
        },
        timeout=10,
    ).json()
    assert (v2["code"], v2["data"]) == (0, [])
    assert [t["revoke_reason"] for t in sandbox.admin.tokens()] == ["business_profile_disconnect"]
    (entry,) = sandbox.admin.journal(endpoint="tbp/v2.0/business_profile/disconnect")
    assert (entry["app_id"], entry["token_fp"], entry["code"]) == (APP["app_id"], None, 0)


def test_shop_connection_disconnect_leaves_the_ads_connection(sandbox, api, conn):
    resp = requests.post(
        f"{sandbox.url}/tbp/v2.0/shop/connection/disconnect",
        params={"external_data": sandbox.external_data()},
        timeout=10,
    ).json()
    assert (resp["code"], resp["message"]) == (0, "OK")
    assert _profile(api, conn["access_token"])["data"]["status"] == 2


def test_suspension_answers_40105_but_profile_explains(sandbox, api, conn):
    sandbox.admin.suspend(conn["adv_id"], "Repeated policy violations.")
    assert (
        api("GET", "catalog/get", token=conn["access_token"], params={"bc_id": conn["bc_id"]})["code"]
        == 40105
    )
    profile = _profile(api, conn["access_token"])
    assert profile["code"] == 0
    assert profile["data"]["status"] == 3
    assert profile["data"]["suspended"] is True
    assert profile["data"]["suspend_reason"] == "Repeated policy violations."
    sandbox.admin.unsuspend(conn["adv_id"])
    assert api("GET", "catalog/get", token=conn["access_token"], params={"bc_id": conn["bc_id"]})["code"] == 0


def test_legacy_disconnect_with_token(api, conn):
    body = {"business_platform": "VTEX", "external_business_id": "lojademo", "is_setup_page": 0}
    assert (
        api("POST", "tbp/business_profile/disconnect", token=conn["access_token"], version="v1.2", body=body)[
            "code"
        ]
        == 0
    )
    assert _profile(api, conn["access_token"])["code"] == 40105
