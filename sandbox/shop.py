"""The TikTok Shop (seller) side of the sandbox: shops and their owners, the seller authorization page,
the shop connection, orders placed by simulated buyers, and the order list the store polls.

Only `POST /tbp/v2.0/shop/connection/disconnect?external_data=` is TikTok's documented route (reference §6);
everything else here is the project's own wire format, documented in `sandbox/SHOP.md`. Registered by
`sandbox.app` through EXTENSIONS."""

from __future__ import annotations

import base64
import html
import json
import secrets
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from werkzeug.wrappers import Request, Response

from sandbox import extdata, ids
from sandbox.storage import dumps

if TYPE_CHECKING:
    from sandbox.app import ApiContext, SandboxApp

SCHEMA = """
CREATE TABLE IF NOT EXISTS shop_shops (
    shop_id TEXT PRIMARY KEY, name TEXT NOT NULL, region TEXT NOT NULL, created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS shop_members (
    shop_id TEXT NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (shop_id, user_id)
);
CREATE TABLE IF NOT EXISTS shop_authorizations (
    auth_id TEXT PRIMARY KEY, data TEXT NOT NULL, user_id TEXT, created_at REAL NOT NULL, done_at REAL
);
CREATE TABLE IF NOT EXISTS shop_auth_codes (
    code_sha TEXT PRIMARY KEY, app_id TEXT NOT NULL, user_id TEXT NOT NULL, shop_id TEXT NOT NULL,
    business_platform TEXT NOT NULL, external_business_id TEXT NOT NULL, country TEXT NOT NULL,
    expires_at REAL NOT NULL, used_at REAL
);
CREATE TABLE IF NOT EXISTS shop_connections (
    id INTEGER PRIMARY KEY AUTOINCREMENT, shop_id TEXT NOT NULL, business_platform TEXT NOT NULL,
    external_business_id TEXT NOT NULL, app_id TEXT NOT NULL, user_id TEXT NOT NULL, status TEXT NOT NULL,
    connected_at REAL NOT NULL, disconnected_at REAL, disconnect_reason TEXT
);
CREATE INDEX IF NOT EXISTS shop_connections_live ON shop_connections (status, shop_id);
CREATE TABLE IF NOT EXISTS shop_orders (
    order_id TEXT PRIMARY KEY, shop_id TEXT NOT NULL, status TEXT NOT NULL, create_time INTEGER NOT NULL,
    update_time INTEGER NOT NULL, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS shop_orders_poll ON shop_orders (shop_id, update_time, order_id);
"""
RESET_TABLES = (
    "shop_shops",
    "shop_members",
    "shop_authorizations",
    "shop_auth_codes",
    "shop_connections",
    "shop_orders",
)

CONNECTED = "CONNECTED"
DISCONNECTED = "DISCONNECTED"
OWNER = "OWNER"
MEMBER = "MEMBER"
AUTH_CODE_TTL_SECONDS = 600
MAX_PAGE_SIZE = 100
ORDER_STATUSES = (
    "UNPAID",
    "ON_HOLD",
    "AWAITING_SHIPMENT",
    "PARTIALLY_SHIPPING",
    "AWAITING_COLLECTION",
    "IN_TRANSIT",
    "DELIVERED",
    "COMPLETED",
    "CANCELLED",
)

# The project's own envelope codes (SHOP.md). 40002 stays TikTok's "parameter error".
CODE_NOT_SHOP_OWNER = 41001
CODE_SHOP_ALREADY_CONNECTED = 41002
CODE_REGION_MISMATCH = 41003
CODE_SHOP_NOT_CONNECTED = 41004
CODE_STORE_ALREADY_CONNECTED = 41005
CODE_BAD_AUTH_CODE = 41006

# Demo shops: the demo TikTok users (sandbox/README.md) are also TikTok Shop sellers, as TikTok requires
# the same login for TikTok Shop and TikTok for Business.
DEMO_SHOP_BR = "7500000000000000001"
DEMO_SHOP_BR_2 = "7500000000000000002"
DEMO_SHOP_US = "7500000000000000003"
DEMO_SHOPS = (
    (DEMO_SHOP_BR, "Loja Demo TikTok Shop", "BR"),
    (DEMO_SHOP_BR_2, "Loja Demo Outlet", "BR"),
    (DEMO_SHOP_US, "Demo US Shop", "US"),
)
DEMO_SHOP_MEMBERS = (
    (DEMO_SHOP_BR, "demo@tiktok.test", OWNER),
    (DEMO_SHOP_BR, "noadmin@tiktok.test", MEMBER),
    (DEMO_SHOP_BR_2, "demo@tiktok.test", OWNER),
    (DEMO_SHOP_US, "demo@tiktok.test", OWNER),
)


