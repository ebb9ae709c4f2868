"""The request side of the server-side outbox: the Events API copy of a browser event, written inside the
caller's transaction (the cart or order change) and sent by a worker after it commits."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from integration.selectors import connection_active_for_store

from ..cache import PixelConfig
from ..dispatch import outbox_dispatch
from ..models import OutboxEvent, OutboxStatus
from .consent import consent_ref_for
from .shopper import TTCLID_COOKIE, TTCLID_RE


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
    if TTCLID_RE.match(ttclid):
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
