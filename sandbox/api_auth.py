"""OAuth (auth_code → token, revoke, advertiser/get) and the TBP business profile endpoints (§2)."""

from __future__ import annotations

import hmac
import json
import time
from sqlite3 import Row
from typing import Any

from sandbox import extdata, ids, model
from sandbox.core import SandboxApp
from sandbox.web import MSG_TOKEN_INVALID, ApiContext, ApiError

SCOPES = [4, 15]


def _app_checked(ctx: ApiContext) -> Row:
    app_id = ctx.require("app_id")
    secret = ctx.require("secret")
    app = ctx.storage.one("SELECT * FROM apps WHERE app_id = ?", (app_id,))
    if app is None:
        raise ApiError(40113, "The app does not exist or has been blocked.")
    if not hmac.compare_digest(app["secret"], secret):
        raise ApiError(40101, "App ID or secret is incorrect.")
    ctx.app_id = app_id
    return app


def access_token(ctx: ApiContext) -> dict[str, Any]:
    app = _app_checked(ctx)
    code = ctx.require("auth_code")
    now = time.time()
    with ctx.storage.tx() as c:
        row = c.execute("SELECT * FROM auth_codes WHERE code_sha = ?", (ids.token_sha(code),)).fetchone()
        if row is None or row["app_id"] != app["app_id"]:
            raise ApiError(40110, "The auth_code is invalid. Please re-authorize.")
        if row["used_at"] is not None:
            raise ApiError(40110, "The auth_code has been used. Please re-authorize.")
        if row["expires_at"] < now:
            raise ApiError(40110, "The auth_code has expired. Please re-authorize.")
        c.execute("UPDATE auth_codes SET used_at = ? WHERE code_sha = ?", (now, row["code_sha"]))
    adv_ids = json.loads(row["adv_ids"])
    token = model.token_issue(
        ctx.storage,
        app_id=app["app_id"],
        user_id=row["user_id"],
        adv_ids=adv_ids,
        business_platform=row["business_platform"],
        external_business_id=row["external_business_id"],
    )
    data: dict[str, Any] = {"access_token": token}
    if ctx.body.get("return_advertiser_ids", True) is not False:
        data["advertiser_ids"] = adv_ids
    data["scope"] = SCOPES
    return data


def revoke_token(ctx: ApiContext) -> dict[str, Any]:
    app = _app_checked(ctx)
    token = ctx.require("access_token")
    row = ctx.storage.one("SELECT * FROM tokens WHERE token_sha = ?", (ids.token_sha(token),))
    if row is None or row["app_id"] != app["app_id"] or row["revoked_at"] is not None:
        raise ApiError(40105, MSG_TOKEN_INVALID)
    ctx.storage.execute(
        "UPDATE tokens SET revoked_at = ?, revoke_reason = 'revoke_token' WHERE token_sha = ?",
        (time.time(), row["token_sha"]),
    )
    return {"app_id": app["app_id"], "advertiser_ids": model.token_adv_ids(row)}


def advertiser_get(ctx: ApiContext) -> dict[str, Any]:
    app = _app_checked(ctx)
    if ctx.token["app_id"] != app["app_id"]:
        raise ApiError(40105, MSG_TOKEN_INVALID)
    out = []
    for adv_id in model.token_adv_ids(ctx.token):
        adv = ctx.storage.one("SELECT adv_id, name FROM advertisers WHERE adv_id = ?", (adv_id,))
        if adv is not None:
            out.append({"advertiser_id": adv["adv_id"], "advertiser_name": adv["name"]})
    return {"list": out}


def _profile_keys(ctx: ApiContext) -> tuple[str, str]:
    return ctx.require("business_platform"), ctx.require("external_business_id")


def business_profile_get(ctx: ApiContext) -> Any:
    platform, business_id = _profile_keys(ctx)
    row = model.profile_get(ctx.storage, platform, business_id)
    if row is not None and row["status"] == 2 and row["app_id"] != ctx.token["app_id"]:
        raise ApiError(40001, "You don't have permission to operate this business profile.")
    return model.profile_data(ctx.storage, row)


def _verified_external_data(
    ctx: ApiContext, business_platform: str, external_business_id: str
) -> extdata.Verified:
    try:
        verified = extdata.verify(
            ctx.storage, ctx.request.args.get("external_data", ""), max_age_seconds=None
        )
    except extdata.ExternalDataError as exc:
        raise ApiError(40002, f"external_data: {exc}.") from exc
    if (verified.data["business_platform"], str(verified.data["external_business_id"])) != (
        business_platform,
        external_business_id,
    ):
        raise ApiError(40002, "external_data: does not match business_platform / external_business_id.")
    ctx.app_id = verified.app["app_id"]
    return verified


def business_profile_get_v2(ctx: ApiContext) -> Any:
    platform, business_id = _profile_keys(ctx)
    _verified_external_data(ctx, platform, business_id)
    return model.profile_data(ctx.storage, model.profile_get(ctx.storage, platform, business_id))


def business_profile_disconnect_v2(ctx: ApiContext) -> dict[str, Any]:
    platform, business_id = _profile_keys(ctx)
    _verified_external_data(ctx, platform, business_id)
    model.profile_disconnect(ctx.storage, platform, business_id, "business_profile_disconnect")
    return {}


def business_profile_disconnect_legacy(ctx: ApiContext) -> dict[str, Any]:
    platform, business_id = _profile_keys(ctx)
    row = model.profile_get(ctx.storage, platform, business_id)
    if row is not None and row["app_id"] != ctx.token["app_id"]:
        raise ApiError(40001, "You don't have permission to operate this business profile.")
    model.profile_disconnect(ctx.storage, platform, business_id, "business_profile_disconnect")
    return {}


def shop_disconnect_v2(ctx: ApiContext) -> dict[str, Any]:
    try:
        verified = extdata.verify(
            ctx.storage, ctx.request.args.get("external_data", ""), max_age_seconds=None
        )
    except extdata.ExternalDataError as exc:
        raise ApiError(40002, f"external_data: {exc}.") from exc
    ctx.app_id = verified.app["app_id"]
    ctx.storage.execute(
        "UPDATE profiles SET shop_connected = 0 WHERE business_platform = ? AND external_business_id = ?",
        (verified.data["business_platform"], str(verified.data["external_business_id"])),
    )
    return {}


def register(app: SandboxApp) -> None:
    app.add_api_route("oauth2/access_token", access_token, auth="none")
    app.add_api_route("oauth2/revoke_token", revoke_token, auth="none")
    app.add_api_route("oauth2/advertiser/get", advertiser_get, methods=("GET",))
    app.add_api_route("tbp/business_profile/get", business_profile_get, methods=("GET",), suspended_ok=True)
    app.add_api_route("tbp/business_profile/disconnect", business_profile_disconnect_legacy)
    app.add_tbp_route("tbp/v2.0/business_profile/get", business_profile_get_v2, methods=("GET",))
    app.add_tbp_route("tbp/v2.0/business_profile/disconnect", business_profile_disconnect_v2)
    app.add_tbp_route("tbp/v2.0/shop/connection/disconnect", shop_disconnect_v2)
