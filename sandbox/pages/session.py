"""Who is looking at a hosted TikTok for Business page, and in which language: the TikTok session cookie,
the login redirect and the permission page every page shares."""

from __future__ import annotations

import secrets
import time
from sqlite3 import Row
from urllib.parse import urlencode

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from sandbox.core import SandboxApp
from sandbox.i18n import LANGS, pick
from sandbox.render import render

SESSION_COOKIE = "tt_sandbox_sid"


def current_session(app: SandboxApp, request: Request) -> Row | None:
    sid = request.cookies.get(SESSION_COOKIE)
    if not sid:
        return None
    return app.storage.one("SELECT * FROM sessions WHERE sid = ?", (sid,))


def current_user(app: SandboxApp, request: Request) -> Row | None:
    session = current_session(app, request)
    if session is None or not session["user_id"]:
        return None
    return app.storage.one("SELECT * FROM users WHERE user_id = ?", (session["user_id"],))


def start_session(app: SandboxApp, response: Response, user_id: str | None, locale: str | None) -> None:
    """A new TikTok session (logged in, or only carrying the onboarding's language) on `response`."""
    sid = secrets.token_urlsafe(24)
    app.storage.execute("INSERT INTO sessions VALUES (?, ?, ?, ?)", (sid, user_id, locale, time.time()))
    response.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="Lax")


def page_lang(request: Request, session: Row | None = None) -> str:
    # Without a ?lang= or an onboarding locale, TikTok answers in the browser's language (a Brazilian
    # merchant who opens *Manage* with no TikTok session gets the login page in Portuguese).
    return pick(
        request.args.get("lang"),
        session["locale"] if session is not None else None,
        request.accept_languages.best_match(LANGS),
    )


def page_user(app: SandboxApp, request: Request) -> tuple[Row | None, str]:
    return current_user(app, request), page_lang(request, current_session(app, request))


def login_redirect(request: Request, target: str | None = None) -> Response:
    """To the login page, coming back to `target` (default: this page) afterwards."""
    if target is None:
        target = request.full_path if request.query_string else request.path
    return redirect("/login?" + urlencode({"next": target}))


def forbidden(user: Row, lang: str, what: str) -> Response:
    return render("forbidden.html", status=403, user=user, lang=lang, what=what)
