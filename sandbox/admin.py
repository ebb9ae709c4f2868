"""The loopback-only admin API under /_sandbox/: reset, config, faults, journal, inspection and test
shortcuts."""

from __future__ import annotations

import io
import json
import time
from sqlite3 import Row
from typing import Any

from PIL import Image
from werkzeug.wrappers import Request, Response

from sandbox import extdata, ids, model, seed
from sandbox.core import SandboxApp
from sandbox.pages.onboarding import SetupError, finish_onboarding
from sandbox.runtime import merge
from sandbox.web import AdminHandler, admin_api, json_body, with_query

MAX_TEST_IMAGE_SIDE = 4000


def health(app: SandboxApp, request: Request) -> dict[str, Any]:
    return {"ok": True}


def reset(app: SandboxApp, request: Request) -> dict[str, Any]:
    app.reset()
    return {"ok": True}


def provision(app: SandboxApp, request: Request) -> dict[str, Any]:
    body = {**seed.DEFAULT_APP, **json_body(request)}
    seed.provision_app(app.storage, **{k: str(body[k]) for k in seed.DEFAULT_APP})
    return {"ok": True, "app_id": body["app_id"]}


def config(app: SandboxApp, request: Request) -> dict[str, Any]:
    if request.method == "POST":
        patch = json_body(request)
        unknown = set(patch) - set(app.config)
        if unknown:
            raise ValueError("unknown settings: " + ", ".join(sorted(unknown)))
        app.config = merge(app.config, patch)
        if "faults_seed" in patch:
            app.faults.seed(int(patch["faults_seed"]))
    return app.config


def faults(app: SandboxApp, request: Request) -> dict[str, Any]:
    if request.method == "POST":
        body = json_body(request)
        if "seed" in body:
            app.faults.seed(int(body["seed"]))
        if body.get("kind"):
            app.faults.add(body)
    elif request.method == "DELETE":
        app.faults.clear()
    return {"rules": app.faults.as_list()}


def journal(app: SandboxApp, request: Request) -> dict[str, Any]:
    args = request.args
    where, params = ["1=1"], []
    for name in ("endpoint", "token_fp", "catalog_id", "app_id", "method"):
        if args.get(name):
            where.append(f"{name} = ?")
            params.append(args[name])
    if args.get("code"):
        where.append("code = ?")
        params.append(int(args["code"]))
    if args.get("since"):
        where.append("ts >= ?")
        params.append(float(args["since"]))
    if args.get("after_id"):
        where.append("id > ?")
        params.append(int(args["after_id"]))
    if args.get("sku_id"):
        where.append("sku_ids LIKE ?")
        params.append("%" + json.dumps(args["sku_id"]) + "%")
    limit = min(int(args.get("limit", 10000)), 100000)
    rows = app.storage.all(
        f"SELECT * FROM journal WHERE {' AND '.join(where)} ORDER BY id LIMIT ?",  # noqa: S608
        (*params, limit),
    )
    entries = []
    for r in rows:
        entry = dict(r)
        entry["sku_ids"] = json.loads(r["sku_ids"]) if r["sku_ids"] else []
        entries.append(entry)
    return {"entries": entries}


def revoke(app: SandboxApp, request: Request) -> dict[str, Any]:
    body = json_body(request)
    now = time.time()
    if body.get("token"):
        n = app.storage.execute(
            "UPDATE tokens SET revoked_at = ?, revoke_reason = 'admin' WHERE token_sha = ?"
            " AND revoked_at IS NULL",
            (now, ids.token_sha(str(body["token"]))),
        )
    elif body.get("token_fp"):
        n = app.storage.execute(
            "UPDATE tokens SET revoked_at = ?, revoke_reason = 'admin' WHERE fp = ? AND revoked_at IS NULL",
            (now, str(body["token_fp"])),
        )
    elif body.get("adv_id"):
        n = app.storage.execute(
            "UPDATE tokens SET revoked_at = ?, revoke_reason = 'admin' WHERE revoked_at IS NULL"
            " AND adv_ids LIKE ?",
            (now, "%" + json.dumps(str(body["adv_id"])) + "%"),
        )
    else:
        raise ValueError("give token, token_fp or adv_id")
    return {"revoked": n}


def suspend(app: SandboxApp, request: Request) -> dict[str, Any]:
    body = json_body(request)
    reason = str(
        body.get("reason")
        or "Your ad account has been suspended for violating TikTok's advertising policies."
    )
    n = app.storage.execute(
        "UPDATE advertisers SET suspended = 1, suspend_reason = ? WHERE adv_id = ?",
        (reason, str(body["adv_id"])),
    )
    return {"suspended": n}


def unsuspend(app: SandboxApp, request: Request) -> dict[str, Any]:
    body = json_body(request)
    n = app.storage.execute(
        "UPDATE advertisers SET suspended = 0, suspend_reason = '' WHERE adv_id = ?", (str(body["adv_id"]),)
    )
    return {"unsuspended": n}


