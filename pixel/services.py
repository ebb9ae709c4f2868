"""Pixel services: shopper state (queued browser events, Advanced Matching identity, consent), the
server-side outbox (write, send, purge), the per-store settings and the manual set-up snippet."""

from __future__ import annotations

import hashlib
import logging
import random
import re
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone

from .cache import PIXEL_CODE_RE, PixelConfig, pixel_config_invalidate
from .models import OutboxEvent, OutboxRun, OutboxStatus, PixelSettings, PurchaseEvent

if TYPE_CHECKING:
    from store.models import Store
    from tiktok_api import TikTokClient

logger = logging.getLogger(__name__)

SESSION_KEY = "tt_pixel"
# Set on the shopper's browser when the session holds pixel state for a store (queued events or an
# Advanced Matching identity), so page views without it never load the session for the pixel.
MARKER_COOKIE = "tt_px"
CONSENT_COOKIE = "tt_consent"
# TikTok appends ?ttclid= to ad clicks; kept for 30 days so a later conversion can be attributed
# (the official plugins do the same, reference §4.1).
TTCLID_COOKIE = "tt_ttclid"
TTCLID_MAX_AGE = 30 * 24 * 3600
_TTCLID_RE = re.compile(r"^[A-Za-z0-9._~-]{1,500}$")
CONSENT_MAX_AGE = 365 * 24 * 3600
MAX_QUEUED_EVENTS = 20

CONSENT_NOT_REQUIRED = "not_required"
CONSENT_PENDING = "pending"
CONSENT_GRANTED = "granted"
CONSENT_DENIED = "denied"

MAX_EVENTS_PER_REQUEST = 1000
MAX_ATTEMPTS = 10
BACKOFF_BASE_SECONDS = 30.0
BACKOFF_MAX_SECONDS = 3600.0
OUTBOX_LEASE_SECONDS = 600.0
HELD_MAX_AGE_HOURS = 24


def store_path(account: str) -> str:
    return f"/s/{account}/"


# --- consent -------------------------------------------------------------------------------------


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


# --- shopper state in the session ----------------------------------------------------------------


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
    if ttclid and _TTCLID_RE.match(ttclid) and ttclid != request.COOKIES.get(TTCLID_COOKIE):
        response.set_cookie(
            TTCLID_COOKIE,
            ttclid,
            max_age=TTCLID_MAX_AGE,
            path=store_path(account),
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
        )


# --- server-side outbox --------------------------------------------------------------------------


def _page_url(request: HttpRequest) -> str:
    referer = request.META.get("HTTP_REFERER", "")
    if referer.startswith(request.build_absolute_uri("/")):
        return referer[:1000]
    return request.build_absolute_uri()[:1000]


def server_user(request: HttpRequest, identity: dict[str, str]) -> dict[str, str]:
    """`user` of an Events API event: hashed e-mail/phone (Advanced Matching only), TikTok's own
    cookie ids, the user agent. No IP address: the outbox keeps no unhashed personal data."""
    user: dict[str, str] = {}
    if identity.get("email"):
        user["email"] = identity["email"]
    if identity.get("phone_number"):
        user["phone"] = identity["phone_number"]
    if ttp := request.COOKIES.get("_ttp"):
        user["ttp"] = ttp[:200]
    ttclid = request.COOKIES.get(TTCLID_COOKIE, "")
    if _TTCLID_RE.match(ttclid):
        user["ttclid"] = ttclid
    if ua := request.META.get("HTTP_USER_AGENT"):
        user["user_agent"] = ua[:500]
    return user


def outbox_event_create(
    request: HttpRequest,
    config: PixelConfig,
    *,
    event: str,
    event_id: str,
    properties: dict[str, Any],
    identity: dict[str, str],
    held: bool = False,
) -> OutboxEvent | None:
    """Write the server-side copy of a browser event inside the caller's transaction. Never calls
    TikTok: a worker sends it after the transaction commits. `held`: the shopper has not answered the
    consent banner yet; the row waits for the answer (sent if accepted, deleted if refused)."""
    from integration.selectors import connection_active_for_store

    consent_ref = ""
    if held:
        consent_ref = consent_ref_for(request)
        if not consent_ref:
            return None
    connection = connection_active_for_store(config.store_id)
    if connection is None or not connection.pixel_code:
        return None
    now = timezone.now()
    payload = {
        "event": event,
        "event_time": int(now.timestamp()),
        "event_id": event_id,
        "user": server_user(request, identity),
        "properties": properties,
        "page": {"url": _page_url(request)},
    }
    try:
        with transaction.atomic():
            row, created = OutboxEvent.objects.get_or_create(
                connection=connection,
                event=event,
                event_id=event_id,
                defaults={
                    "store_id": config.store_id,
                    "pixel_code": connection.pixel_code,
                    "event_time": now,
                    "payload": payload,
                    "next_attempt_at": now,
                    "created_at": now,
                    "status": OutboxStatus.HELD if held else OutboxStatus.PENDING,
                    "consent_ref": consent_ref,
                },
            )
    except IntegrityError:
        return OutboxEvent.objects.filter(connection=connection, event=event, event_id=event_id).first()
    if created and not held:
        store_id = config.store_id
        transaction.on_commit(lambda: outbox_dispatch(store_id))
    return row


def outbox_dispatch(store_id: int) -> None:
    """Ask a worker to send now. A broker hiccup must not fail the shopper's request: the beat sweep
    (pixel.tasks.send_outbox_all, every minute) sends it anyway."""
    if not getattr(settings, "PIXEL_OUTBOX_DISPATCH", True):
        return
    try:
        from .tasks import send_outbox_for_store

        send_outbox_for_store.delay(store_id)
    except Exception:  # noqa: BLE001
        logger.warning("pixel: could not enqueue the outbox send for store %s", store_id, exc_info=True)


def backoff_seconds(attempts: int, rng: random.Random | None = None) -> float:
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * (2 ** max(0, attempts - 1)))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


def outbox_stores_due() -> list[int]:
    now = timezone.now()
    due = OutboxEvent.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
    stale = OutboxEvent.objects.filter(
        status=OutboxStatus.SENDING, claimed_at__lt=now - timedelta(seconds=OUTBOX_LEASE_SECONDS)
    )
    ids = set(due.values_list("store_id", flat=True).distinct())
    ids |= set(stale.values_list("store_id", flat=True).distinct())
    return sorted(ids)


def _drop_inactive(store_id: int, active_connection_id: int | None, now: Any) -> int:
    rows = OutboxEvent.objects.filter(
        store_id=store_id, status__in=[OutboxStatus.HELD, OutboxStatus.PENDING, OutboxStatus.SENDING]
    )
    if active_connection_id is not None:
        rows = rows.exclude(connection_id=active_connection_id)
    return rows.update(
        status=OutboxStatus.DROPPED, finished_at=now, last_error="disconnected", claim_token=""
    )


def _release_for_retry(token: str, error: str, now: Any) -> tuple[int, int]:
    """Put a claimed batch back with backoff; rows past MAX_ATTEMPTS fail for good."""
    retried = failed = 0
    for row in OutboxEvent.objects.filter(claim_token=token, status=OutboxStatus.SENDING):
        attempts = row.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            status, next_at, finished = OutboxStatus.FAILED, row.next_attempt_at, now
            failed += 1
        else:
            status, next_at, finished = (
                OutboxStatus.PENDING,
                now + timedelta(seconds=backoff_seconds(attempts)),
                None,
            )
            retried += 1
        OutboxEvent.objects.filter(pk=row.pk, claim_token=token).update(
            status=status,
            attempts=attempts,
            next_attempt_at=next_at,
            finished_at=finished,
            last_error=error[:500],
            claim_token="",
        )
    return retried, failed


