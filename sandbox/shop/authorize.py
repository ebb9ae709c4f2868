"""TikTok Shop's hosted seller authorization page: the store sends the merchant here, the seller signs in
with the TikTok login, picks a shop and authorizes (or cancels), and goes back to the store (SHOP.md)."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from sandbox import extdata, ids, model
from sandbox.core import SandboxApp
from sandbox.i18n import pick, t
from sandbox.render import render
from sandbox.shop.model import AUTH_CODE_TTL_SECONDS, ensure_seeded, rule_violation
from sandbox.storage import dumps
from sandbox.web import redirect_allowed, with_query

# What the authorization keeps of the store's external_data (besides the app it was signed for).
KEPT_FIELDS = (
    "business_platform",
    "external_business_id",
    "redirect_uri",
    "state",
    "country_region",
    "store_name",
    "locale",
)


def _message(status: int, heading: str, text: str, *, error: bool = False) -> Response:
    """A link that cannot be used, in English: a broken link cannot be trusted to name a language."""
    return render(
        "shop/message.html", status=status, lang="en", title="Error", heading=heading, text=text, error=error
    )


def _invalid(reason: str) -> Response:
    return _message(400, "Invalid request", reason, error=True)


def authorize_entry(app: SandboxApp, request: Request) -> Response:
    """`GET /seller/authorize?external_data=` — verify, then the seller signs in and picks a shop."""
    ensure_seeded(app.storage)
    try:
        verified = extdata.verify(
            app.storage,
            request.args.get("external_data", ""),
            max_age_seconds=float(app.config.get("external_data_max_age_seconds", 1800)),
        )
    except extdata.ExternalDataError as exc:
        return _invalid(str(exc))
    data = verified.data
    if not redirect_allowed(verified.app, str(data.get("redirect_uri") or "")):
        return _invalid("redirect_uri is missing or not allowed.")
    if "tt_shop" not in (data.get("whitelisted_features") or []):
        return _invalid(
            "TikTok Shop is not enabled for this app (whitelisted_features must include tt_shop)."
        )
    auth_id = secrets.token_urlsafe(18)
    keep = {k: data[k] for k in KEPT_FIELDS if k in data}
    keep["app_id"] = verified.app["app_id"]
    keep["platform_name"] = verified.app["platform_name"]
    app.storage.execute(
        "INSERT INTO shop_authorizations (auth_id, data, created_at) VALUES (?, ?, ?)",
        (auth_id, dumps(keep), time.time()),
    )
    return redirect(f"/seller/authorize/{auth_id}/")


def _login_page(auth_id: str, lang: str, *, failed: bool = False) -> Response:
    return render("shop/login.html", lang=lang, title="Log in", auth_id=auth_id, failed=failed)


def _choose_page(app: SandboxApp, auth_id: str, data: dict[str, Any], user_id: str, lang: str) -> Response:
    shops = app.storage.all(
        "SELECT s.*, m.role FROM shop_members m JOIN shop_shops s ON s.shop_id = m.shop_id"
        " WHERE m.user_id = ? ORDER BY s.name",
        (user_id,),
    )
    user = app.storage.one("SELECT * FROM users WHERE user_id = ?", (user_id,))
    # Preselect only a shop the store can be connected to: one of another region would always end in
    # region_mismatch. With none that fits, nothing is preselected and the seller chooses.
    country = str(data.get("country_region") or "").upper()
    fitting = [s["shop_id"] for s in shops if not country or s["region"] == country]
    return render(
        "shop/choose.html",
        lang=lang,
        title="Authorize",
        auth_id=auth_id,
        shops=shops,
        preselected=fitting[0] if fitting else "",
        platform=str(data.get("platform_name") or data.get("business_platform")),
        store=str(data.get("store_name") or data.get("external_business_id")),
        seller=user["display_name"] if user else user_id,
    )


def authorize_page(app: SandboxApp, request: Request, auth_id: str) -> Response:
    row = app.storage.one("SELECT * FROM shop_authorizations WHERE auth_id = ?", (auth_id,))
    max_age = float(app.config.get("external_data_max_age_seconds", 1800))
    if row is None or row["done_at"] is not None or row["created_at"] < time.time() - max_age:
        return _message(404, t("en", "shop_expired"), t("en", "shop_again"))
    data = json.loads(row["data"])
    lang = pick(str(data.get("locale") or ""))
    here = f"/seller/authorize/{auth_id}/"
    if request.method == "GET":
        if row["user_id"] is None:
            return _login_page(auth_id, lang)
        return _choose_page(app, auth_id, data, row["user_id"], lang)
    action = request.form.get("action", "")
    if action == "login":
        user = model.user_login(app.storage, request.form.get("email", ""), request.form.get("password", ""))
        if user is None:
            return _login_page(auth_id, lang, failed=True)
        app.storage.execute(
            "UPDATE shop_authorizations SET user_id = ? WHERE auth_id = ?", (user["user_id"], auth_id)
        )
        return redirect(here, code=303)
    if action == "logout":
        app.storage.execute("UPDATE shop_authorizations SET user_id = NULL WHERE auth_id = ?", (auth_id,))
        return redirect(here, code=303)
    if row["user_id"] is None:
        return _login_page(auth_id, lang)
    return finish(
        app,
        auth_id,
        data,
        row["user_id"],
        shop_id=request.form.get("shop_id", ""),
        cancel=action != "authorize",
    )


def _back(data: dict[str, Any], **params: str) -> Response:
    if data.get("state"):
        params["state"] = str(data["state"])
    return redirect(with_query(str(data["redirect_uri"]), params))


def finish(
    app: SandboxApp, auth_id: str, data: dict[str, Any], user_id: str, *, shop_id: str, cancel: bool
) -> Response:
    """Authorize (or cancel): redirect back with `auth_code` or with `error` (SHOP.md lists the values)."""
    app.storage.execute(
        "UPDATE shop_authorizations SET done_at = ? WHERE auth_id = ?", (time.time(), auth_id)
    )
    if cancel:
        return _back(data, error="access_denied")
    platform, business_id = str(data["business_platform"]), str(data["external_business_id"])
    country = str(data.get("country_region") or "")
    with app.storage.tx() as c:
        violation = rule_violation(
            c, user_id=user_id, shop_id=shop_id, platform=platform, business_id=business_id, country=country
        )
        if violation:
            return _back(data, error=violation)
        code = ids.auth_code()
        c.execute(
            "INSERT INTO shop_auth_codes (code_sha, app_id, user_id, shop_id, business_platform,"
            " external_business_id, country, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                ids.token_sha(code),
                data["app_id"],
                user_id,
                shop_id,
                platform,
                business_id,
                country,
                time.time() + AUTH_CODE_TTL_SECONDS,
            ),
        )
    return _back(data, auth_code=code)