def tick(app: SandboxApp, request: Request) -> dict[str, Any]:
    if app.worker is None:
        raise ValueError("no background worker runs in this process")
    return app.worker.run_due(force=True)


def catalogs(app: SandboxApp, request: Request) -> dict[str, Any]:
    rows = app.storage.all("SELECT * FROM catalogs ORDER BY created_at")
    out = []
    for r in rows:
        item = dict(r)
        item["counts"] = model.audit_counts(app.storage, r["catalog_id"])
        item["product_count"] = sum(item["counts"].values())
        out.append(item)
    return {"catalogs": out}


def pixels(app: SandboxApp, request: Request) -> dict[str, Any]:
    rows = app.storage.all(
        "SELECT p.pixel_code, p.name, p.adv_id, a.bc_id FROM pixels p"
        " JOIN advertisers a ON a.adv_id = p.adv_id ORDER BY p.created_at, p.pixel_code"
    )
    return {"pixels": [dict(r) for r in rows]}


def catalog_products(app: SandboxApp, request: Request, catalog_id: str) -> dict[str, Any]:
    where, params = "catalog_id = ?", [catalog_id]
    if request.args.get("audit_status"):
        where += " AND audit_status = ?"
        params.append(request.args["audit_status"])
    rows = app.storage.all(f"SELECT * FROM products WHERE {where} ORDER BY created_at, sku_id", params)  # noqa: S608
    return {"products": [model.product_view(r) for r in rows]}


def feed_logs(app: SandboxApp, request: Request) -> dict[str, Any]:
    where, params = "1=1", []
    if request.args.get("catalog_id"):
        where, params = "catalog_id = ?", [request.args["catalog_id"]]
    rows = app.storage.all(f"SELECT * FROM feed_logs WHERE {where} ORDER BY feed_log_id", params)  # noqa: S608
    return {
        "feed_logs": [
            {"feed_log_id": str(r["feed_log_id"]), "kind": r["kind"], **model.feed_log_view(r)} for r in rows
        ]
    }


def profiles(app: SandboxApp, request: Request) -> dict[str, Any]:
    return {"profiles": [dict(r) for r in app.storage.all("SELECT * FROM profiles")]}


def tokens(app: SandboxApp, request: Request) -> dict[str, Any]:
    rows = app.storage.all(
        "SELECT fp, app_id, user_id, adv_ids, business_platform, external_business_id,"
        " created_at, revoked_at, revoke_reason FROM tokens ORDER BY created_at"
    )
    return {"tokens": [dict(r) for r in rows]}


def events(app: SandboxApp, request: Request) -> dict[str, Any]:
    where, params = "1=1", []
    if request.args.get("pixel_code"):
        where, params = "pixel_code = ?", [request.args["pixel_code"]]
    rows = app.storage.all(f"SELECT * FROM events WHERE {where} ORDER BY id", params)  # noqa: S608
    out = []
    for r in rows:
        item = dict(r)
        item["payload"] = json.loads(r["payload"])
        item["deduplicated"] = bool(r["deduplicated"])
        out.append(item)
    return {"events": out}


def _user(app: SandboxApp, email: str) -> Row:
    user = app.storage.one("SELECT * FROM users WHERE email = ?", (email,))
    if user is None:
        raise ValueError(f"unknown user {email}")
    return user


def connect(app: SandboxApp, request: Request) -> dict[str, Any]:
    """Test shortcut: what a finished onboarding leaves behind, plus a token, without the browser."""
    body = json_body(request)
    app_row = app.storage.one(
        "SELECT * FROM apps WHERE app_id = ?", (str(body.get("app_id") or seed.DEFAULT_APP["app_id"]),)
    )
    if app_row is None:
        raise ValueError("unknown app")
    user = _user(app, str(body.get("user") or "demo@tiktok.test"))
    bcs = [b for b in model.user_bcs(app.storage, user["user_id"]) if b["role"] == "ADMIN"]
    if not bcs:
        raise ValueError("the user administers no Business Center")
    bc_id = bcs[0]["bc_id"]
    adv = app.storage.one("SELECT adv_id FROM advertisers WHERE bc_id = ? ORDER BY created_at", (bc_id,))
    if adv is None:
        raise ValueError("no ad account is linked")
    new_assets = bool(body.get("new_assets", True))
    if new_assets:
        pixel_code = model.pixel_create(
            app.storage,
            adv["adv_id"],
            "Test Pixel",
            am=bool(body.get("advanced_matching")),
            partner_name=app_row["business_platform"],
        )
        catalog_id = model.catalog_create(app.storage, bc_id, str(body.get("catalog_name") or "Test Catalog"))
    else:
        pixel_code, catalog_id = seed.DEMO_PIXEL_CODE, seed.DEMO_CATALOG_ID
    platform = str(body.get("business_platform") or app_row["business_platform"])
    business_id = str(body["external_business_id"])
    model.profile_connect(
        app.storage,
        app_id=app_row["app_id"],
        business_platform=platform,
        external_business_id=business_id,
        user_id=user["user_id"],
        bc_id=bc_id,
        adv_id=adv["adv_id"],
        pixel_code=pixel_code,
        catalog_id=catalog_id,
        store_name=str(body.get("store_name") or "Demo Store"),
        locale="en",
    )
    token = model.token_issue(
        app.storage,
        app_id=app_row["app_id"],
        user_id=user["user_id"],
        adv_ids=[adv["adv_id"]],
        business_platform=platform,
        external_business_id=business_id,
    )
    return {
        "access_token": token,
        "token_fp": ids.token_fp(token),
        "bc_id": bc_id,
        "adv_id": adv["adv_id"],
        "pixel_code": pixel_code,
        "catalog_id": catalog_id,
        "core_user_id": user["user_id"],
    }


