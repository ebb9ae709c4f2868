"""TikTok's *Manage* destinations the store links to: Business Center, Ads Manager (list, create), the
pixel in Events Manager, Catalog Manager, and Authorizations."""

from __future__ import annotations

import time
from urllib.parse import quote

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from sandbox import ids, model
from sandbox.core import SandboxApp
from sandbox.pages.session import forbidden, login_redirect, page_user
from sandbox.render import render

PAGE_SIZE = 50
AUDIT_TABS = (("approved", "Approved"), ("processing", "In review"), ("rejected", "Rejected"))


def business_center(app: SandboxApp, request: Request, bc_id: str) -> Response:
    user, lang = page_user(app, request)
    if user is None:
        return login_redirect(request)
    bc = app.storage.one("SELECT * FROM bcs WHERE bc_id = ?", (bc_id,))
    role = model.bc_role(app.storage, user["user_id"], bc_id)
    if bc is None or role is None:
        return forbidden(user, lang, "Business Center")
    catalogs = app.storage.all(
        "SELECT * FROM catalogs WHERE bc_id = ? AND deleted = 0 ORDER BY created_at", (bc_id,)
    )
    return render(
        "business_center.html",
        user=user,
        lang=lang,
        bc=bc,
        role=role,
        members=app.storage.all(
            "SELECT u.email, m.role FROM bc_members m JOIN users u ON u.user_id = m.user_id"
            " WHERE m.bc_id = ? ORDER BY u.email",
            (bc_id,),
        ),
        advs=app.storage.all("SELECT * FROM advertisers WHERE bc_id = ? ORDER BY created_at", (bc_id,)),
        pixels=app.storage.all(
            "SELECT p.* FROM pixels p JOIN advertisers a ON a.adv_id = p.adv_id WHERE a.bc_id = ?"
            " ORDER BY p.created_at",
            (bc_id,),
        ),
        catalogs=[(c, sum(model.audit_counts(app.storage, c["catalog_id"]).values())) for c in catalogs],
    )


def ads_manager(app: SandboxApp, request: Request, adv_id: str) -> Response:
    user, lang = page_user(app, request)
    if user is None:
        return login_redirect(request)
    adv = model.advertiser_for_user(app.storage, user["user_id"], adv_id)
    if adv is None:
        return forbidden(user, lang, "ad account")
    return render(
        "ads.html",
        user=user,
        lang=lang,
        adv=adv,
        created=bool(request.args.get("created")),
        ads=app.storage.all("SELECT * FROM ads WHERE adv_id = ? ORDER BY created_at DESC", (adv_id,)),
    )


def ads_create(app: SandboxApp, request: Request, adv_id: str) -> Response:
    user, lang = page_user(app, request)
    if user is None:
        return login_redirect(request)
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
            error = "This ad account is suspended; ads can't be created."
        elif not name or len(name) > 100:
            error = "Enter an ad name of up to 100 characters."
        elif catalog_id and catalog_id not in {c["catalog_id"] for c in catalogs}:
            error = "Choose a catalog from this Business Center."
        else:
            app.storage.execute(
                "INSERT INTO ads VALUES (?, ?, ?, ?, 'IN_REVIEW', ?)",
                (ids.numeric_id(), adv_id, name, catalog_id, time.time()),
            )
            return redirect(f"/ads/{adv_id}/?created=1")
    return render(
        "ads_create.html",
        status=400 if error else 200,
        user=user,
        lang=lang,
        adv_id=adv_id,
        catalogs=catalogs,
        error=error,
    )


def pixel_page(app: SandboxApp, request: Request, pixel_code: str) -> Response:
    user, lang = page_user(app, request)
    if user is None:
        return login_redirect(request)
    pixel = model.pixel_for_user(app.storage, user["user_id"], pixel_code)
    if pixel is None:
        return forbidden(user, lang, "pixel")
    if request.method == "POST":
        if pixel["role"] != "ADMIN":
            return forbidden(user, lang, "setting (Advanced Matching needs Admin permission)")
        on = int(request.form.get("advanced_matching") == "1")
        app.storage.execute(
            "UPDATE pixels SET am_email = ?, am_phone = ? WHERE pixel_code = ?", (on, on, pixel_code)
        )
        return redirect(f"/events-manager/pixel/{pixel_code}/?saved=1")
    return render(
        "pixel.html",
        user=user,
        lang=lang,
        pixel=pixel,
        saved=bool(request.args.get("saved")),
        counts=app.storage.all(
            "SELECT event, COUNT(*) AS n, SUM(deduplicated) AS d FROM events WHERE pixel_code = ?"
            " GROUP BY event ORDER BY event",
            (pixel_code,),
        ),
        recent=app.storage.all(
            "SELECT * FROM events WHERE pixel_code = ? ORDER BY id DESC LIMIT 20", (pixel_code,)
        ),
    )


def catalog_manager(app: SandboxApp, request: Request, bc_id: str, catalog_id: str) -> Response:
    user, lang = page_user(app, request)
    if user is None:
        return login_redirect(request)
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
    status = request.args.get("status", "")
    if status not in {key for key, _ in AUDIT_TABS}:
        status = ""
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    counts = model.audit_counts(app.storage, catalog_id)
    where, params = "catalog_id = ?", [catalog_id]
    if status:
        where += " AND audit_status = ?"
        params.append(status)
    rows = app.storage.all(
        f"SELECT * FROM products WHERE {where} ORDER BY created_at, sku_id LIMIT ? OFFSET ?",  # noqa: S608
        (*params, PAGE_SIZE, (page - 1) * PAGE_SIZE),
    )
    tabs = [("", "All", sum(counts.values()))] + [(key, label, counts[key]) for key, label in AUDIT_TABS]
    products = []
    for row in rows:
        view = model.product_view(row)
        products.append(
            {
                "sku_id": row["sku_id"],
                "title": str(view.get("title", "")),
                "availability": str(view.get("availability", "")),
                "audit_status": view["audit"]["audit_status"],
                "image_status": view["image_status"],
                "reasons": "; ".join(
                    f"{i['reason']} — {i['suggestion']}" for i in view["audit"]["rejected_info"]
                ),
            }
        )
    deleted = request.args.get("deleted", "")
    return render(
        "catalog.html",
        user=user,
        lang=lang,
        catalog=catalog,
        role=role,
        audit_filter=status,
        tabs=tabs,
        products=products,
        next_page=page + 1 if len(rows) == PAGE_SIZE else None,
        deleted=int(deleted) if deleted.isdigit() else None,
    )


def authorizations(app: SandboxApp, request: Request) -> Response:
    user, lang = page_user(app, request)
    if user is None:
        return login_redirect(request)
    if request.method == "POST":
        platform = request.form.get("business_platform", "")
        business_id = request.form.get("external_business_id", "")
        row = model.profile_get(app.storage, platform, business_id)
        if row is None or row["core_user_id"] != user["user_id"] or row["status"] != 2:
            return forbidden(user, lang, "authorization")
        model.profile_disconnect(app.storage, platform, business_id, "authorization_removed")
        return redirect("/ac/page/authorizations?removed=" + quote(platform))
    return render(
        "authorizations.html",
        user=user,
        lang=lang,
        removed=request.args.get("removed"),
        profiles=app.storage.all(
            "SELECT p.*, a.platform_name FROM profiles p LEFT JOIN apps a ON a.app_id = p.app_id"
            " WHERE p.core_user_id = ? AND p.status = 2 ORDER BY p.connected_at",
            (user["user_id"],),
        ),
    )