def outbox_send_for_store(
    store_id: int, *, client: TikTokClient | None = None, batch_size: int = MAX_EVENTS_PER_REQUEST
) -> OutboxRun | None:
    """Send the store's due events to event/track in batches of at most 1,000. One sender per store
    (a lease); rows are claimed with a compare-and-set. Returns the run, or None if another worker is
    sending for this store."""
    from integration.selectors import connection_active_for_store, connection_is_active
    from integration.services import connection_auto_disconnect
    from tiktok_admin.locks import singleton
    from tiktok_api.errors import AuthError, TikTokError

    batch_size = max(1, min(batch_size, MAX_EVENTS_PER_REQUEST))
    with singleton(f"pixel-outbox:{store_id}", OUTBOX_LEASE_SECONDS) as owner:
        if owner is None:
            return None
        now = timezone.now()
        run = OutboxRun.objects.create(store_id=store_id, started_at=now)
        # Under the lease nobody else sends for this store: any row still "sending" is from a dead worker.
        OutboxEvent.objects.filter(store_id=store_id, status=OutboxStatus.SENDING).update(
            status=OutboxStatus.PENDING, claim_token=""
        )
        connection = connection_active_for_store(store_id)
        run.connection_id = connection.pk if connection else None
        run.dropped += _drop_inactive(store_id, connection.pk if connection else None, now)
        outcome = "idle"
        while connection is not None:
            if not connection_is_active(connection.pk):
                run.dropped += _drop_inactive(store_id, None, timezone.now())
                outcome = "disconnected"
                break
            now = timezone.now()
            ids = list(
                OutboxEvent.objects.due(now)
                .filter(store_id=store_id, connection_id=connection.pk)
                .order_by("id")
                .values_list("id", flat=True)[:batch_size]
            )
            if not ids:
                break
            token = uuid.uuid4().hex
            OutboxEvent.objects.filter(pk__in=ids, status=OutboxStatus.PENDING).update(
                status=OutboxStatus.SENDING, claim_token=token, claimed_at=now
            )
            rows = list(
                OutboxEvent.objects.filter(claim_token=token, status=OutboxStatus.SENDING).order_by("id")
            )
            if not rows:
                continue
            if client is None:
                from tiktok_admin.tiktok import client as make_client

                client = make_client()
            run.requests += 1
            try:
                client.event_track(
                    connection.access_token,
                    pixel_code=connection.pixel_code,
                    events=[r.payload for r in rows],
                    partner_name=settings.TIKTOK_BUSINESS_PLATFORM,
                )
            except AuthError as exc:
                disconnected = connection_auto_disconnect(connection.pk, error=exc)
                if disconnected or not connection_is_active(connection.pk):
                    run.dropped += _drop_inactive(store_id, None, timezone.now())
                    outcome = "disconnected"
                else:
                    retried, failed = _release_for_retry(token, str(exc), timezone.now())
                    run.retried += retried
                    run.failed += failed
                    outcome = "auth_error"
                run.error = str(exc)[:500]
                break
            except TikTokError as exc:
                run.error = str(exc)[:500]
                if exc.retryable:
                    retried, failed = _release_for_retry(token, str(exc), timezone.now())
                    run.retried += retried
                    run.failed += failed
                    outcome = "retry"
                else:
                    # TikTok refused the batch itself (e.g. 40002): sending it again changes nothing.
                    run.failed += OutboxEvent.objects.filter(claim_token=token).update(
                        status=OutboxStatus.FAILED,
                        attempts=1,
                        finished_at=timezone.now(),
                        last_error=str(exc)[:500],
                        claim_token="",
                    )
                    outcome = "failed"
                break
            run.sent += OutboxEvent.objects.filter(claim_token=token).update(
                status=OutboxStatus.SENT, finished_at=timezone.now(), claim_token="", last_error=""
            )
            outcome = "sent"
        run.outcome = outcome if connection is not None else "no_connection"
        run.finished_at = timezone.now()
        run.save()
        return run


