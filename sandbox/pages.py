"""TikTok's hosted pages: login, Business Extension onboarding and the Manage destinations (README.md lists
the paths)."""

from __future__ import annotations

import json
import secrets
import time
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlparse

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from sandbox import extdata, ids, model
from sandbox.api_catalog import audit_counts, product_view
from sandbox.i18n import LANGS, pick, t
from sandbox.processing import LOOPBACK_HOSTS

if TYPE_CHECKING:
    from sandbox.app import SandboxApp

SESSION_COOKIE = "tt_sandbox_sid"
ONBOARDING_TTL = 3600
CSS_PATH = Path(__file__).with_name("static") / "sandbox.css"
PAGE_SIZE = 50
DEMO_ACCOUNTS = "demo@tiktok.test, noadmin@tiktok.test, noads@tiktok.test"


class SetupError(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


# -- rendering ---------------------------------------------------------------------------------------
def render(
    title: str, body: str, *, user: Any = None, lang: str = "en", status: int = 200, nav: bool = True
) -> Response:
    user_html = ""
    if user is not None:
        user_html = (
            f'<span class="tt-user">{escape(user["email"])}</span>'
            '<form method="post" action="/logout" class="tt-inline"><button class="tt-link" type="submit">'
            f"{escape(t(lang, 'log_out'))}</button></form>"
        )
    links = ""
    if nav and user is not None:
        links = (
            f'<nav class="tt-nav"><a href="/">{escape(t(lang, "nav_home"))}</a>'
            f'<a href="/ac/page/authorizations">{escape(t(lang, "nav_authorizations"))}</a></nav>'
        )
    html = f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} | TikTok for Business</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/sandbox.css"></head>
<body><header class="tt-top">
<a class="tt-brand" href="/"><span class="tt-logo" aria-hidden="true">&#9834;</span>
TikTok <span class="tt-brand-sub">for Business</span></a>{links}
<div class="tt-account">{user_html}</div></header>
<main class="tt-main"><h1>{escape(title)}</h1>{body}</main>
<footer class="tt-foot">{escape(t(lang, "footer"))}</footer></body></html>"""
    return Response(html, status=status, mimetype="text/html")


def _alert(text: str, kind: str = "error") -> str:
    return f'<div class="tt-alert tt-alert-{kind}" role="alert">{escape(text)}</div>'


def _hint(lang: str, existing: list[Any]) -> str:
    return f'<p class="tt-muted">{t(lang, "connect_existing")}</p>' if existing else ""


def _card(title: str, inner: str) -> str:
    return f'<section class="tt-card"><h2>{escape(title)}</h2>{inner}</section>'


def _lang(request: Request, session: Any = None) -> str:
    # Without a ?lang= or an onboarding locale, TikTok answers in the browser's language (a Brazilian
    # merchant who opens *Manage* with no TikTok session gets the login page in Portuguese).
    return pick(
        request.args.get("lang"),
        session["locale"] if session is not None else None,
        request.accept_languages.best_match(LANGS),
    )


def forbidden(user: Any, lang: str, what: str) -> Response:
    body = _alert(f"You don't have permission to view this {what}.") + (
        f"<p>You are logged in as <strong>{escape(user['email'])}</strong>. Ask an admin of the Business "
        "Center "
        "to grant you access, or log in with another account.</p>"
    )
    return render(t(lang, "no_permission_title"), body, user=user, lang=lang, status=403)


def not_found(user: Any, lang: str) -> Response:
    return render(
        "Not found", _alert("This page doesn't exist or was deleted."), user=user, lang=lang, status=404
    )


# -- sessions ----------------------------------------------------------------------------------------
def current_session(app: SandboxApp, request: Request) -> Any:
    sid = request.cookies.get(SESSION_COOKIE)
    if not sid:
        return None
    return app.storage.one("SELECT * FROM sessions WHERE sid = ?", (sid,))


def current_user(app: SandboxApp, request: Request) -> Any:
    session = current_session(app, request)
    if session is None or not session["user_id"]:
        return None
    return app.storage.one("SELECT * FROM users WHERE user_id = ?", (session["user_id"],))


def _login_redirect(request: Request) -> Response:
    target = request.full_path if request.query_string else request.path
    return redirect("/login?" + urlencode({"next": target}))


def _safe_next(value: str | None) -> str:
    if not value or not value.startswith("/") or value.startswith("//"):
        return "/"
    return value


def login(app: SandboxApp, request: Request) -> Response:
    lang = _lang(request, current_session(app, request))
    next_url = _safe_next(request.values.get("next"))
    error = ""
    if request.method == "POST":
        email = request.form.get("email", "").strip().lower()
        user = app.storage.one("SELECT * FROM users WHERE email = ?", (email,))
        if user is not None and secrets.compare_digest(user["password"], request.form.get("password", "")):
            session = current_session(app, request)
            sid = secrets.token_urlsafe(24)
            app.storage.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, ?)",
                (sid, user["user_id"], session["locale"] if session else None, time.time()),
            )
            response = redirect(next_url)
            response.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="Lax")
            return response
        error = _alert(t(lang, "bad_login"))
    body = f"""{error}<form method="post" class="tt-form tt-narrow">
