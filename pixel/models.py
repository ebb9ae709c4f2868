"""Pixel settings per store, the cache version stamp, and the server-side events outbox."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PurchaseEvent(models.TextChoices):
    # One name per moment: sending both for one order would count the conversion twice at TikTok.
    PLACE_AN_ORDER = "PlaceAnOrder", _("PlaceAnOrder (the event the app's documentation lists)")
    PURCHASE = "Purchase", _("Purchase (the name TikTok recommends today)")


class PixelSettings(models.Model):
    """How the pixel behaves in one store. A store without a row uses the defaults below."""

    store = models.OneToOneField("store.Store", on_delete=models.CASCADE, related_name="pixel_settings")
    purchase_event = models.CharField(
        _("order event"),
        max_length=20,
        choices=PurchaseEvent.choices,
        default=PurchaseEvent.PLACE_AN_ORDER,
        help_text=_("The event sent when a shopper places an order. Only this one is sent, never both."),
    )
    require_consent = models.BooleanField(
        _("require consent (LGPD)"),
        default=False,
        help_text=_(
            "Show a consent banner in the storefront; the pixel and the server-side events send nothing "
            "until the shopper accepts, and nothing at all if they refuse."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("pixel settings")
        verbose_name_plural = _("pixel settings")

    def __str__(self) -> str:
        return f"{self.store_id}: {self.purchase_event}, consent={self.require_consent}"


class PixelConfigStamp(models.Model):
    """One row whose version moves whenever any store's pixel configuration changes. Web processes
    without a shared cache compare it every few seconds to drop what they remember."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"pixel config v{self.version}"


class OutboxStatus(models.TextChoices):
    # Written while the shopper has not answered the consent banner: sent only if they accept.
    HELD = "held", _("Held until consent")
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    DROPPED = "dropped", _("Dropped (disconnected)")


class OutboxEventQuerySet(models.QuerySet["OutboxEvent"]):
    def due(self, now: datetime | None = None) -> OutboxEventQuerySet:
        return self.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now or timezone.now())

    def finished(self) -> OutboxEventQuerySet:
        return self.filter(status__in=[OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.DROPPED])


class OutboxEvent(models.Model):
    """A conversion event for TikTok's Events API, written in the same transaction as the cart or
    order change. `payload` is one element of event/track's `data` and holds only hashed personal
    data (never a raw e-mail or phone, never an IP address)."""

    store = models.ForeignKey("store.Store", on_delete=models.CASCADE, related_name="pixel_outbox")
    connection = models.ForeignKey(
        "integration.TikTokConnection", on_delete=models.CASCADE, related_name="pixel_outbox"
    )
    pixel_code = models.CharField(max_length=32)
    event = models.CharField(max_length=40)
    event_id = models.CharField(max_length=64)
    event_time = models.DateTimeField()
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claim_token = models.CharField(max_length=32, blank=True)
    # SHA-256 of the shopper's session key, only on held rows: the consent answer finds them by it.
    consent_ref = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = OutboxEventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            # TikTok deduplicates on (pixel, event, event_id); so do we, before sending.
            models.UniqueConstraint(
                fields=["connection", "event", "event_id"], name="uniq_outbox_conn_event_id"
            ),
        ]
        indexes = [
            models.Index(fields=["store", "status", "next_attempt_at"], name="outbox_store_due"),
            models.Index(
                fields=["store", "consent_ref"], condition=Q(status="held"), name="outbox_held_consent"
            ),
            models.Index(
                fields=["finished_at"],
                condition=Q(status__in=["sent", "failed", "dropped"]),
                name="outbox_finished",
            ),
        ]
        verbose_name = _("server-side event")
        verbose_name_plural = _("server-side events")

    def __str__(self) -> str:
        return f"{self.event} {self.event_id} ({self.status})"


class OutboxRun(models.Model):
    """What one send of a store's outbox did."""

    store = models.ForeignKey("store.Store", on_delete=models.CASCADE, related_name="pixel_outbox_runs")
    connection_id = models.BigIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    requests = models.PositiveIntegerField(default=0)
    sent = models.PositiveIntegerField(default=0)
    retried = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    dropped = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=30, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("server-side event send")
        verbose_name_plural = _("server-side event sends")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["store", "-started_at"], name="outboxrun_store_started")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.started_at:%Y-%m-%d %H:%M:%S} {self.outcome}"


class AdClickSeen(models.Model):
    """The first time the store saw a TikTok ad-click id (`ttclid`): on the landing page that brought it,
    or, when that visit kept none (consent given later), with the shopper's cart or order. The cookie
    carries no time, so this is the click time attribution windows count from. Kept only when the
    shopper's consent allows tracking (pixel.services.attribution)."""

    store = models.ForeignKey("store.Store", on_delete=models.CASCADE, related_name="+")
    ttclid = models.CharField(max_length=500)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("TikTok ad click")
        verbose_name_plural = _("TikTok ad clicks")
        constraints = [models.UniqueConstraint(fields=["store", "ttclid"], name="uniq_adclick_store_ttclid")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.seen_at:%Y-%m-%d %H:%M}"


class OrderAttribution(models.Model):
    """An order placed by a shopper who arrived from a TikTok ad click within the attribution window (last
    click, `ttclid` only). Keyed by the order: the store's Order has no TikTok field."""

    store = models.ForeignKey("store.Store", on_delete=models.CASCADE, related_name="+")
    order = models.OneToOneField("store.Order", on_delete=models.CASCADE, related_name="+")
    ttclid = models.CharField(max_length=500)
    clicked_at = models.DateTimeField()
    placed_at = models.DateTimeField()
    total = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    window_days = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("order from a TikTok ad")
        verbose_name_plural = _("orders from TikTok ads")
        indexes = [models.Index(fields=["store", "placed_at"], name="attribution_store_placed")]

    def __str__(self) -> str:
        return f"order {self.order_id} ({self.placed_at:%Y-%m-%d})"
