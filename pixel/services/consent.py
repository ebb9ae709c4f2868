"""The shopper's consent (LGPD): the store setting asks first, the answer lives in a cookie scoped to the
store's storefront, and server-side events written before the answer wait in the outbox as "held"."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone

from ..cache import PixelConfig
from ..dispatch import outbox_dispatch
from ..models import OutboxEvent, OutboxStatus
from .shopper import store_path

CONSENT_COOKIE = "tt_consent"
CONSENT_MAX_AGE = 365 * 24 * 3600

CONSENT_NOT_REQUIRED = "not_required"
CONSENT_PENDING = "pending"
CONSENT_GRANTED = "granted"
CONSENT_DENIED = "denied"


def consent_state(request: HttpRequest, config: PixelConfig) -> str:
    if not config.require_consent:
        return CONSENT_NOT_REQUIRED
    value = request.COOKIES.get(CONSENT_COOKIE)
    return value if value in (CONSENT_GRANTED, CONSENT_DENIED) else CONSENT_PENDING


def consent_allows_browser(state: str) -> bool:
    """Pending still lets the page hold its events (sent only if the shopper accepts)."""
    return state != CONSENT_DENIED


def consent_allows_server(state: str) -> bool:
    return state in (CONSENT_NOT_REQUIRED, CONSENT_GRANTED)


def consent_ref_for(request: HttpRequest) -> str:
    key = request.session.session_key if hasattr(request, "session") else None
    return hashlib.sha256(key.encode()).hexdigest() if key else ""


def consent_apply_to_held(request: HttpRequest, store_id: int, choice: str) -> int:
    """The shopper answered the banner: their held server-side events are released or deleted."""
    ref = consent_ref_for(request)
    if not ref:
        return 0
    held = OutboxEvent.objects.filter(store_id=store_id, status=OutboxStatus.HELD, consent_ref=ref)
    if choice == CONSENT_GRANTED:
        released = held.update(status=OutboxStatus.PENDING, next_attempt_at=timezone.now(), consent_ref="")
        if released:
            transaction.on_commit(lambda: outbox_dispatch(store_id))
        return released
    return held.delete()[0]


def consent_record(response: HttpResponseBase, account: str, choice: str) -> None:
    if choice not in (CONSENT_GRANTED, CONSENT_DENIED):
        raise ValueError(f"unknown consent choice {choice!r}")
    response.set_cookie(
        CONSENT_COOKIE,
        choice,
        max_age=CONSENT_MAX_AGE,
        path=store_path(account),
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )
