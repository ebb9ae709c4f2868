"""Sales from TikTok ad clicks, from the store's own data: the storefront keeps TikTok's click id
(`ttclid`, in the `tt_ttclid` cookie, only when the shopper's consent allows tracking), and an order placed
within the window after the click is recorded as attributed (last click wins: the cookie holds the latest
click id). `_ttp` is for matching events, never for attribution.

The cookie carries no time, so the click time is the first time the store saw that click id with the
shopper's cart or order (`AdClickSeen`): a slightly later time than the click itself, which can only make
the window count a little longer for a shopper who waited before adding to the cart."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from store.models import Order, Store

from ..cache import pixel_config_for_account
from ..models import AdClickSeen, OrderAttribution
from .consent import consent_allows_server, consent_state
from .shopper import TTCLID_COOKIE, TTCLID_RE


def attribution_window_days() -> int:
    return int(getattr(settings, "TIKTOK_ATTRIBUTION_WINDOW_DAYS", 7))


def _tracking_ttclid(request: HttpRequest, store: Store) -> str:
    """The shopper's TikTok click id, or "" when there is none or their consent does not allow keeping it."""
    config = pixel_config_for_account(store.account)
    if config is None or not consent_allows_server(consent_state(request, config)):
        return ""
    ttclid = request.COOKIES.get(TTCLID_COOKIE, "") or request.GET.get("ttclid", "")
    return ttclid if ttclid and TTCLID_RE.match(ttclid) else ""


def ad_click_landed(store_id: int, ttclid: str) -> None:
    """A landing page brought a click id the shopper's consent lets us keep: its click time starts the
    attribution window (the cookie carries no time, so a later cart or order cannot tell it)."""
    if ttclid and TTCLID_RE.match(ttclid):
        AdClickSeen.objects.get_or_create(store_id=store_id, ttclid=ttclid)


def ad_click_seen(request: HttpRequest, store: Store) -> AdClickSeen | None:
    """Remember when the store first saw the shopper's click id (idempotent)."""
    ttclid = _tracking_ttclid(request, store)
    if not ttclid:
        return None
    seen = AdClickSeen.objects.filter(store=store, ttclid=ttclid).first()
    if seen is not None:
        return seen
    try:
        with transaction.atomic():
            return AdClickSeen.objects.create(store=store, ttclid=ttclid)
    except IntegrityError:
        return AdClickSeen.objects.filter(store=store, ttclid=ttclid).first()


def order_attribute(request: HttpRequest, order: Order) -> OrderAttribution | None:
    """Inside the order's transaction: record the order as TikTok's when its shopper's last TikTok click is
    within the window. Nothing is kept without a click id or without consent."""
    store = order.store
    seen = ad_click_seen(request, store)
    if seen is None:
        return None
    days = attribution_window_days()
    placed_at = order.created_at or timezone.now()
    if placed_at - seen.seen_at > timedelta(days=days):
        return None
    attribution, _created = OrderAttribution.objects.get_or_create(
        order=order,
        defaults={
            "store": store,
            "ttclid": seen.ttclid,
            "clicked_at": seen.seen_at,
            "placed_at": placed_at,
            "total": order.total,
            "currency": order.currency,
            "window_days": days,
        },
    )
    return attribution
