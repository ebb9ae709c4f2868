"""`pixel.subscribers` calls these on the store's cart and order notifications: the ad-click id seen with
a cart, and the order's attribution to TikTok (pixel.services.attribution). Like the pixel's event hooks,
a failure here never fails the shopper's cart or order: it is logged and rolled back alone."""

from __future__ import annotations

import logging

from django.db import transaction
from django.http import HttpRequest

from store.models import Order, Store

from .services.attribution import ad_click_seen, order_attribute

logger = logging.getLogger(__name__)


def on_cart_item_added(request: HttpRequest, store: Store) -> None:
    try:
        with transaction.atomic():
            ad_click_seen(request, store)
    except Exception:
        logger.exception("pixel: the TikTok click of a cart could not be recorded; the cart goes on")


def on_order_placed(request: HttpRequest, order: Order) -> None:
    try:
        with transaction.atomic():
            order_attribute(request, order)
    except Exception:
        logger.exception("pixel: order %s could not be attributed; the order goes on", order.pk)
