"""TikTok's Business Extension onboarding: the entry that checks `external_data`, the *Set Up TikTok for
Business* page, and what *Finish Setup* creates (also reached through the admin `onboard` shortcut)."""

from __future__ import annotations

import json
import secrets
import time
from sqlite3 import Row
from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from sandbox import extdata, model
from sandbox.core import SandboxApp
from sandbox.i18n import pick
from sandbox.pages.session import current_session, current_user, login_redirect, page_lang, start_session
from sandbox.render import render
from sandbox.web import redirect_allowed, with_query

ONBOARDING_TTL = 3600
CHOICE_FIELDS = ("bc", "adv", "pixel", "catalog", "bc_name", "adv_name", "pixel_name", "catalog_name")


class SetupError(Exception):
    """Finish Setup refused; `key` names the message in sandbox.i18n (the admin shortcut answers it)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _error_page(lang: str, detail: str) -> Response:
    return render("error.html", status=400, lang=lang, message="error_external_data", detail=detail)


def onboarding_entry(app: SandboxApp, request: Request) -> Response:
    raw = request.args.get("external_data", "")
    try:
        lang = pick(str(extdata.decode(raw).get("locale") or ""))
    except extdata.ExternalDataError:
        lang = page_lang(request)
    try:
        verified = extdata.verify(
            app.storage, raw, max_age_seconds=float(app.config["external_data_max_age_seconds"])
        )
    except extdata.ExternalDataError as exc:
        return _error_page(lang, str(exc))
    redirect_uri = str(verified.data.get("redirect_uri") or "")
    if not redirect_allowed(verified.app, redirect_uri):
        return _error_page(lang, "redirect_uri is missing or not registered for this app")
    onb_id = secrets.token_urlsafe(18)
    data = {k: v for k, v in verified.data.items() if k != "hmac"}
    app.storage.execute(
        "INSERT INTO onboardings (onb_id, app_id, data, created_at) VALUES (?, ?, ?, ?)",
        (onb_id, verified.app["app_id"], json.dumps(data), time.time()),
    )
    target = f"/business-extension/setup/{onb_id}/"
    session = current_session(app, request)
    if session is None:
        response = login_redirect(request, target)
        start_session(app, response, None, lang)
        return response
    app.storage.execute("UPDATE sessions SET locale = ? WHERE sid = ?", (lang, session["sid"]))
    return redirect(target) if session["user_id"] else login_redirect(request, target)


def _options(rows: list[Row], key: str, chosen: str | None) -> list[dict[str, Any]]:
    return [{"value": r[key], "label": f"{r['name']} ({r[key]})", "checked": chosen == r[key]} for r in rows]


def _in_bcs(app: SandboxApp, bcs: list[Row], sql: str) -> list[Row]:
    """The rows `sql` finds in each of the user's Business Centers, Business Center by Business Center."""
    return [row for bc in bcs for row in app.storage.all(sql, (bc["bc_id"],))]


def _preselected(
    previous: dict[str, str], admin_bcs: list[Row], advs: list[Row], pixels: list[Row], catalogs: list[Row]
) -> tuple[str, str, str, str]:
    """What the page checks first, as TikTok does for a returning merchant: the assets the platform says
    the store used before, each only if this user still administers it and it sits in the chosen
    Business Center / ad account; else the first Business Center, its first ad account, and *Create new*
    for the pixel and the catalog."""
    bc_ids = [b["bc_id"] for b in admin_bcs]
    bc = previous.get("bc_id") if previous.get("bc_id") in bc_ids else (bc_ids[0] if bc_ids else "new")
    in_bc = [a["adv_id"] for a in advs if a["bc_id"] == bc]
    adv = previous.get("adv_id") if previous.get("adv_id") in in_bc else (in_bc[0] if in_bc else "new")
    pixel = previous.get("pixel_code", "new")
    if not any(p["pixel_code"] == pixel and p["adv_id"] == adv for p in pixels):
        pixel = "new"
    catalog = previous.get("catalog_id", "new")
    if not any(c["catalog_id"] == catalog and c["bc_id"] == bc for c in catalogs):
        catalog = "new"
    return bc, adv, pixel, catalog