<input type="hidden" name="next" value="{escape(next_url)}">
<label for="email">{t(lang, "email")}</label>
<input id="email" name="email" type="email" autocomplete="username" required>
<label for="password">{t(lang, "password")}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button class="tt-btn tt-primary" type="submit">{t(lang, "log_in")}</button></form>
<p class="tt-muted">{escape(t(lang, "demo_accounts", accounts=DEMO_ACCOUNTS, password="sandbox"))}</p>"""
    return render(t(lang, "login_title"), body, lang=lang, status=400 if error else 200)


def logout(app: SandboxApp, request: Request) -> Response:
    sid = request.cookies.get(SESSION_COOKIE)
    if sid:
        app.storage.execute("DELETE FROM sessions WHERE sid = ?", (sid,))
    response = redirect("/login")
    response.delete_cookie(SESSION_COOKIE)
    return response


def home(app: SandboxApp, request: Request) -> Response:
    user = current_user(app, request)
    if user is None:
        return _login_redirect(request)
    lang = _lang(request)
    items = []
    for bc in model.user_bcs(app.storage, user["user_id"]):
        items.append(
            f'<li><a href="/bc/{bc["bc_id"]}/">{escape(bc["name"])}</a> '
            f'<span class="tt-tag">{escape(bc["role"].title())}</span></li>'
        )
    body = _card(
        "Your Business Centers",
        "<ul class='tt-list'>" + "".join(items) + "</ul>"
        if items
        else "<p>You don't belong to any Business Center yet.</p>",
    )
    return render("TikTok for Business", body, user=user, lang=lang)


def stylesheet(app: SandboxApp, request: Request) -> Response:
    return Response(CSS_PATH.read_bytes(), mimetype="text/css")


# -- onboarding --------------------------------------------------------------------------------------
def _redirect_allowed(app_row: Any, redirect_uri: str) -> bool:
    parsed = urlparse(redirect_uri)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return False
    prefix = app_row["redirect_uri_prefix"]
    if prefix:
        return redirect_uri.startswith(prefix)
    return parsed.hostname in LOOPBACK_HOSTS


def _error_page(request: Request, lang: str, detail: str) -> Response:
    body = _alert(t(lang, "error_external_data")) + f'<p class="tt-muted">Details: {escape(detail)}</p>'
    return render(t(lang, "error_title"), body, lang=lang, status=400)


def onboarding_entry(app: SandboxApp, request: Request) -> Response:
    raw = request.args.get("external_data", "")
    try:
        lang = pick(str(extdata.decode(raw).get("locale") or ""))
    except extdata.ExternalDataError:
        lang = _lang(request)
    try:
        verified = extdata.verify(
            app.storage, raw, max_age_seconds=float(app.config["external_data_max_age_seconds"])
        )
    except extdata.ExternalDataError as exc:
        return _error_page(request, lang, str(exc))
    redirect_uri = str(verified.data.get("redirect_uri") or "")
    if not _redirect_allowed(verified.app, redirect_uri):
        return _error_page(request, lang, "redirect_uri is missing or not registered for this app")
    onb_id = secrets.token_urlsafe(18)
    data = {k: v for k, v in verified.data.items() if k != "hmac"}
    app.storage.execute(
        "INSERT INTO onboardings (onb_id, app_id, data, created_at) VALUES (?, ?, ?, ?)",
        (onb_id, verified.app["app_id"], json.dumps(data), time.time()),
    )
    target = f"/business-extension/setup/{onb_id}/"
    session = current_session(app, request)
    if session is not None:
        app.storage.execute("UPDATE sessions SET locale = ? WHERE sid = ?", (lang, session["sid"]))
        if session["user_id"]:
            return redirect(target)
        return redirect("/login?" + urlencode({"next": target}))
    sid = secrets.token_urlsafe(24)
    app.storage.execute("INSERT INTO sessions VALUES (?, NULL, ?, ?)", (sid, lang, time.time()))
    response = redirect("/login?" + urlencode({"next": target}))
    response.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="Lax")
    return response


def _radio(
    name: str, value: str, label: str, *, checked: bool, disabled: bool = False, note: str = ""
) -> str:
    attrs = (" checked" if checked else "") + (" disabled" if disabled else "")
    note_html = f' <span class="tt-tag tt-tag-warn">{escape(note)}</span>' if note else ""
    ident = f"{name}-{value}"
    return (
        f'<div class="tt-choice"><input type="radio" id="{escape(ident)}" name="{name}" '
        f'value="{escape(value)}"'
        f'{attrs}><label for="{escape(ident)}">{escape(label)}{note_html}</label></div>'
    )


def _new_choice(name: str, label: str, default_name: str, *, checked: bool, lang: str) -> str:
    return (
        _radio(name, "new", label, checked=checked)
        + f'<div class="tt-indent"><label for="{name}_name">{t(lang, "name")}</label>'
        f'<input id="{name}_name" name="{name}_name" value="{escape(default_name)}" maxlength="128"></div>'
    )


def _setup_form(app: SandboxApp, onb: Any, user: Any, lang: str, errors: list[str], form: Any) -> str:
    data = json.loads(onb["data"])
    store = str(data.get("store_name") or data["external_business_id"])
    app_row = app.storage.one("SELECT * FROM apps WHERE app_id = ?", (onb["app_id"],))
    platform = app_row["platform_name"] if app_row else data["business_platform"]
    bcs = model.user_bcs(app.storage, user["user_id"])
    admin_bcs = [b for b in bcs if b["role"] == "ADMIN"]
    chosen_bc = form.get("bc") if form else (admin_bcs[0]["bc_id"] if admin_bcs else "new")
    parts = [f'<p class="tt-lead">{escape(t(lang, "connecting", store=store, platform=platform))}</p>']
    parts += [_alert(e) for e in errors]

    bc_html = "".join(
        _radio(
            "bc",
            b["bc_id"],
            f"{b['name']} ({b['bc_id']})",
            checked=chosen_bc == b["bc_id"],
            note="" if b["role"] == "ADMIN" else t(lang, "admin_required"),
        )
        for b in bcs
    ) + _new_choice(
        "bc", t(lang, "create_new_bc"), f"{store} Business Center", checked=chosen_bc == "new", lang=lang
    )
    parts.append(_card("1. " + t(lang, "business_center"), _hint(lang, bcs) + bc_html))

    if not user["has_ads_manager"]:
        adv_html = _alert(t(lang, "err_no_ads"))
    else:
        advs = [
            a
            for b in bcs
            for a in app.storage.all(
                "SELECT * FROM advertisers WHERE bc_id = ? ORDER BY created_at", (b["bc_id"],)
            )
        ]
        chosen = (
            form.get("adv") if form else next((a["adv_id"] for a in advs if a["bc_id"] == chosen_bc), "new")
        )
        adv_html = _hint(lang, advs) + "".join(
            _radio("adv", a["adv_id"], f"{a['name']} ({a['adv_id']})", checked=chosen == a["adv_id"])
            for a in advs
        )
        adv_html += _new_choice(
            "adv", t(lang, "create_new_adv"), f"{store} Ads", checked=chosen == "new", lang=lang
        )
    parts.append(_card("2. " + t(lang, "ad_account"), adv_html))

    pixels = [
        p
        for b in bcs
        for p in app.storage.all(
            "SELECT p.* FROM pixels p JOIN advertisers a ON a.adv_id = p.adv_id WHERE a.bc_id = ? ORDER BY "
            "p.created_at",
            (b["bc_id"],),
        )
    ]
    chosen_pixel = form.get("pixel") if form else "new"
    pixel_html = "".join(
        _radio(
            "pixel",
            p["pixel_code"],
            f"{p['name']} ({p['pixel_code']})",
            checked=chosen_pixel == p["pixel_code"],
        )
        for p in pixels
    )
    pixel_html += _new_choice(
        "pixel", t(lang, "create_new_pixel"), f"{store} Pixel", checked=chosen_pixel == "new", lang=lang
    )
    am_checked = " checked" if (form.get("advanced_matching") if form else False) else ""
    pixel_html += (
        f'<div class="tt-toggle"><input type="checkbox" id="advanced_matching" name="advanced_matching"'
        f' value="1"{am_checked}><label for="advanced_matching">{t(lang, "advanced_matching")}</label>'
        f'<p class="tt-muted">{t(lang, "advanced_matching_help")}</p></div>'
    )
    parts.append(_card("3. " + t(lang, "data_sharing"), _hint(lang, pixels) + pixel_html))

    catalogs = [
        c
        for b in bcs
        for c in app.storage.all(
            "SELECT * FROM catalogs WHERE bc_id = ? AND deleted = 0 ORDER BY created_at", (b["bc_id"],)
        )
    ]
    chosen_catalog = form.get("catalog") if form else "new"
    catalog_html = "".join(
        _radio(
            "catalog",
            c["catalog_id"],
            f"{c['name']} ({c['catalog_id']})",
            checked=chosen_catalog == c["catalog_id"],
        )
        for c in catalogs
    )
    catalog_html += _new_choice(
        "catalog",
        t(lang, "create_new_catalog"),
        f"{store} Catalog",
        checked=chosen_catalog == "new",
        lang=lang,
    )
    parts.append(_card("4. " + t(lang, "catalog"), _hint(lang, catalogs) + catalog_html))
    parts.append(
        f'<div class="tt-actions"><button class="tt-btn" type="submit" name="action" value="cancel"'
        f' formnovalidate>{t(lang, "cancel")}</button><button class="tt-btn tt-primary" type="submit"'
        f' name="action" value="finish">{t(lang, "finish")}</button></div>'
    )
    return '<form method="post" class="tt-form">' + "".join(parts) + "</form>"


def _with_query(url: str, params: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params, quote_via=quote)


def finish_onboarding(
    app: SandboxApp,
    data: dict[str, Any],
    app_id: str,
    user: Any,
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
    params = {"auth_code": code}
    if data.get("state"):
        params["state"] = str(data["state"])
    return {"location": _with_query(str(data.get("redirect_uri") or ""), params)}


def setup(app: SandboxApp, request: Request, onb_id: str) -> Response:
    user = current_user(app, request)
    onb = app.storage.one("SELECT * FROM onboardings WHERE onb_id = ?", (onb_id,))
    lang = pick(json.loads(onb["data"]).get("locale") if onb else None, request.args.get("lang"))
    if onb is None or onb["finished_at"] or onb["created_at"] < time.time() - ONBOARDING_TTL:
        return render(
            t(lang, "error_title"), _alert(t(lang, "err_expired")), user=user, lang=lang, status=400
        )
    if user is None:
        return _login_redirect(request)
    errors: list[str] = []
    if request.method == "POST":
        data = json.loads(onb["data"])
        if request.form.get("action") == "cancel":
            app.storage.execute(
                "UPDATE onboardings SET finished_at = ? WHERE onb_id = ?", (time.time(), onb_id)
            )
            params = {"error": "access_denied"}
            if data.get("state"):
                params["state"] = str(data["state"])
            return redirect(_with_query(str(data.get("redirect_uri") or ""), params), code=302)
        choice = {
            key: request.form.get(key)
            for key in ("bc", "adv", "pixel", "catalog", "bc_name", "adv_name", "pixel_name", "catalog_name")
        }
        choice["advanced_matching"] = request.form.get("advanced_matching") == "1"
        try:
            result = finish_onboarding(app, data, onb["app_id"], user, choice, onb_id)
        except SetupError as exc:
            errors.append(t(lang, exc.key))
        else:
            return redirect(result["location"], code=302)
    body = _setup_form(app, onb, user, lang, errors, request.form if request.method == "POST" else None)
    return render(
        t(lang, "setup_title"), body, user=user, lang=lang, status=400 if errors else 200, nav=False
    )


# -- manage destinations -----------------------------------------------------------------------------
def _page_user(app: SandboxApp, request: Request) -> tuple[Any, str]:
    return current_user(app, request), _lang(request, current_session(app, request))


def business_center(app: SandboxApp, request: Request, bc_id: str) -> Response:
    user, lang = _page_user(app, request)
    if user is None:
        return _login_redirect(request)
    bc = app.storage.one("SELECT * FROM bcs WHERE bc_id = ?", (bc_id,))
    role = model.bc_role(app.storage, user["user_id"], bc_id)
    if bc is None or role is None:
        return forbidden(user, lang, "Business Center")
    members = app.storage.all(
        "SELECT u.email, m.role FROM bc_members m JOIN users u ON u.user_id = m.user_id"
        " WHERE m.bc_id = ? ORDER BY u.email",
        (bc_id,),
    )
    advs = app.storage.all("SELECT * FROM advertisers WHERE bc_id = ? ORDER BY created_at", (bc_id,))
    pixels = app.storage.all(
        "SELECT p.* FROM pixels p JOIN advertisers a ON a.adv_id = p.adv_id WHERE a.bc_id = ?"
        " ORDER BY p.created_at",
        (bc_id,),
    )
    catalogs = app.storage.all(
        "SELECT * FROM catalogs WHERE bc_id = ? AND deleted = 0 ORDER BY created_at", (bc_id,)
    )
    body = (
        f'<p class="tt-lead">{escape(bc["name"])} · ID {bc_id} · '
        f"your role: <strong>{escape(role.title())}</strong></p>"
    )
    body += _card(
        "Members",
        _table(["E-mail", "Role"], [[escape(m["email"]), escape(m["role"].title())] for m in members]),
    )
    body += _card(
        "Ad accounts",
        _table(
            ["Name", "ID", "Status"],
            [
                [
                    f'<a href="/ads/{a["adv_id"]}/">{escape(a["name"])}</a>',
                    a["adv_id"],
                    "Suspended" if a["suspended"] else "Active",
                ]
                for a in advs
            ],
        ),
    )
    body += _card(
        "Pixels",
        _table(
            ["Name", "Pixel code"],
            [
                [
                    f'<a href="/events-manager/pixel/{p["pixel_code"]}/">{escape(p["name"])}</a>',
                    p["pixel_code"],
                ]
                for p in pixels
            ],
        ),
    )
    body += _card(
        "Catalogs",
        _table(
            ["Name", "ID", "Products"],
            [
                [
                    f'<a href="/catalog-manager/{bc_id}/{c["catalog_id"]}/">{escape(c["name"])}</a>',
                    c["catalog_id"],
                    str(sum(audit_counts(app.storage, c["catalog_id"]).values())),
                ]
                for c in catalogs
            ],
        ),
    )
    return render(t(lang, "business_center_title"), body, user=user, lang=lang)


def _table(headers: list[str], rows: list[list[str]], empty: str = "Nothing here yet.") -> str:
    if not rows:
        return f'<p class="tt-muted">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table class="tt-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def ads_manager(app: SandboxApp, request: Request, adv_id: str) -> Response:
    user, lang = _page_user(app, request)
    if user is None:
        return _login_redirect(request)
    adv = model.advertiser_for_user(app.storage, user["user_id"], adv_id)
    if adv is None:
        return forbidden(user, lang, "ad account")
    ads = app.storage.all("SELECT * FROM ads WHERE adv_id = ? ORDER BY created_at DESC", (adv_id,))
    body = ""
    if request.args.get("created"):
        body += _alert("Your ad was created and is in review.", "success")
    if adv["suspended"]:
        body += _alert(f"This ad account is suspended: {adv['suspend_reason']}")
    body += (
        f'<div class="tt-pagehead"><p class="tt-lead">{escape(adv["name"])} · ID {adv_id}</p>'
        f'<a class="tt-btn tt-primary" href="/ads/{adv_id}/create/">{t(lang, "create_ad_title")}</a></div>'
    )
    body += _card(
        "Ads",
        _table(
            ["Ad name", "Catalog", "Status", "Created"],
            [
                [
                    escape(a["name"]),
                    escape(a["catalog_id"] or "-"),
                    escape(a["status"]),
                    ids.fmt_time(a["created_at"]) or "",
                ]
                for a in ads
            ],
            "No ads yet. Create your first ad.",
        ),
    )
    return render(t(lang, "ads_manager_title"), body, user=user, lang=lang)


def ads_create(app: SandboxApp, request: Request, adv_id: str) -> Response:
    user, lang = _page_user(app, request)
    if user is None:
        return _login_redirect(request)
    adv = model.advertiser_for_user(app.storage, user["user_id"], adv_id)
    if adv is None or adv["role"] != "ADMIN":
        return forbidden(user, lang, "page (creating ads needs Admin permission in the Business Center)")
    catalogs = app.storage.all(
        "SELECT * FROM catalogs WHERE bc_id = ? AND deleted = 0 ORDER BY created_at", (adv["bc_id"],)
    )
    error = ""
    if request.method == "POST":
        name = request.form.get("name", "").strip()
        catalog_id = request.form.get("catalog_id") or None
        if adv["suspended"]:
            error = _alert("This ad account is suspended; ads can't be created.")
        elif not name or len(name) > 100:
            error = _alert("Enter an ad name of up to 100 characters.")
        elif catalog_id and catalog_id not in {c["catalog_id"] for c in catalogs}:
            error = _alert("Choose a catalog from this Business Center.")
        else:
            app.storage.execute(
                "INSERT INTO ads VALUES (?, ?, ?, ?, 'IN_REVIEW', ?)",
                (ids.numeric_id(), adv_id, name, catalog_id, time.time()),
            )
            return redirect(f"/ads/{adv_id}/?created=1")
    options = '<option value="">No catalog</option>' + "".join(
        f'<option value="{c["catalog_id"]}">{escape(c["name"])}</option>' for c in catalogs
    )
    body = (
        error
        + f"""<form method="post" class="tt-form tt-narrow">
