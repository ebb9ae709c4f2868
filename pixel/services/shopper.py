"""The shopper's pixel state: browser events queued for the next page and the Advanced Matching identity,
kept per store in the session, plus the storefront cookies (the marker that says the session holds
something for the pixel, and the ad-click id)."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

SESSION_KEY = "tt_pixel"
# Set on the shopper's browser when the session holds pixel state for a store (queued events or an
# Advanced Matching identity), so page views without it never load the session for the pixel.
MARKER_COOKIE = "tt_px"
# TikTok appends ?ttclid= to ad clicks; kept for 30 days so a later conversion can be attributed
# (the official plugins do the same, reference §4.1).
TTCLID_COOKIE = "tt_ttclid"
TTCLID_MAX_AGE = 30 * 24 * 3600
TTCLID_RE = re.compile(r"^[A-Za-z0-9._~-]{1,500}$")
MAX_QUEUED_EVENTS = 20


def store_path(account: str) -> str:
    return f"/s/{account}/"


def _store_state(request: HttpRequest, store_id: int) -> dict[str, Any]:
    data = request.session.get(SESSION_KEY) or {}
    return dict(data.get(str(store_id)) or {})


def _store_state_save(request: HttpRequest, store_id: int, state: dict[str, Any]) -> None:
    data = dict(request.session.get(SESSION_KEY) or {})
    if state:
        data[str(store_id)] = state
    else:
        data.pop(str(store_id), None)
    request.session[SESSION_KEY] = data
    request._tt_pixel_marker = bool(state)  # type: ignore[attr-defined]


def browser_event_queue(request: HttpRequest, store_id: int, event: dict[str, Any]) -> None:
    """Keep an event for the next storefront page of this store: add-to-cart and checkout answer with
    a redirect, and the pixel can only fire on the page after it."""
    state = _store_state(request, store_id)
    events = list(state.get("events") or [])
    events.append(event)
    state["events"] = events[-MAX_QUEUED_EVENTS:]
    _store_state_save(request, store_id, state)


def identity_remember(request: HttpRequest, store_id: int, identity: dict[str, str]) -> None:
    state = _store_state(request, store_id)
    state["identity"] = identity
    _store_state_save(request, store_id, state)


def identity_current(request: HttpRequest, store_id: int) -> dict[str, str]:
    return dict(_store_state(request, store_id).get("identity") or {})


def shopper_state_pull(request: HttpRequest, store_id: int) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Queued events (removed from the session) and the remembered identity. Touches the session only
    when this request or the marker cookie says there is something for this store."""
    if not (getattr(request, "_tt_pixel_marker", False) or request.COOKIES.get(MARKER_COOKIE)):
        return [], {}
    state = _store_state(request, store_id)
    events = list(state.pop("events", None) or [])
    identity = dict(state.get("identity") or {})
    if events:
        _store_state_save(request, store_id, state)
    else:
        request._tt_pixel_marker = bool(state)  # type: ignore[attr-defined]
    return events, identity


def marker_cookie_update(request: HttpRequest, response: HttpResponseBase, account: str) -> None:
    marker = getattr(request, "_tt_pixel_marker", None)
    if marker is None:
        return
    had = bool(request.COOKIES.get(MARKER_COOKIE))
    if marker and not had:
        response.set_cookie(
            MARKER_COOKIE,
            "1",
            path=store_path(account),
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    elif not marker and had:
        response.delete_cookie(MARKER_COOKIE, path=store_path(account), samesite="Lax")


def ttclid_remember(request: HttpRequest, response: HttpResponseBase, account: str) -> None:
    """Keep the ad-click id of a landing page (only when the shopper's consent allows tracking)."""
    ttclid = request.GET.get("ttclid", "")
    if ttclid and TTCLID_RE.match(ttclid) and ttclid != request.COOKIES.get(TTCLID_COOKIE):
        response.set_cookie(
            TTCLID_COOKIE,
            ttclid,
            max_age=TTCLID_MAX_AGE,
            path=store_path(account),
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
        )