# --- state ---------------------------------------------------------------------------------------


def seed_shops(app: SandboxApp) -> None:
    now = time.time()
    with app.storage.tx() as c:
        for shop_id, name, region in DEMO_SHOPS:
            c.execute("INSERT OR IGNORE INTO shop_shops VALUES (?, ?, ?, ?)", (shop_id, name, region, now))
        for shop_id, email, role in DEMO_SHOP_MEMBERS:
            user = c.execute("SELECT user_id FROM users WHERE email = ?", (email,)).fetchone()
            if user is not None:
                c.execute(
                    "INSERT OR IGNORE INTO shop_members VALUES (?, ?, ?)", (shop_id, user["user_id"], role)
                )


def _ensure_seeded(app: SandboxApp) -> None:
    """The demo users may be seeded after this module registered (serve seeds on start)."""
    if app.storage.one("SELECT 1 FROM shop_members LIMIT 1") is None:
        seed_shops(app)


def _live_for_shop(c: Any, shop_id: str) -> Any:
    return c.execute(
        "SELECT * FROM shop_connections WHERE shop_id = ? AND status = ?", (shop_id, CONNECTED)
    ).fetchone()


def _live_for_store(c: Any, platform: str, business_id: str) -> Any:
    return c.execute(
        "SELECT * FROM shop_connections"
        " WHERE business_platform = ? AND external_business_id = ? AND status = ?",
        (platform, business_id, CONNECTED),
    ).fetchone()


def _rule_violation(
    c: Any, *, user_id: str, shop_id: str, platform: str, business_id: str, country: str
) -> str:
    """TikTok's connection rules (peers.md b.2). Returns the error name, or "" when the shop may connect."""
    shop = c.execute("SELECT * FROM shop_shops WHERE shop_id = ?", (shop_id,)).fetchone()
    member = c.execute(
        "SELECT role FROM shop_members WHERE shop_id = ? AND user_id = ?", (shop_id, user_id)
    ).fetchone()
    if shop is None or member is None:
        return "access_denied"
    if member["role"] != OWNER:
        return "not_shop_owner"
    if country and shop["region"] != country.upper():
        return "region_mismatch"
    live = _live_for_shop(c, shop_id)
    if live is not None and (live["business_platform"], live["external_business_id"]) != (
        platform,
        business_id,
    ):
        return "shop_already_connected"
    store_live = _live_for_store(c, platform, business_id)
    if store_live is not None and store_live["shop_id"] != shop_id:
        return "store_already_connected"
    return ""


ERROR_CODES = {
    "not_shop_owner": (CODE_NOT_SHOP_OWNER, "Only the TikTok Shop owner account can connect this shop."),
    "region_mismatch": (CODE_REGION_MISMATCH, "The shop's region does not match the store's country."),
    "shop_already_connected": (CODE_SHOP_ALREADY_CONNECTED, "This shop is connected to another store."),
    "store_already_connected": (CODE_STORE_ALREADY_CONNECTED, "This store is connected to another shop."),
    "access_denied": (CODE_NOT_SHOP_OWNER, "The user is not a member of this shop."),
}


def _shop_json(c: Any, shop_id: str, user_id: str) -> dict[str, Any]:
    shop = c.execute("SELECT * FROM shop_shops WHERE shop_id = ?", (shop_id,)).fetchone()
    user = c.execute("SELECT * FROM users WHERE user_id = ?", (user_id,)).fetchone()
    member = c.execute(
        "SELECT role FROM shop_members WHERE shop_id = ? AND user_id = ?", (shop_id, user_id)
    ).fetchone()
    return {
        "shop_id": shop_id,
        "shop_name": shop["name"],
        "region": shop["region"],
        "seller_id": user_id,
        "seller_name": user["display_name"] if user else "",
        "is_owner": bool(member and member["role"] == OWNER),
    }


# --- API (enveloped, journaled; external_data auth) -------------------------------------------------


def _verified(ctx: ApiContext) -> extdata.Verified:
    from sandbox.app import ApiError

    try:
        verified = extdata.verify(
            ctx.storage, ctx.request.args.get("external_data", ""), max_age_seconds=None
        )
    except extdata.ExternalDataError as exc:
        raise ApiError(40002, f"external_data: {exc}.") from exc
    ctx.app_id = verified.app["app_id"]
    return verified


def _keys(verified: extdata.Verified) -> tuple[str, str]:
    return str(verified.data["business_platform"]), str(verified.data["external_business_id"])


