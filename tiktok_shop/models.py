"""The TikTok Shop (seller) account of a store: its connection, the store settings it changes, and
the runs of the order import. Separate from the TikTok for Business (ads) connection in `integration`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from integration.oauth import ConnectAttemptBase


class StoreChannelSettings(models.Model):
    """Store settings that the TikTok Shop connection turns on. They live here (not on `store.Store`)
    because the store package is not ours; a connection snapshots them when it is made and puts them
    back when it ends, so the store returns to its pre-TikTok-Shop state."""

    store = models.OneToOneField("store.Store", on_delete=models.CASCADE, related_name="tiktok_shop_settings")
    shop_order_import = models.BooleanField(
        _("import TikTok Shop orders"),
        default=False,
        help_text=_("TikTok Shop orders are brought into the store's orders while a shop is connected."),
    )
    shop_stock_reservation = models.BooleanField(
        _("reserve stock for TikTok Shop orders"),
        default=False,
        help_text=_("An imported TikTok Shop order takes its items out of the store's stock."),
    )
    # When a merchant first started connecting a shop (kept for operations). The overview reads
    # "Setup in Progress" only after a connected shop was disconnected, never for a first attempt.
    shop_setup_started_at = models.DateTimeField(null=True, blank=True)
    # How TikTok knows this store in `external_data`; fixed once chosen so a reconnect is the same store.
    external_business_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The fields a connection changes, snapshots, and restores. Nothing else is touched.
    SNAPSHOT_FIELDS = ("shop_order_import", "shop_stock_reservation")

    class Meta:
        verbose_name = _("TikTok Shop store settings")
        verbose_name_plural = _("TikTok Shop store settings")

    def __str__(self) -> str:
        return f"{self.store_id}: import={self.shop_order_import} reserve={self.shop_stock_reservation}"

    def snapshot(self) -> dict[str, bool]:
        return {name: getattr(self, name) for name in self.SNAPSHOT_FIELDS}


class ShopStatus(models.TextChoices):
    CONNECTED = "connected", _("Active")
    # Still connected at TikTok's side, but the last order import failed in a way a retry will not fix.
    ERROR = "error", _("Error")
    DISCONNECTED = "disconnected", _("Disconnected")


# A connection in one of these states holds its store and its shop: one store <-> one shop at a time.
LIVE_STATUSES = (ShopStatus.CONNECTED, ShopStatus.ERROR)


class ShopConnectionQuerySet(models.QuerySet["ShopConnection"]):
    def live(self) -> ShopConnectionQuerySet:
        return self.filter(status__in=LIVE_STATUSES)

    def for_store(self, store_id: int) -> ShopConnectionQuerySet:
        return self.filter(store_id=store_id)


class ShopConnection(models.Model):
    """One connected period of a store to one TikTok Shop. A reconnect creates a new row."""

    store = models.ForeignKey("store.Store", on_delete=models.CASCADE, related_name="tiktok_shop_connections")
    shop_id = models.CharField(_("shop ID"), max_length=32)
    shop_name = models.CharField(_("shop name"), max_length=200)
    region = models.CharField(_("region"), max_length=2)
    seller_id = models.CharField(_("seller ID"), max_length=32)
    seller_name = models.CharField(_("seller"), max_length=200)
    is_owner = models.BooleanField(_("shop owner account"), default=False)
    status = models.CharField(max_length=20, choices=ShopStatus.choices, default=ShopStatus.CONNECTED)
    settings_snapshot = models.JSONField(
        default=dict, blank=True, help_text="the store settings as they were right before this connection"
    )
    connected_at = models.DateTimeField()
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    disconnected_at = models.DateTimeField(null=True, blank=True)
    disconnected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    remote_disconnect_error = models.TextField(blank=True)
    # Orders are fetched from this TikTok update_time on (inclusive: re-reading a boundary is harmless).
    orders_cursor = models.BigIntegerField(default=0)
    orders_imported = models.PositiveIntegerField(default=0)
    last_import_at = models.DateTimeField(null=True, blank=True)
    last_error_code = models.IntegerField(null=True, blank=True)
    last_error_message = models.CharField(max_length=500, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    objects = ShopConnectionQuerySet.as_manager()

    class Meta:
        ordering = ["-connected_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["store"],
                condition=Q(status__in=LIVE_STATUSES),
                name="uniq_live_shop_connection_per_store",
            ),
            models.UniqueConstraint(
                fields=["shop_id"],
                condition=Q(status__in=LIVE_STATUSES),
                name="uniq_live_shop_connection_per_shop",
            ),
        ]
        verbose_name = _("TikTok Shop connection")
        verbose_name_plural = _("TikTok Shop connections")

    def __str__(self) -> str:
        return f"{self.store_id}: {self.shop_name} ({self.shop_id}) {self.status}"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES


class ShopConnectAttempt(ConnectAttemptBase):
    """One trip to TikTok's seller authorization page (see `integration.oauth`)."""

    class Meta(ConnectAttemptBase.Meta):
        verbose_name = _("TikTok Shop connect attempt")
        verbose_name_plural = _("TikTok Shop connect attempts")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    STOPPED = "stopped", _("Stopped (disconnected)")


class ShopImportRun(models.Model):
    """One order-import poll of one connection: what was fetched and what it changed."""

    connection = models.ForeignKey(ShopConnection, on_delete=models.CASCADE, related_name="import_runs")
    started_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.RUNNING)
    fetched = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    error_code = models.IntegerField(null=True, blank=True)
    error_message = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("TikTok Shop order import run")
        verbose_name_plural = _("TikTok Shop order import runs")

    def __str__(self) -> str:
        return f"run {self.pk} of {self.connection_id}: {self.status}"