def _setup_page(
    app: SandboxApp, onb: Row, user: Row, lang: str, errors: list[str], form: MultiDict[str, str] | None
) -> Response:
    data = json.loads(onb["data"])
    store = str(data.get("store_name") or data["external_business_id"])
    app_row = app.storage.one("SELECT * FROM apps WHERE app_id = ?", (onb["app_id"],))
    bcs = model.user_bcs(app.storage, user["user_id"])
    admin_bcs = [b for b in bcs if b["role"] == "ADMIN"]
    advs = _in_bcs(app, bcs, "SELECT * FROM advertisers WHERE bc_id = ? ORDER BY created_at")
    pixels = _in_bcs(
        app,
        bcs,
        "SELECT p.* FROM pixels p JOIN advertisers a ON a.adv_id = p.adv_id WHERE a.bc_id = ?"
        " ORDER BY p.created_at",
    )
    catalogs = _in_bcs(app, bcs, "SELECT * FROM catalogs WHERE bc_id = ? AND deleted = 0 ORDER BY created_at")
    if form:
        chosen_bc, chosen_adv = form.get("bc"), form.get("adv")
        chosen_pixel, chosen_catalog = form.get("pixel"), form.get("catalog")
    else:
        chosen_bc, chosen_adv, chosen_pixel, chosen_catalog = _preselected(
            extdata.previous_assets(data), admin_bcs, advs, pixels, catalogs
        )
    bc_options = _options(bcs, "bc_id", chosen_bc)
    for option, bc in zip(bc_options, bcs, strict=True):
        option["standard"] = bc["role"] != "ADMIN"
    return render(
        "setup.html",
        status=400 if errors else 200,
        user=user,
        lang=lang,
        errors=errors,
        store=store,
        platform=app_row["platform_name"] if app_row else data["business_platform"],
        has_ads_manager=bool(user["has_ads_manager"]),
        bcs=bc_options,
        advs=_options(advs, "adv_id", chosen_adv),
        pixels=_options(pixels, "pixel_code", chosen_pixel),
        catalogs=_options(catalogs, "catalog_id", chosen_catalog),
        chosen={"bc": chosen_bc, "adv": chosen_adv, "pixel": chosen_pixel, "catalog": chosen_catalog},
        advanced_matching=bool(form.get("advanced_matching")) if form else False,
    )