def connection_create(ctx: ApiContext) -> dict[str, Any]:
    from sandbox.app import ApiError

    verified = _verified(ctx)
    platform, business_id = _keys(verified)
    code = ctx.require("auth_code")
    now = time.time()
    with ctx.storage.tx() as c:
        row = c.execute("SELECT * FROM shop_auth_codes WHERE code_sha = ?", (ids.token_sha(code),)).fetchone()
        if (
            row is None
            or row["used_at"] is not None
            or row["expires_at"] < now
            or (row["business_platform"], row["external_business_id"]) != (platform, business_id)
            or row["app_id"] != verified.app["app_id"]
        ):
            raise ApiError(CODE_BAD_AUTH_CODE, "auth_code is invalid, expired or already used.")
        c.execute("UPDATE shop_auth_codes SET used_at = ? WHERE code_sha = ?", (now, row["code_sha"]))
        violation = _rule_violation(
            c,
            user_id=row["user_id"],
            shop_id=row["shop_id"],
            platform=platform,
            business_id=business_id,
            country=row["country"],
        )
        if violation:
            code_, message = ERROR_CODES[violation]
            raise ApiError(code_, message)
        if _live_for_store(c, platform, business_id) is None:
            c.execute(
                "INSERT INTO shop_connections (shop_id, business_platform, external_business_id, app_id,"
                " user_id,"
                " status, connected_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (row["shop_id"], platform, business_id, row["app_id"], row["user_id"], CONNECTED, now),
            )
        shop = _shop_json(c, row["shop_id"], row["user_id"])
    return {"shop": shop, "connected_at": int(now)}


def connection_get_status(ctx: ApiContext) -> dict[str, Any]:
    verified = _verified(ctx)
    platform, business_id = _keys(verified)
    with ctx.storage.tx() as c:
        live = _live_for_store(c, platform, business_id)
        if live is None:
            return {"status": "NOT_CONNECTED"}
        return {
            "status": CONNECTED,
            "shop": _shop_json(c, live["shop_id"], live["user_id"]),
            "connected_at": int(live["connected_at"]),
        }


def _disconnect(ctx: ApiContext, reason: str = "shop_connection_disconnect") -> None:
    verified = _verified(ctx)
    platform, business_id = _keys(verified)
    ctx.storage.execute(
        "UPDATE shop_connections SET status = ?, disconnected_at = ?, disconnect_reason = ?"
        " WHERE business_platform = ? AND external_business_id = ? AND status = ?",
        (DISCONNECTED, time.time(), reason, platform, business_id, CONNECTED),
    )


def _encode_cursor(update_time: int, order_id: str) -> str:
    return base64.urlsafe_b64encode(f"{update_time}:{order_id}".encode()).decode()


def _decode_cursor(raw: str) -> tuple[int, str]:
    from sandbox.app import ApiError

    try:
        text = base64.urlsafe_b64decode(raw.encode()).decode()
        update_time, order_id = text.split(":", 1)
        return int(update_time), order_id
    except (ValueError, UnicodeError) as exc:
        raise ApiError(40002, "cursor: Not a valid cursor.") from exc


def order_list(ctx: ApiContext) -> dict[str, Any]:
    from sandbox.app import ApiError

    verified = _verified(ctx)
    platform, business_id = _keys(verified)
    try:
        update_time_ge = int(ctx.request.args.get("update_time_ge") or 0)
        page_size = int(ctx.request.args.get("page_size") or 20)
    except ValueError as exc:
        raise ApiError(40002, "update_time_ge / page_size: Not a valid integer.") from exc
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ApiError(40002, f"page_size: Must be between 1 and {MAX_PAGE_SIZE}.")
    live = ctx.storage.one(
        "SELECT * FROM shop_connections"
        " WHERE business_platform = ? AND external_business_id = ? AND status = ?",
        (platform, business_id, CONNECTED),
    )
    if live is None:
        raise ApiError(CODE_SHOP_NOT_CONNECTED, "No TikTok Shop is connected to this store.")
    after: tuple[int, str] = (update_time_ge, "")
    raw_cursor = ctx.request.args.get("cursor") or ""
    if raw_cursor:
        after = max(after, _decode_cursor(raw_cursor))
    # Only orders placed while this connection exists belong to the store.
    rows = ctx.storage.all(
        "SELECT * FROM shop_orders WHERE shop_id = ? AND create_time >= ?"
        " AND (update_time > ? OR (update_time = ? AND order_id > ?))"
        " ORDER BY update_time, order_id LIMIT ?",
        (live["shop_id"], int(live["connected_at"]), after[0], after[0], after[1], page_size + 1),
    )
    has_more = len(rows) > page_size
    rows = rows[:page_size]
    orders = [json.loads(r["data"]) for r in rows]
    next_cursor = _encode_cursor(rows[-1]["update_time"], rows[-1]["order_id"]) if rows else ""
    return {"orders": orders, "next_cursor": next_cursor, "has_more": has_more, "total_count": len(orders)}


# --- hosted seller authorization page --------------------------------------------------------------


_STYLE = """<style>
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f1f1f2;margin:0;color:#161823}
header{background:#000;color:#fff;padding:14px 24px;font-weight:700}header span{color:#fe2c55}
main{max-width:520px;margin:40px auto;background:#fff;border-radius:8px;padding:28px;
box-shadow:0 2px 12px #0002}
h1{font-size:20px;margin:0 0 12px}label{display:block;margin:10px 0}input[type=text],input[type=password],
input[type=email]{width:100%;padding:9px;border:1px solid #ccc;border-radius:4px;box-sizing:border-box}
.shop{border:1px solid #ddd;border-radius:6px;padding:10px 12px;margin:8px 0;display:flex;gap:10px}
.muted{color:#666;font-size:13px}.err{background:#fde8ec;color:#a3001c;padding:10px;border-radius:4px}
button{background:#fe2c55;color:#fff;border:0;border-radius:4px;padding:10px 18px;font-weight:600;
cursor:pointer}
button.secondary{background:#fff;color:#161823;border:1px solid #ccc}
.row{display:flex;gap:8px;margin-top:16px}
</style>"""


def _page(title: str, body: str, status: int = 200) -> Response:
    doc = (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}"
        f" · TikTok Shop</title><link rel='icon' href='data:,'>{_STYLE}</head>"
        "<body><header>TikTok <span>Shop</span> · Seller Center"
        f"</header><main>{body}</main></body></html>"
    )
    return Response(doc, status=status, mimetype="text/html")


def _redirect_uri_allowed(app: SandboxApp, uri: str, app_row: Any) -> bool:
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    prefix = app_row["redirect_uri_prefix"] or ""
    if prefix:
        return uri.startswith(prefix)
    return parts.hostname in ("127.0.0.1", "localhost", "::1")


def _back(data: dict[str, Any], **params: str) -> Response:
    if data.get("state"):
        params["state"] = str(data["state"])
    uri = str(data["redirect_uri"])
    sep = "&" if urlsplit(uri).query else "?"
    return Response(status=302, headers={"Location": uri + sep + urlencode(params)})


def authorize_entry(app: SandboxApp, request: Request) -> Response:
    """`GET /seller/authorize?external_data=` — verify, then the seller signs in and picks a shop."""
    _ensure_seeded(app)
    try:
        verified = extdata.verify(
            app.storage,
            request.args.get("external_data", ""),
            max_age_seconds=float(app.config.get("external_data_max_age_seconds", 1800)),
        )
    except extdata.ExternalDataError as exc:
        return _page("Error", f"<h1>Invalid request</h1><p class='err'>{html.escape(str(exc))}</p>", 400)
    data = verified.data
    redirect_uri = str(data.get("redirect_uri") or "")
    if not redirect_uri or not _redirect_uri_allowed(app, redirect_uri, verified.app):
        return _page(
            "Error", "<h1>Invalid request</h1><p class='err'>redirect_uri is missing or not allowed.</p>", 400
        )
    features = data.get("whitelisted_features") or []
    if "tt_shop" not in features:
        return _page(
            "Error",
            "<h1>Invalid request</h1><p class='err'>TikTok Shop is not enabled for this app"
            " (whitelisted_features must include tt_shop).</p>",
            400,
        )
    auth_id = secrets.token_urlsafe(18)
    keep = {
        k: data[k]
        for k in (
            "business_platform",
            "external_business_id",
            "redirect_uri",
            "state",
            "country_region",
            "store_name",
            "locale",
        )
        if k in data
    }
    keep["app_id"] = verified.app["app_id"]
    keep["platform_name"] = verified.app["platform_name"]
    app.storage.execute(
        "INSERT INTO shop_authorizations (auth_id, data, created_at) VALUES (?, ?, ?)",
        (auth_id, dumps(keep), time.time()),
    )
    return Response(status=302, headers={"Location": f"/seller/authorize/{auth_id}/"})


# What TikTok Shop localises on the seller page (external_data.locale: pt* / es* / else English).
_TEXT: dict[str, dict[str, str]] = {
    "login_title": {
        "en": "Log in to TikTok Shop",
        "pt": "Entrar no TikTok Shop",
        "es": "Iniciar sesión en TikTok Shop",
    },
    "email": {"en": "Email", "pt": "E-mail", "es": "Correo electrónico"},
    "password": {"en": "Password", "pt": "Senha", "es": "Contraseña"},
    "login": {"en": "Log in", "pt": "Entrar", "es": "Iniciar sesión"},
    "bad_login": {
        "en": "Incorrect email or password.",
        "pt": "E-mail ou senha incorretos.",
        "es": "Correo electrónico o contraseña incorrectos.",
    },
    "same_login": {
        "en": "Use the same login as TikTok for Business.",
        "pt": "Use o mesmo login do TikTok for Business.",
        "es": "Usa el mismo inicio de sesión que en TikTok for Business.",
    },
    "connect_title": {
        "en": "Connect TikTok Shop to {platform}",
        "pt": "Conectar o TikTok Shop à {platform}",
        "es": "Conectar TikTok Shop con {platform}",
    },
    "asks": {
        "en": "{platform} store <strong>{store}</strong> asks to connect a TikTok Shop and read its orders.",
        "pt": "A loja <strong>{store}</strong> da {platform} pede para conectar um TikTok Shop e ler os"
        " pedidos dele.",
        "es": "La tienda <strong>{store}</strong> de {platform} pide conectar una TikTok Shop y leer sus"
        " pedidos.",
    },
    "signed_in": {
        "en": "Signed in as {name}",
        "pt": "Conectado como {name}",
        "es": "Sesión iniciada como {name}",
    },
    "sandbox_accounts": {
        "en": "Sandbox: demo@tiktok.test (owner), noadmin@tiktok.test (shop member, not owner); password "
        "<code>sandbox</code>.",
        "pt": "Sandbox: demo@tiktok.test (proprietário), noadmin@tiktok.test (membro da loja, não "
        "proprietário); senha <code>sandbox</code>.",
        "es": "Sandbox: demo@tiktok.test (propietario), noadmin@tiktok.test (miembro de la tienda, no "
        "propietario); contraseña <code>sandbox</code>.",
    },
    "region": {"en": "Region", "pt": "Região", "es": "Región"},
    "owner": {"en": "Shop owner", "pt": "Proprietário da loja", "es": "Propietario de la tienda"},
    "member": {"en": "Member", "pt": "Membro", "es": "Miembro"},
    "no_shop": {
        "en": "This account has no TikTok Shop.",
        "pt": "Esta conta não tem TikTok Shop.",
        "es": "Esta cuenta no tiene TikTok Shop.",
    },
    "authorize": {"en": "Authorize", "pt": "Autorizar", "es": "Autorizar"},
    "cancel": {"en": "Cancel", "pt": "Cancelar", "es": "Cancelar"},
    "switch": {"en": "Use another account", "pt": "Usar outra conta", "es": "Usar otra cuenta"},
    "expired": {
        "en": "This authorization has expired",
        "pt": "Esta autorização expirou",
        "es": "Esta autorización caducó",
    },
    "again": {
        "en": "Start again from your store.",
        "pt": "Comece de novo a partir da sua loja.",
        "es": "Vuelve a empezar desde tu tienda.",
    },
}


def _t(lang: str, key: str, **kwargs: str) -> str:
    text = _TEXT[key].get(lang) or _TEXT[key]["en"]
    return text.format(**kwargs) if kwargs else text


def _lang(data: dict[str, Any]) -> str:
    return extdata.lang_of(str(data.get("locale") or "en"))


def _login_form(auth_id: str, lang: str, error: bool = False) -> str:
    err = f"<p class='err' data-testid='seller-error'>{_t(lang, 'bad_login')}</p>" if error else ""
    return (
        f"<h1>{_t(lang, 'login_title')}</h1>{err}<form method='post' action='/seller/authorize/{auth_id}/'>"
        "<input type='hidden' name='action' value='login'>"
        f"<label>{_t(lang, 'email')}<input type='email' name='email' data-testid='seller-email' required>"
        "</label>"
        f"<label>{_t(lang, 'password')}<input type='password' name='password' data-testid='seller-password'"
        " required></label>"
        f"<div class='row'><button type='submit' data-testid='seller-login'>{_t(lang, 'login')}</button>"
        f"</div></form><p class='muted'>{_t(lang, 'same_login')} {_t(lang, 'sandbox_accounts')}</p>"
    )