def onboard(app: SandboxApp, request: Request) -> dict[str, Any]:
    """Test shortcut for the hosted flow: the Location *Finish Setup* / *Cancel* would redirect to."""
    body = json_body(request)
    try:
        verified = extdata.verify(
            app.storage,
            str(body.get("external_data") or ""),
            max_age_seconds=float(app.config["external_data_max_age_seconds"]),
        )
    except extdata.ExternalDataError as exc:
        return {"error": str(exc)}
    redirect_uri = str(verified.data.get("redirect_uri") or "")
    state = verified.data.get("state")
    if body.get("cancel"):
        params = {"error": "access_denied"}
        if state:
            params["state"] = str(state)
        return {"location": with_query(redirect_uri, params)}
    user = _user(app, str(body.get("user") or "demo@tiktok.test"))
    admin_bcs = [b["bc_id"] for b in model.user_bcs(app.storage, user["user_id"]) if b["role"] == "ADMIN"]
    any_bcs = [b["bc_id"] for b in model.user_bcs(app.storage, user["user_id"])]
    bc_id = str(body.get("bc") or (admin_bcs or any_bcs or ["new"])[0])
    adv = app.storage.one("SELECT adv_id FROM advertisers WHERE bc_id = ? ORDER BY created_at", (bc_id,))
    choice = {
        "bc": bc_id,
        "adv": str(body.get("adv") or (adv["adv_id"] if adv else "new")),
        "pixel": str(body.get("pixel") or "new"),
        "catalog": str(body.get("catalog") or "new"),
        "advanced_matching": bool(body.get("advanced_matching")),
    }
    try:
        return finish_onboarding(app, verified.data, verified.app["app_id"], user, choice)
    except SetupError as exc:
        return {"error": exc.key}


def test_image(app: SandboxApp, request: Request, width: int, height: int) -> Response:
    if not (1 <= width <= MAX_TEST_IMAGE_SIDE and 1 <= height <= MAX_TEST_IMAGE_SIDE):
        return Response("bad size", status=400)
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (254, 44, 85)).save(buf, format="PNG")
    return Response(buf.getvalue(), mimetype="image/png")


def register(app: SandboxApp) -> None:
    routes: list[tuple[str, str, AdminHandler, tuple[str, ...]]] = [
        ("/_sandbox/health", "health", health, ("GET",)),
        ("/_sandbox/reset", "reset", reset, ("POST",)),
        ("/_sandbox/provision", "provision", provision, ("POST",)),
        ("/_sandbox/config", "config", config, ("GET", "POST")),
        ("/_sandbox/faults", "faults", faults, ("GET", "POST", "DELETE")),
        ("/_sandbox/journal", "journal", journal, ("GET",)),
        ("/_sandbox/revoke", "revoke", revoke, ("POST",)),
        ("/_sandbox/suspend", "suspend", suspend, ("POST",)),
        ("/_sandbox/unsuspend", "unsuspend", unsuspend, ("POST",)),
        ("/_sandbox/tick", "tick", tick, ("POST",)),
        ("/_sandbox/catalogs", "catalogs", catalogs, ("GET",)),
        ("/_sandbox/pixels", "pixels", pixels, ("GET",)),
        ("/_sandbox/catalogs/<catalog_id>/products", "catalog_products", catalog_products, ("GET",)),
        ("/_sandbox/feed_logs", "feed_logs", feed_logs, ("GET",)),
        ("/_sandbox/profiles", "profiles", profiles, ("GET",)),
        ("/_sandbox/tokens", "tokens", tokens, ("GET",)),
        ("/_sandbox/events", "events", events, ("GET",)),
        ("/_sandbox/connect", "connect", connect, ("POST",)),
        ("/_sandbox/onboard", "onboard", onboard, ("POST",)),
        ("/_sandbox/img/<int:width>x<int:height>.png", "test_image", test_image, ("GET",)),
    ]
    for rule, name, handler, methods in routes:
        app.add_route(rule, "admin:" + name, admin_api(handler), methods)
