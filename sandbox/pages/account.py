"""TikTok's login and logout, the home page listing the user's Business Centers, and the pages' stylesheet."""

from __future__ import annotations

from pathlib import Path

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from sandbox import model
from sandbox.core import SandboxApp
from sandbox.pages.session import (
    SESSION_COOKIE,
    current_session,
    current_user,
    login_redirect,
    page_lang,
    start_session,
)
from sandbox.render import render
from sandbox.web import safe_next

CSS_PATH = Path(__file__).resolve().parent.parent / "static" / "sandbox.css"
DEMO_ACCOUNTS = "demo@tiktok.test, noadmin@tiktok.test, noads@tiktok.test"


def login(app: SandboxApp, request: Request) -> Response:
    session = current_session(app, request)
    lang = page_lang(request, session)
    next_url = safe_next(request.values.get("next"))
    failed = False
    if request.method == "POST":
        user = model.user_login(app.storage, request.form.get("email", ""), request.form.get("password", ""))
        if user is not None:
            response = redirect(next_url)
            start_session(app, response, user["user_id"], session["locale"] if session else None)
            return response
        failed = True
    return render(
        "login.html",
        status=400 if failed else 200,
        lang=lang,
        next_url=next_url,
        failed=failed,
        accounts=DEMO_ACCOUNTS,
    )


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
        return login_redirect(request)
    bcs = model.user_bcs(app.storage, user["user_id"])
    return render("home.html", user=user, lang=page_lang(request), bcs=bcs)


def stylesheet(app: SandboxApp, request: Request) -> Response:
    return Response(CSS_PATH.read_bytes(), mimetype="text/css")