def outbox_purge(retention_days: int | None = None, chunk: int = 5000) -> int:
    """Delete finished outbox rows (and run rows) older than the retention period."""
    days = (
        retention_days if retention_days is not None else getattr(settings, "PIXEL_OUTBOX_RETENTION_DAYS", 7)
    )
    cutoff = timezone.now() - timedelta(days=days)
    deleted = 0
    while True:
        ids = list(
            OutboxEvent.objects.finished().filter(finished_at__lt=cutoff).values_list("id", flat=True)[:chunk]
        )
        if not ids:
            break
        deleted += OutboxEvent.objects.filter(pk__in=ids).delete()[0]
    OutboxRun.objects.filter(started_at__lt=cutoff).delete()
    # Held rows whose shopper never answered the banner are never sent.
    unanswered = timezone.now() - timedelta(hours=HELD_MAX_AGE_HOURS)
    deleted += OutboxEvent.objects.filter(status=OutboxStatus.HELD, created_at__lt=unanswered).delete()[0]
    return deleted


# --- settings and manual set-up ------------------------------------------------------------------


def pixel_settings_for_store(store: Store) -> PixelSettings:
    return PixelSettings.objects.filter(store=store).first() or PixelSettings(store=store)


def pixel_settings_update(store: Store, *, purchase_event: str, require_consent: bool) -> PixelSettings:
    if purchase_event not in PurchaseEvent.values:
        raise ValueError(f"unknown order event {purchase_event!r}")
    with transaction.atomic():
        ps, _created = PixelSettings.objects.update_or_create(
            store=store, defaults={"purchase_event": purchase_event, "require_consent": require_consent}
        )
        pixel_config_invalidate(store.pk)
    return ps


def pixel_manual_snippet(pixel_code: str) -> str:
    """TikTok's base code for this pixel, to paste as a Custom HTML tag (Legacy CMS / Headless stores)."""
    if not PIXEL_CODE_RE.match(pixel_code or ""):
        raise ValueError("invalid pixel code")
    sdk_url = settings.TIKTOK_PIXEL_SDK_URL
    return (
        "<!-- TikTok Pixel Code Start -->\n"
        "<script>\n"
        "!function (w, d, t) {\n"
        "  w.TiktokAnalyticsObject=t;var ttq=w[t]=w[t]||[];"
        'ttq.methods=["page","track","identify","instances","debug","on","off","once","ready","alias",'
        '"group","enableCookie","disableCookie","holdConsent","revokeConsent","grantConsent"],'
        "ttq.setAndDefer=function(t,e){t[e]=function(){t.push([e].concat(Array.prototype.slice.call(arguments,0)))}};"
        "for(var i=0;i<ttq.methods.length;i++)ttq.setAndDefer(ttq,ttq.methods[i]);"
        "ttq.instance=function(t){for(var e=ttq._i[t]||[],n=0;n<ttq.methods.length;n++)"
        "ttq.setAndDefer(e,ttq.methods[n]);return e},"
        f'ttq.load=function(e,n){{var r="{sdk_url}",o=n&&n.partner;'
        "ttq._i=ttq._i||{},ttq._i[e]=[],ttq._i[e]._u=r,ttq._t=ttq._t||{},ttq._t[e]=+new Date,"
        'ttq._o=ttq._o||{},ttq._o[e]=n||{};n=document.createElement("script");'
        'n.type="text/javascript",n.async=!0,n.src=r+"?sdkid="+e+"&lib="+t;'
        'e=document.getElementsByTagName("script")[0];e.parentNode.insertBefore(n,e)};\n'
        f"  ttq.load('{pixel_code}');\n"
        "  ttq.page();\n"
        "}(window, document, 'ttq');\n"
        "</script>\n"
        "<!-- TikTok Pixel Code End -->"
    )


def unit_price_decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None