<label for="name">Ad name</label><input id="name" name="name" maxlength="100" required>
<label for="catalog_id">Catalog (Shopping ads)</label>
<select id="catalog_id" name="catalog_id">{options}</select>
<div class="tt-actions"><a class="tt-btn" href="/ads/{adv_id}/">Cancel</a>
<button class="tt-btn tt-primary" type="submit">Publish</button></div></form>"""
    )
    return render(t(lang, "create_ad_title"), body, user=user, lang=lang, status=400 if error else 200)


def pixel_page(app: SandboxApp, request: Request, pixel_code: str) -> Response:
    user, lang = _page_user(app, request)
    if user is None:
        return _login_redirect(request)
    pixel = model.pixel_for_user(app.storage, user["user_id"], pixel_code)
    if pixel is None:
        return forbidden(user, lang, "pixel")
    notice = ""
    if request.method == "POST":
        if pixel["role"] != "ADMIN":
            return forbidden(user, lang, "setting (Advanced Matching needs Admin permission)")
        on = int(request.form.get("advanced_matching") == "1")
        app.storage.execute(
            "UPDATE pixels SET am_email = ?, am_phone = ? WHERE pixel_code = ?", (on, on, pixel_code)
        )
        return redirect(f"/events-manager/pixel/{pixel_code}/?saved=1")
    if request.args.get("saved"):
        notice = _alert("Settings saved.", "success")
    am = bool(pixel["am_email"])
    counts = app.storage.all(
        "SELECT event, COUNT(*) AS n, SUM(deduplicated) AS d FROM events WHERE pixel_code = ?"
        " GROUP BY event ORDER BY event",
        (pixel_code,),
    )
    recent = app.storage.all(
        "SELECT * FROM events WHERE pixel_code = ? ORDER BY id DESC LIMIT 20", (pixel_code,)
    )
    body = notice + f'<p class="tt-lead">{escape(pixel["name"])} · <code>{pixel_code}</code></p>'
    body += _card(
        "Advanced Matching",
        f"""<form method="post" class="tt-form">
<div class="tt-toggle"><input type="checkbox" id="advanced_matching" name="advanced_matching" value="1"
{" checked" if am else ""}><label for="advanced_matching">E-mail and phone number</label></div>
<button class="tt-btn" type="submit">Save</button></form>""",
    )
    body += _card(
        "Events received",
        _table(
            ["Event", "Received", "Deduplicated"],
            [[escape(c["event"]), str(c["n"]), str(c["d"] or 0)] for c in counts],
            "No events received yet.",
        ),
    )
    body += _card(
        "Recent activity",
        _table(
            ["Time (UTC)", "Event", "Event ID", "Source", "Deduplicated"],
            [
                [
                    ids.fmt_time(e["received_at"]) or "",
                    escape(e["event"]),
                    escape(e["event_id"] or "-"),
                    escape(e["source"]),
                    "yes" if e["deduplicated"] else "no",
                ]
                for e in recent
            ],
            "No events received yet.",
        ),
    )
    return render(t(lang, "pixel_title"), body, user=user, lang=lang)


def catalog_manager(app: SandboxApp, request: Request, bc_id: str, catalog_id: str) -> Response:
    user, lang = _page_user(app, request)
    if user is None:
        return _login_redirect(request)
    catalog = model.catalog_for_user(app.storage, user["user_id"], catalog_id)
    if catalog is None or catalog["bc_id"] != bc_id:
        return forbidden(user, lang, "catalog")
    role = model.bc_role(app.storage, user["user_id"], bc_id)
    if request.method == "POST":
        if role != "ADMIN":
            return forbidden(user, lang, "action (deleting products needs Admin permission)")
        skus = request.form.getlist("sku_id")
        with app.storage.tx() as c:
            c.executemany(
                "DELETE FROM products WHERE catalog_id = ? AND sku_id = ?", [(catalog_id, s) for s in skus]
            )
        return redirect(f"/catalog-manager/{bc_id}/{catalog_id}/?deleted={len(skus)}")
    status = (
        request.args.get("status")
        if request.args.get("status") in ("approved", "processing", "rejected")
        else ""
    )
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    counts = audit_counts(app.storage, catalog_id)
    where, params = "catalog_id = ?", [catalog_id]
    if status:
        where += " AND audit_status = ?"
        params.append(status)
    rows = app.storage.all(
        f"SELECT * FROM products WHERE {where} ORDER BY created_at, sku_id LIMIT ? OFFSET ?",  # noqa: S608
        (*params, PAGE_SIZE, (page - 1) * PAGE_SIZE),
    )
    notice = (
        _alert(f"{int(request.args['deleted'])} product(s) deleted.", "success")
        if request.args.get("deleted", "").isdigit()
        else ""
    )
    tabs = "".join(
        f'<a class="tt-tab{" tt-tab-on" if status == key else ""}" href="?status={key}">{label} ({n})</a>'
        for key, label, n in (
            ("", "All", sum(counts.values())),
            ("approved", "Approved", counts["approved"]),
            ("processing", "In review", counts["processing"]),
            ("rejected", "Rejected", counts["rejected"]),
        )
    )
    product_rows = []
    for r in rows:
        view = product_view(r)
        reasons = "; ".join(f"{i['reason']} — {i['suggestion']}" for i in view["audit"]["rejected_info"])
        product_rows.append(
            [
                f'<input type="checkbox" name="sku_id" value="{escape(r["sku_id"])}" aria-label="Select '
                f'{escape(r["sku_id"])}">',
                escape(r["sku_id"]),
                escape(str(view.get("title", ""))),
                escape(str(view.get("availability", ""))),
                '<span class="tt-status '
                f'tt-status-{view["audit"]["audit_status"]}">{view["audit"]["audit_status"]}</span>',
                escape(view["image_status"]),
                escape(reasons),
            ]
        )
    table = _table(
        ["", "SKU ID", "Title", "Availability", "Review status", "Image", "Rejection reason"],
        product_rows,
        "No products in this catalog.",
    )
    more = ""
    if len(rows) == PAGE_SIZE:
        more = f'<a class="tt-btn" href="?status={status}&page={page + 1}">Next page</a>'
    delete_btn = '<p class="tt-muted">Deleting products needs Admin permission.</p>'
    if role == "ADMIN":
        delete_btn = '<button class="tt-btn tt-danger" type="submit">Delete selected</button>' if rows else ""
    body = notice + (
        f'<p class="tt-lead">{escape(catalog["name"])} · ID {catalog_id} · {catalog["region_code"]} /'
        f' {catalog["currency"]}</p><nav class="tt-tabs">{tabs}</nav>'
        f'<form method="post" class="tt-form">{table}<div class="tt-actions">{delete_btn}{more}</div></form>'
    )
    return render(t(lang, "catalog_manager_title"), body, user=user, lang=lang)


def authorizations(app: SandboxApp, request: Request) -> Response:
    user, lang = _page_user(app, request)
    if user is None:
        return _login_redirect(request)
    if request.method == "POST":
        platform = request.form.get("business_platform", "")
        business_id = request.form.get("external_business_id", "")
        row = model.profile_get(app.storage, platform, business_id)
        if row is None or row["core_user_id"] != user["user_id"] or row["status"] != 2:
            return forbidden(user, lang, "authorization")
        model.profile_disconnect(app.storage, platform, business_id, "authorization_removed")
        return redirect("/ac/page/authorizations?removed=" + quote(platform))
    rows = app.storage.all(
        "SELECT p.*, a.platform_name FROM profiles p LEFT JOIN apps a ON a.app_id = p.app_id"
        " WHERE p.core_user_id = ? AND p.status = 2 ORDER BY p.connected_at",
        (user["user_id"],),
    )
    notice = ""
    if request.args.get("removed"):
        notice = _alert(t(lang, "auth_removed", platform=request.args["removed"]), "success")
    items = []
    for r in rows:
        name = r["platform_name"] or r["business_platform"]
        items.append(
            f'<li class="tt-auth"><div><strong>{escape(name)}</strong><br><span '
            f'class="tt-muted">{escape(r["store_name"] or "")}'
            f" · {escape(t(lang, 'auth_connected_at', when=ids.fmt_time(r['connected_at'])))}</span></div>"
            '<form method="post"><input type="hidden" name="business_platform" '
            f'value="{escape(r["business_platform"])}">'
            f'<input type="hidden" name="external_business_id" value="{escape(r["external_business_id"])}">'
            f'<button class="tt-btn tt-danger" type="submit" aria-label="{t(lang, "remove")} {escape(name)}">'
            f"{t(lang, 'remove')}</button></form></li>"
        )
    body = notice + _card(
        t(lang, "auth_platforms"),
        '<ul class="tt-list">' + "".join(items) + "</ul>"
        if items
        else f'<p class="tt-muted">{escape(t(lang, "auth_none"))}</p>',
    )
    return render(t(lang, "authorizations_title"), body, user=user, lang=lang)


def register(app: SandboxApp) -> None:
    app.add_route("/", "page:home", home)
    app.add_route("/static/sandbox.css", "page:css", stylesheet)
    app.add_route("/login", "page:login", login, ("GET", "POST"))
    app.add_route("/logout", "page:logout", logout, ("POST",))
    app.add_route("/business-extension/auth", "page:onboarding", onboarding_entry)
    app.add_route("/business-extension/setup/<onb_id>/", "page:setup", setup, ("GET", "POST"))
    app.add_route("/bc/<bc_id>/", "page:bc", business_center)
    app.add_route("/ads/<adv_id>/", "page:ads", ads_manager)
    app.add_route("/ads/<adv_id>/create/", "page:ads_create", ads_create, ("GET", "POST"))
    app.add_route("/events-manager/pixel/<pixel_code>/", "page:pixel", pixel_page, ("GET", "POST"))
    app.add_route("/catalog-manager/<bc_id>/<catalog_id>/", "page:catalog", catalog_manager, ("GET", "POST"))
    app.add_route("/ac/page/authorizations", "page:authorizations", authorizations, ("GET", "POST"))
