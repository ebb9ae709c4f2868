"""The catalogs earlier connections of a store synced to: what we may have left there, the merchant's
choice about it, and the removals (see `catalog_sync.old_catalogs`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OldCatalogStatus(models.TextChoices):
    KEPT = "kept", _("No choice made yet")
    REMOVING = "removing", _("Removing our products")
    REMOVED = "removed", _("Our products removed")
    LEFT = "left", _("Left at TikTok")


class OldCatalog(models.Model):
    """A TikTok catalog an earlier connection of this store synced to, with the sku_ids it may have left
    there (`OldCatalogSku`), captured when that connection ended: connection state is pruned after the
    retention period, this list only once the products are removed there or the merchant leaves them.
    When a later connection syncs to another catalog, the TikTok page asks what to do with it."""

    store = models.ForeignKey("store.Store", on_delete=models.CASCADE, related_name="+")
    bc_id = models.CharField(max_length=32)
    catalog_id = models.CharField(max_length=32)
    catalog_name = models.CharField(max_length=128, blank=True)
    status = models.CharField(max_length=10, choices=OldCatalogStatus.choices, default=OldCatalogStatus.KEPT)
    sku_count = models.PositiveIntegerField(default=0)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "catalog_id"], name="uniq_oldcatalog_store_catalog")
        ]
        verbose_name = _("earlier TikTok catalog")
        verbose_name_plural = _("earlier TikTok catalogs")

    def __str__(self) -> str:
        return f"{self.catalog_id} ({self.status}, {self.sku_count})"


class OldCatalogSku(models.Model):
    """One sku_id we sent to an earlier catalog and have not removed from it."""

    old_catalog = models.ForeignKey(OldCatalog, on_delete=models.CASCADE, related_name="+", db_index=False)
    sku_id = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["old_catalog", "sku_id"], name="uniq_oldcatalogsku")]

    def __str__(self) -> str:
        return f"{self.old_catalog_id}/{self.sku_id}"


class OldCatalogRunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class OldCatalogRun(models.Model):
    """One removal of our products from an earlier catalog (the merchant's *Remove* choice): what was
    deleted, in how many requests, and how it ended."""

    old_catalog = models.ForeignKey(OldCatalog, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(
        max_length=20, choices=OldCatalogRunStatus.choices, default=OldCatalogRunStatus.RUNNING
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    deleted = models.PositiveIntegerField(default=0)
    requests = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["old_catalog"], condition=Q(status="running"), name="uniq_running_oldcatalogrun"
            )
        ]
        verbose_name = _("earlier catalog removal")
        verbose_name_plural = _("earlier catalog removals")

    def __str__(self) -> str:
        return f"removal {self.pk} ({self.status}, {self.deleted})"