def finish_onboarding(
    app: SandboxApp,
    data: dict[str, Any],
    app_id: str,
    user: Row,
    choice: dict[str, Any],
    onb_id: str | None = None,
) -> dict[str, Any]:
    """Create/attach the assets, bind the profile and issue the auth_code; raises SetupError."""
    storage = app.storage
    store = str(data.get("store_name") or data["external_business_id"])
    if not user["has_ads_manager"]:
        raise SetupError("err_no_ads")
    for key in ("bc", "adv", "pixel", "catalog"):
        if choice.get(key) == "new" and not str(choice.get(f"{key}_name") or "").strip():
            choice[f"{key}_name"] = {
                "bc": f"{store} Business Center",
                "adv": f"{store} Ads",
                "pixel": f"{store} Pixel",
                "catalog": f"{store} Catalog",
            }[key]
    bc_id = choice.get("bc") or "new"
    if bc_id != "new" and model.bc_role(storage, user["user_id"], bc_id) != "ADMIN":
        raise SetupError("err_not_admin")
    adv_id = choice.get("adv") or "new"
    if adv_id != "new":
        adv = storage.one("SELECT * FROM advertisers WHERE adv_id = ?", (adv_id,))
        if adv is None or adv["bc_id"] != bc_id:
            raise SetupError("err_mismatch")
    pixel_code = choice.get("pixel") or "new"
    if pixel_code != "new":
        pixel = storage.one("SELECT * FROM pixels WHERE pixel_code = ?", (pixel_code,))
        if pixel is None or pixel["adv_id"] != adv_id:
            raise SetupError("err_mismatch")
    catalog_id = choice.get("catalog") or "new"
    if catalog_id != "new":
        catalog = storage.one("SELECT * FROM catalogs WHERE catalog_id = ? AND deleted = 0", (catalog_id,))
        if catalog is None or catalog["bc_id"] != bc_id:
            raise SetupError("err_mismatch")
    if bc_id == "new":
        bc_id = model.bc_create(storage, user["user_id"], str(choice["bc_name"]).strip()[:128])
    if adv_id == "new":
        adv_id = model.advertiser_create(
            storage, bc_id, str(choice["adv_name"]).strip()[:128], currency=str(data.get("currency") or "BRL")
        )
    am = bool(choice.get("advanced_matching"))
    if pixel_code == "new":
        pixel_code = model.pixel_create(
            storage,
            adv_id,
            str(choice["pixel_name"]).strip()[:128],
            am=am,
            partner_name=str(data["business_platform"]),
        )
    else:
        storage.execute(
            "UPDATE pixels SET am_email = ?, am_phone = ? WHERE pixel_code = ?",
            (int(am), int(am), pixel_code),
        )
    if catalog_id == "new":
        catalog_id = model.catalog_create(
            storage,
            bc_id,
            str(choice["catalog_name"]).strip()[:128],
            region_code=str(data.get("country_region") or "BR"),
            currency=str(data.get("currency") or "BRL"),
        )
    model.profile_connect(
        storage,
        app_id=app_id,
        business_platform=str(data["business_platform"]),
        external_business_id=str(data["external_business_id"]),
        user_id=user["user_id"],
        bc_id=bc_id,
        adv_id=adv_id,
        pixel_code=pixel_code,
        catalog_id=catalog_id,
        store_name=store,
        locale=pick(str(data.get("locale") or "")),
        shop="tt_shop" in (data.get("whitelisted_features") or []),
    )
    code = model.auth_code_issue(
        storage,
        app_id=app_id,
        user_id=user["user_id"],
        business_platform=str(data["business_platform"]),
        external_business_id=str(data["external_business_id"]),
        adv_ids=[adv_id],
        ttl=float(app.config["auth_code_ttl_seconds"]),
    )
    if onb_id:
        storage.execute("UPDATE onboardings SET finished_at = ? WHERE onb_id = ?", (time.time(), onb_id))
    return {"location": _back(data, auth_code=code)}


def _back(data: dict[str, Any], **params: str) -> str:
    """The store's redirect_uri with the result, and the store's `state` when it sent one."""
    if data.get("state"):
        params["state"] = str(data["state"])
    return with_query(str(data.get("redirect_uri") or ""), params)


def setup(app: SandboxApp, request: Request, onb_id: str) -> Response:
    user = current_user(app, request)
    onb = app.storage.one("SELECT * FROM onboardings WHERE onb_id = ?", (onb_id,))
    lang = pick(json.loads(onb["data"]).get("locale") if onb else None, request.args.get("lang"))
    if onb is None or onb["finished_at"] or onb["created_at"] < time.time() - ONBOARDING_TTL:
        return render("error.html", status=400, user=user, lang=lang, message="err_expired")
    if user is None:
        return login_redirect(request)
    errors: list[str] = []
    if request.method == "POST":
        data = json.loads(onb["data"])
        if request.form.get("action") == "cancel":
            app.storage.execute(
                "UPDATE onboardings SET finished_at = ? WHERE onb_id = ?", (time.time(), onb_id)
            )
            return redirect(_back(data, error="access_denied"), code=302)
        choice: dict[str, Any] = {key: request.form.get(key) for key in CHOICE_FIELDS}
        choice["advanced_matching"] = request.form.get("advanced_matching") == "1"
        try:
            result = finish_onboarding(app, data, onb["app_id"], user, choice, onb_id)
        except SetupError as exc:
            errors.append(exc.key)
        else:
            return redirect(result["location"], code=302)
    return _setup_page(app, onb, user, lang, errors, request.form if request.method == "POST" else None)
