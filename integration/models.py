"""The TikTok for Business connection of a store, its setup, and the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .crypto import EncryptedTextField
from .oauth import ConnectAttemptBase


class TikTokSetup(models.Model):
    """What the merchant filled in the setup form. Affiliate ID and website never change once set."""

    store = models.OneToOneField("store.Store", on_delete=models.CASCADE, related_name="tiktok_setup")
    affiliate_id = models.CharField(
        _("affiliate ID"),
        max_length=3,
        validators=[RegexValidator(r"^[B-DF-HJ-NP-TV-Z]{3}$", _("Use exactly 3 consonants, e.g. TKT."))],
    )
    trade_policy = models.ForeignKey("store.TradePolicy", on_delete=models.PROTECT, related_name="+")
    store_name = models.CharField(_("store name"), max_length=150)
    website = models.URLField(_("store website"))
    segment = models.CharField(_("segment"), max_length=60)
    country = models.CharField(_("country"), max_length=2)
    time_zone = models.CharField(_("time zone"), max_length=64)
    contact_email = models.EmailField(_("contact e-mail"))
    phone_country_code = models.CharField(_("country code"), max_length=4)
    phone = models.CharField(_("phone"), max_length=20)
    external_business_id = models.CharField(max_length=64, unique=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("TikTok setup")
        verbose_name_plural = _("TikTok setups")

    def __str__(self) -> str:
        return f"{self.affiliate_id} · {self.store_name}"


class ConnectionStatus(models.TextChoices):
    CONNECTED = "connected", _("Connected")
    DISCONNECTED = "disconnected", _("Disconnected")


class DisconnectReason(models.TextChoices):
    MANUAL = "manual", _("Disconnected by a user")
    OPS = "ops", _("Disconnected by operations")
    TOKEN_REVOKED = "token_revoked", _("TikTok revoked the access token")
    TOKEN_EXPIRED = "token_expired", _("The TikTok access token expired")
    TOKEN_INVALID = "token_invalid", _("TikTok no longer accepts the access token for this account")
    ACCOUNT_SUSPENDED = "account_suspended", _("The TikTok account was suspended")
    PROFILE_GONE = "profile_gone", _("TikTok no longer reports this business connection")


class TikTokConnectionQuerySet(models.QuerySet["TikTokConnection"]):
    def active(self) -> TikTokConnectionQuerySet:
        return self.filter(status=ConnectionStatus.CONNECTED)

    def for_store(self, store_id: int) -> TikTokConnectionQuerySet:
        return self.filter(store_id=store_id)


class TikTokConnection(models.Model):
    """One connected period of a store to TikTok. A reconnect creates a new row (it may bring a
    different catalog or pixel); at most one row per store is connected."""

    store = models.ForeignKey("store.Store", on_delete=models.CASCADE, related_name="tiktok_connections")
    status = models.CharField(
        max_length=20, choices=ConnectionStatus.choices, default=ConnectionStatus.CONNECTED
    )
    external_business_id = models.CharField(max_length=64)
    bc_id = models.CharField(max_length=32, blank=True)
    adv_id = models.CharField(max_length=32, blank=True)
    pixel_code = models.CharField(max_length=32, blank=True)
    catalog_id = models.CharField(max_length=32, blank=True)
    core_user_id = models.CharField(max_length=32, blank=True)
    advertiser_ids = models.JSONField(default=list, blank=True)
    access_token = EncryptedTextField(blank=True)
    # The local toggle is what our pixel sends; `advanced_matching_at_tiktok` is what the merchant chose for
    # the pixel at TikTok during onboarding (the toggle's initial value), kept to explain the difference.
    advanced_matching = models.BooleanField(_("Advanced Matching"), default=False)
    advanced_matching_at_tiktok = models.BooleanField(null=True, blank=True)
    connected_at = models.DateTimeField()
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    disconnected_at = models.DateTimeField(null=True, blank=True)
    disconnected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    disconnect_reason = models.CharField(max_length=30, choices=DisconnectReason.choices, blank=True)
    disconnect_detail = models.TextField(blank=True)
    remote_disconnect_error = models.TextField(blank=True)
    last_error_code = models.IntegerField(null=True, blank=True)
    last_error_message = models.CharField(max_length=500, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)

    objects = TikTokConnectionQuerySet.as_manager()

    class Meta:
        ordering = ["-connected_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["store"],
                condition=Q(status="connected"),
                name="uniq_active_tiktok_connection_per_store",
            )
        ]
        verbose_name = _("TikTok connection")
        verbose_name_plural = _("TikTok connections")

    def __str__(self) -> str:
        return f"{self.store_id}: {self.status} (catalog {self.catalog_id or '-'})"

    @property
    def is_active(self) -> bool:
        return self.status == ConnectionStatus.CONNECTED


class ConnectAttempt(ConnectAttemptBase):
    """One trip to TikTok's onboarding (see `integration.oauth`)."""

    class Meta(ConnectAttemptBase.Meta):
        verbose_name = _("connect attempt")
        verbose_name_plural = _("connect attempts")


class HealthCheckRun(models.Model):
    """One pass of the periodic connection health check (Celery beat or `tiktok_check_connections`)."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    checked = models.PositiveIntegerField(default=0)
    healthy = models.PositiveIntegerField(default=0)
    disconnected = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    trigger = models.CharField(max_length=20, default="beat")

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("health check run")
        verbose_name_plural = _("health check runs")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} checked={self.checked} disconnected={self.disconnected}"
