"""Rows every app shares: job leases, periodic slots, heartbeats and the store's audit trail of its
channels."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobLease(models.Model):
    """A named lease held by one worker; expires so a killed worker cannot hold it forever."""

    name = models.CharField(max_length=200, primary_key=True)
    owner = models.CharField(max_length=100)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} ({self.owner})"


class PeriodicSlot(models.Model):
    """The last schedule slot a periodic job ran for (core.periodic): a second beat, or a message sent twice,
    asking for the same or an older slot finds it taken and does nothing."""

    job = models.CharField(max_length=200, primary_key=True)
    # The start of the period in milliseconds since the epoch: later periods compare greater even across a
    # change of the job's interval.
    last_slot = models.BigIntegerField()
    # The task that took it: its own redelivery (same task id) may take the slot back and do the work.
    owner = models.CharField(max_length=100, blank=True)
    taken_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.job} @ {self.last_slot}"


class Heartbeat(models.Model):
    """The last time a periodic job really ran in a worker (the canary, beat's sweep): proves that beat
    publishes and workers consume."""

    name = models.CharField(max_length=100, primary_key=True)
    seen_at = models.DateTimeField()
    worker = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.name


class AuditAction(models.TextChoices):
    APP_INSTALLED = "app_installed", _("App installed")
    APP_UNINSTALLED = "app_uninstalled", _("App uninstalled")
    SETUP_SAVED = "setup_saved", _("Setup saved")
    CONNECT_CANCELLED = "connect_cancelled", _("Connection cancelled at TikTok")
    CONNECT_STARTED = "connect_started", _("Connection started")
    CONNECTED = "connected", _("Connected")
    CONNECT_FAILED = "connect_failed", _("Connection failed")
    DISCONNECTED = "disconnected", _("Disconnected")
    AUTO_DISCONNECTED = "auto_disconnected", _("Disconnected automatically")
    ADVANCED_MATCHING_ON = "advanced_matching_on", _("Advanced Matching enabled")
    ADVANCED_MATCHING_OFF = "advanced_matching_off", _("Advanced Matching disabled")
    SYNC_REQUESTED = "sync_requested", _("Catalog sync requested")
    SHOP_CONNECTED = "shop_connected", _("TikTok Shop connected")
    SHOP_DISCONNECTED = "shop_disconnected", _("TikTok Shop disconnected")
    TOKENS_ROTATED = "tokens_rotated", _("Tokens re-encrypted")
    OLD_CATALOG_REMOVE = "old_catalog_remove", _("Removal from an earlier catalog chosen")
    OLD_CATALOG_REMOVED = "old_catalog_removed", _("Products removed from an earlier catalog")
    OLD_CATALOG_REMOVE_FAILED = "old_catalog_remove_failed", _("Removal from an earlier catalog failed")
    OLD_CATALOG_LEFT = "old_catalog_left", _("Products left in an earlier catalog")
    ADS_CAMPAIGN_ENABLED = "ads_campaign_enabled", _("TikTok campaign turned on")
    ADS_CAMPAIGN_DISABLED = "ads_campaign_disabled", _("TikTok campaign turned off")


class AuditEvent(models.Model):
    """One entry of a store's audit trail: who did what to its channels, when. `detail` never holds a
    secret (token, code, state)."""

    store = models.ForeignKey("store.Store", on_delete=models.CASCADE, related_name="tiktok_audit")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=100, blank=True, help_text="system actor when there is no user")
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["store", "-at"], name="audit_store_at")]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"