def _choose_form(app: SandboxApp, auth_id: str, data: dict[str, Any], user_id: str) -> str:
    lang = _lang(data)
    rows = app.storage.all(
        "SELECT s.*, m.role FROM shop_members m JOIN shop_shops s ON s.shop_id = m.shop_id"
        " WHERE m.user_id = ? ORDER BY s.name",
        (user_id,),
    )
    user = app.storage.one("SELECT * FROM users WHERE user_id = ?", (user_id,))
    platform = html.escape(str(data.get("platform_name") or data.get("business_platform")))
    store = html.escape(str(data.get("store_name") or data.get("external_business_id")))
    items = "".join(
        f"<label class='shop'><input type='radio' name='shop_id' value='{html.escape(r['shop_id'])}'"
        f" data-testid='seller-shop-{html.escape(r['shop_id'])}'{' checked' if i == 0 else ''}>"
        f"<span><strong>{html.escape(r['name'])}</strong><br>"
        f"<span class='muted'>{_t(lang, 'region')} {html.escape(r['region'])}"
        f" · {_t(lang, 'owner') if r['role'] == OWNER else _t(lang, 'member')}</span></span></label>"
        for i, r in enumerate(rows)
    )
    if not items:
        items = f"<p class='muted'>{_t(lang, 'no_shop')}</p>"
    name = html.escape(user["display_name"] if user else user_id)
    return (
        f"<h1>{_t(lang, 'connect_title', platform=platform)}</h1>"
        f"<p>{_t(lang, 'asks', platform=platform, store=store)}</p>"
        f"<p class='muted'>{_t(lang, 'signed_in', name=name)}</p>"
        f"<form method='post' action='/seller/authorize/{auth_id}/'>{items}"
        "<div class='row'><button type='submit' name='action' value='authorize'"
        f" data-testid='seller-authorize'>{_t(lang, 'authorize')}</button>"
        "<button type='submit' name='action' value='cancel' class='secondary'"
        f" data-testid='seller-cancel'>{_t(lang, 'cancel')}</button>"
        "<button type='submit' name='action' value='logout'"
        f" class='secondary'>{_t(lang, 'switch')}</button></div></form>"
    )


def authorize_page(app: SandboxApp, request: Request, auth_id: str) -> Response:
    row = app.storage.one("SELECT * FROM shop_authorizations WHERE auth_id = ?", (auth_id,))
    max_age = float(app.config.get("external_data_max_age_seconds", 1800))
    if row is None or row["done_at"] is not None or row["created_at"] < time.time() - max_age:
        return _page("Error", f"<h1>{_t('en', 'expired')}</h1><p>{_t('en', 'again')}</p>", 404)
    data = json.loads(row["data"])
    lang = _lang(data)
    if request.method == "GET":
        if row["user_id"] is None:
            return _page("Log in", _login_form(auth_id, lang))
        return _page("Authorize", _choose_form(app, auth_id, data, row["user_id"]))
    action = request.form.get("action", "")
    if action == "login":
        user = app.storage.one(
            "SELECT * FROM users WHERE email = ? AND password = ?",
            (request.form.get("email", "").strip().lower(), request.form.get("password", "")),
        )
        if user is None:
            return _page("Log in", _login_form(auth_id, lang, error=True), 200)
        app.storage.execute(
            "UPDATE shop_authorizations SET user_id = ? WHERE auth_id = ?", (user["user_id"], auth_id)
        )
        return Response(status=303, headers={"Location": f"/seller/authorize/{auth_id}/"})
    if action == "logout":
        app.storage.execute("UPDATE shop_authorizations SET user_id = NULL WHERE auth_id = ?", (auth_id,))
        return Response(status=303, headers={"Location": f"/seller/authorize/{auth_id}/"})
    if row["user_id"] is None:
        return _page("Log in", _login_form(auth_id, lang))
    return _finish(
        app,
        auth_id,
        data,
        row["user_id"],
        shop_id=request.form.get("shop_id", ""),
        cancel=action != "authorize",
    )


def _finish(
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
        violation = _rule_violation(
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


# --- admin API (loopback only) ------------------------------------------------------------------------


def _loopback(request: Request) -> bool:
    return request.remote_addr in ("127.0.0.1", "::1", None)


def _json(payload: Any, status: int = 200) -> Response:
    return Response(dumps(payload), status=status, mimetype="application/json")


def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.get_data(cache=True) or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _user_id(app: SandboxApp, email: str) -> str | None:
    row = app.storage.one("SELECT user_id FROM users WHERE email = ?", (email.strip().lower(),))
    return row["user_id"] if row else None


def admin_shops(app: SandboxApp, request: Request) -> Response:
    """GET: shops with their members; POST `{name, region, owner, members?, shop_id?}` creates one."""
    _ensure_seeded(app)
    if not _loopback(request):
        return _json({"error": "loopback only"}, 403)
    if request.method == "POST":
        body = _body(request)
        owner = _user_id(app, str(body.get("owner") or ""))
        region = str(body.get("region") or "").upper()
        if owner is None or len(region) != 2 or not body.get("name"):
            return _json({"error": "name, region (2 letters) and an existing owner e-mail are required"}, 400)
        shop_id = str(body.get("shop_id") or ids.numeric_id())
        with app.storage.tx() as c:
            c.execute(
                "INSERT OR REPLACE INTO shop_shops VALUES (?, ?, ?, ?)",
                (shop_id, str(body["name"]), region, time.time()),
            )
            c.execute("INSERT OR REPLACE INTO shop_members VALUES (?, ?, ?)", (shop_id, owner, OWNER))
            for email in body.get("members") or []:
                member = c.execute(
                    "SELECT user_id FROM users WHERE email = ?", (str(email).lower(),)
                ).fetchone()
                if member is not None and member["user_id"] != owner:
                    c.execute(
                        "INSERT OR REPLACE INTO shop_members VALUES (?, ?, ?)",
                        (shop_id, member["user_id"], MEMBER),
                    )
        return _json({"shop_id": shop_id}, 201)
    shops = []
    for s in app.storage.all("SELECT * FROM shop_shops ORDER BY shop_id"):
        members = app.storage.all(
            "SELECT u.email, m.role FROM shop_members m JOIN users u ON u.user_id = m.user_id"
            " WHERE m.shop_id = ?",
            (s["shop_id"],),
        )
        shops.append(
            {
                "shop_id": s["shop_id"],
                "name": s["name"],
                "region": s["region"],
                "members": [dict(m) for m in members],
            }
        )
    return _json({"shops": shops})


def admin_connections(app: SandboxApp, request: Request) -> Response:
    if not _loopback(request):
        return _json({"error": "loopback only"}, 403)
    rows = app.storage.all("SELECT * FROM shop_connections ORDER BY id")
    return _json({"connections": [dict(r) for r in rows]})


def _new_order(body: dict[str, Any], shop_id: str, now: int) -> dict[str, Any]:
    buyer = body.get("buyer") if isinstance(body.get("buyer"), dict) else {}
    items = body.get("items") if isinstance(body.get("items"), list) else []
    lines = []
    total = 0.0
    for n, item in enumerate(items, start=1):
        quantity = max(1, int(item.get("quantity") or 1))
        price = float(item.get("sale_price") or 0)
        total += price * quantity
        lines.append(
            {
                "id": f"{n}",
                "seller_sku": str(item.get("seller_sku") or ""),
                "product_name": str(item.get("product_name") or ""),
                "sku_name": str(item.get("sku_name") or ""),
                "quantity": quantity,
                "sale_price": f"{price:.2f}",
            }
        )
    status = str(body.get("status") or "AWAITING_SHIPMENT")
    return {
        "id": str(body.get("order_id") or ("57" + ids.numeric_id()[1:])),
        "status": status if status in ORDER_STATUSES else "AWAITING_SHIPMENT",
        "create_time": now,
        "update_time": now,
        "buyer_email": str(buyer.get("email") or "buyer@example.com"),
        "recipient_address": {
            "name": str(buyer.get("name") or "Comprador TikTok"),
            "phone_number": str(buyer.get("phone") or "+55 11 99999-0000"),
        },
        "payment": {"currency": str(body.get("currency") or "BRL"), "total_amount": f"{total:.2f}"},
        "line_items": lines,
    }


def admin_orders(app: SandboxApp, request: Request) -> Response:
    """GET `?shop_id=`: orders. POST `{shop_id, items:[{seller_sku, product_name, sku_name?, quantity,
    sale_price}], buyer?{name,email,phone}, currency?, status?, count?}`: a simulated buyer places orders."""
    if not _loopback(request):
        return _json({"error": "loopback only"}, 403)
    if request.method == "GET":
        shop_id = request.args.get("shop_id")
        if shop_id:
            rows = app.storage.all(
                "SELECT data FROM shop_orders WHERE shop_id = ? ORDER BY create_time", (shop_id,)
            )
        else:
            rows = app.storage.all("SELECT data FROM shop_orders ORDER BY create_time")
        return _json({"orders": [json.loads(r["data"]) for r in rows]})
    body = _body(request)
    shop_id = str(body.get("shop_id") or "")
    if app.storage.one("SELECT 1 FROM shop_shops WHERE shop_id = ?", (shop_id,)) is None:
        return _json({"error": "unknown shop_id"}, 400)
    count = max(1, min(int(body.get("count") or 1), 1000))
    now = int(time.time())
    created = []
    with app.storage.tx() as c:
        for _ in range(count):
            order = _new_order(
                {**body, "order_id": body.get("order_id") if count == 1 else None}, shop_id, now
            )
            c.execute(
                "INSERT INTO shop_orders VALUES (?, ?, ?, ?, ?, ?)",
                (order["id"], shop_id, order["status"], now, now, dumps(order)),
            )
            created.append(order)
    return _json({"orders": created}, 201)


def admin_order_status(app: SandboxApp, request: Request, order_id: str) -> Response:
    """POST `{status}`: TikTok moves the order on (the seller ships it, the buyer cancels ...)."""
    if not _loopback(request):
        return _json({"error": "loopback only"}, 403)
    status = str(_body(request).get("status") or "")
    if status not in ORDER_STATUSES:
        return _json({"error": f"status must be one of {', '.join(ORDER_STATUSES)}"}, 400)
    with app.storage.tx() as c:
        row = c.execute("SELECT * FROM shop_orders WHERE order_id = ?", (order_id,)).fetchone()
        if row is None:
            return _json({"error": "unknown order"}, 404)
        order = json.loads(row["data"])
        # Strictly later than before, so a poll from the last update_time sees the change.
        now = max(int(time.time()), int(row["update_time"]) + 1)
        order.update(status=status, update_time=now)
        c.execute(
            "UPDATE shop_orders SET status = ?, update_time = ?, data = ? WHERE order_id = ?",
            (status, now, dumps(order), order_id),
        )
    return _json({"order": order})


def admin_authorize(app: SandboxApp, request: Request) -> Response:
    """Test shortcut: `{external_data, email, shop_id, cancel?}` -> `{location}` exactly as the seller
    authorization page would redirect (the rules are the same)."""
    if not _loopback(request):
        return _json({"error": "loopback only"}, 403)
    body = _body(request)
    environ_args = {"external_data": str(body.get("external_data") or "")}
    entry = authorize_entry(app, Request.from_values(query_string=environ_args))
    if entry.status_code != 302:
        return _json({"error": entry.get_data(as_text=True)}, 400)
    auth_id = entry.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    user_id = _user_id(app, str(body.get("email") or ""))
    if user_id is None:
        return _json({"error": "unknown seller e-mail"}, 400)
    row = app.storage.one("SELECT data FROM shop_authorizations WHERE auth_id = ?", (auth_id,))
    data = json.loads(row["data"])
    response = _finish(
        app, auth_id, data, user_id, shop_id=str(body.get("shop_id") or ""), cancel=bool(body.get("cancel"))
    )
    return _json({"location": response.headers["Location"]})


# --- registration ---------------------------------------------------------------------------------


def register(app: SandboxApp) -> None:
    app.add_schema(SCHEMA, RESET_TABLES)
    seed_shops(app)
    app.add_reset_hook(lambda: seed_shops(app))
    app.add_tbp_route("tbp/v2.0/shop/connection/create", connection_create)
    app.add_tbp_route("tbp/v2.0/shop/connection/get_status", connection_get_status, methods=("GET",))
    app.add_tbp_route("tbp/v2.0/shop/order/list", order_list, methods=("GET",))
    # TikTok's documented disconnect is registered by api_auth (it flags the business profile); chain the
    # shop connection's own state onto that same route instead of registering a second rule for the path.
    disconnect_endpoint = "api:tbp/v2.0/shop/connection/disconnect"
    existing = app.api_routes.get(disconnect_endpoint)
    if existing is None:
        app.add_tbp_route("tbp/v2.0/shop/connection/disconnect", lambda ctx: (_disconnect(ctx), {})[1])
    else:
        previous = existing.handler

        def disconnect(ctx: ApiContext) -> Any:
            result = previous(ctx)
            _disconnect(ctx)
            return result

        existing.handler = disconnect
    app.add_route("/seller/authorize", "shop:authorize", authorize_entry)
    app.add_route(
        "/seller/authorize/<auth_id>/", "shop:authorize-page", authorize_page, methods=("GET", "POST")
    )
    app.add_route("/_sandbox/shop/shops", "shop:admin-shops", admin_shops, methods=("GET", "POST"))
    app.add_route("/_sandbox/shop/connections", "shop:admin-connections", admin_connections)
    app.add_route("/_sandbox/shop/orders", "shop:admin-orders", admin_orders, methods=("GET", "POST"))
    app.add_route(
        "/_sandbox/shop/orders/<order_id>/status",
        "shop:admin-order-status",
        admin_order_status,
        methods=("POST",),
    )
    app.add_route("/_sandbox/shop/authorize", "shop:admin-authorize", admin_authorize, methods=("POST",))
