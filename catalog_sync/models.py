"""Per-SKU sync state, the counters behind the TikTok page's numbers, batches, runs, exclusions.

State is keyed by the *connection* (one connected period). A reconnect creates a new connection row,
possibly with another catalog, so it starts from clean state and a full sync; the old rows stay
frozen until pruning.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Lookup, Q
from django.utils.translation import gettext_lazy as _

# The earlier catalogs' models live beside this module (kept under the size limit); registered here.
from .models_old_catalog import OldCatalog, OldCatalogRun, OldCatalogSku, OldCatalogStatus  # noqa: F401


class AnyOf(Lookup):
    """`id__any=[...]`: `id = ANY(%s)` with the whole list as one array parameter. An `IN (...)` list of
    2,000-5,000 ids is 2,000-5,000 placeholders to build and parse on every statement; the array is one.
    Other databases (SQLite for the bench's default) get the plain IN list."""

    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self) -> Any:
        return [int(v) for v in self.rhs]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::bigint[])", [*lhs_params, values]
        if not values:
            return "1 = 0", list(lhs_params)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


models.IntegerField.register_lookup(AnyOf)
models.ForeignKey.register_lookup(AnyOf)


class Bucket(models.IntegerChoices):
    """Which number on the TikTok page a SKU is counted in (NONE: not counted)."""

    NONE = 0, _("Not synced")
    AVAILABLE = 1, _("Products available")
    PENDING = 2, _("Products pending")
    NEEDS_DETAILS = 3, _("Products need additional details")
    REJECTED = 4, _("Rejected by TikTok")


class SyncStatus(models.TextChoices):
    NEW = "new", _("Waiting to be checked")
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent to TikTok")
    IN_REVIEW = "in_review", _("In review at TikTok")
    AVAILABLE = "available", _("Available")
    REJECTED = "rejected", _("Rejected by TikTok")
    NEEDS_DETAILS = "needs_details", _("Needs additional details")
    EXCLUDED = "excluded", _("Not synced")


BUCKET_OF: dict[str, int] = {
    SyncStatus.NEW: Bucket.NONE,
    SyncStatus.QUEUED: Bucket.PENDING,
    SyncStatus.SENT: Bucket.PENDING,
    SyncStatus.IN_REVIEW: Bucket.PENDING,
    SyncStatus.AVAILABLE: Bucket.AVAILABLE,
    SyncStatus.REJECTED: Bucket.REJECTED,
    SyncStatus.NEEDS_DETAILS: Bucket.NEEDS_DETAILS,
    SyncStatus.EXCLUDED: Bucket.NONE,
}


class RemoteOp(models.TextChoices):
    NONE = "", _("None")
    UPLOAD = "upload", _("Upload")
    DELETE = "delete", _("Delete")


# A row is between states while it waits to be checked, to be sent, or for a write's feed log (a row in a
# batch is always one of these). In review at TikTok is not between states: the review poll follows it.
OPEN_STATUSES = (SyncStatus.NEW, SyncStatus.QUEUED, SyncStatus.SENT)
BETWEEN_STATES = Q(status__in=OPEN_STATUSES) | ~Q(op=RemoteOp.NONE)


class SkuState(models.Model):
    """What we know about one SKU in one connection's TikTok catalog. `sku_id` is not a foreign key on
    purpose: the row outlives the SKU so a deletion can still be sent (the tombstone role)."""

    # No index of their own: the unique (connection, sku_id) index serves every lookup by connection, and
    # the partial `skustate_batch` index every lookup by batch (a row is in a batch only while it is sent).
    connection = models.ForeignKey(
        "integration.TikTokConnection", on_delete=models.CASCADE, related_name="sku_states", db_index=False
    )
    sku_id = models.BigIntegerField()
    product_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=SyncStatus.choices, default=SyncStatus.NEW)
    bucket = models.PositiveSmallIntegerField(choices=Bucket.choices, default=Bucket.NONE)
    dirty = models.BooleanField(default=True)
    op = models.CharField(max_length=10, choices=RemoteOp.choices, default=RemoteOp.NONE, blank=True)
    batch = models.ForeignKey(
        "SyncBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    remote_present = models.BooleanField(default=False)
    # [{"field": "image", "code": "image_too_small", "params": {...}}] rendered in the reader's language.
    problems = models.JSONField(default=list, blank=True)
    audit_status = models.CharField(max_length=20, blank=True)
    image_status = models.CharField(max_length=20, blank=True)
    reject_reason = models.TextField(blank=True)
    reject_suggestion = models.TextField(blank=True)
    sent_hash = models.CharField(max_length=32, blank=True)
    accepted_hash = models.CharField(max_length=32, blank=True)
    feed_log_id = models.CharField(max_length=40, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # The run whose sweep last classified this row: the run is complete once none of its rows is left
    # between states. A plain id rather than a foreign key: pruning old runs must not rewrite a million rows.
    run_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "sku_id"], name="uniq_skustate_conn_sku")
        ]
        indexes = [
            models.Index(fields=["connection", "bucket", "id"], name="skustate_conn_bucket_id"),
            models.Index(fields=["connection", "status", "id"], name="skustate_conn_status_id"),
            models.Index(fields=["connection", "product_id"], name="skustate_conn_product"),
            models.Index(fields=["connection", "id"], condition=Q(dirty=True), name="skustate_dirty"),
            models.Index(
                fields=["connection", "op", "id"],
                condition=Q(batch__isnull=True) & ~Q(op=""),
                name="skustate_todo",
            ),
            models.Index(fields=["batch"], condition=Q(batch__isnull=False), name="skustate_batch"),
            models.Index(fields=["run_id"], condition=BETWEEN_STATES, name="skustate_run_open"),
        ]
        verbose_name = _("SKU sync state")
        verbose_name_plural = _("SKU sync states")

    def __str__(self) -> str:
        return f"{self.sku_id}: {self.status}"


class CatalogCounter(models.Model):
    """One of the page's numbers for a connection, moved in the same transaction as every state
    change so reading it never counts rows."""

    connection = models.ForeignKey(
        "integration.TikTokConnection", on_delete=models.CASCADE, related_name="catalog_counters"
    )
    bucket = models.PositiveSmallIntegerField(choices=Bucket.choices)
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "bucket"], name="uniq_counter_conn_bucket"),
        ]

    def __str__(self) -> str:
        return f"{self.connection_id}/{self.bucket}={self.value}"


class Trigger(models.TextChoices):
    CONNECT = "connect", _("First sync after connecting")
    CHANGE = "change", _("Product changes")
    SCHEDULE = "schedule", _("Scheduled sync")
    MANUAL = "manual", _("Sync now")
    RESYNC = "resync", _("Resync of one SKU")
    RECONCILE = "reconcile", _("Nightly reconciliation")
    OPS = "ops", _("Operations command")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    PARTIAL = "partial", _("Finished with errors")
    FAILED = "failed", _("Failed")
    STOPPED = "stopped", _("Stopped (disconnected)")


class SyncRun(models.Model):
    connection = models.ForeignKey(
        "integration.TikTokConnection", on_delete=models.CASCADE, related_name="sync_runs"
    )
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    checked = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    invalid = models.PositiveIntegerField(default=0)
    excluded = models.PositiveIntegerField(default=0)
    uploaded = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    requests = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    notified = models.BooleanField(default=False)
    # Set when the run's sweep has passed over every dirty row: from then on the run takes no new rows
    # (later edits open the next run), and it completes once none of its own rows is between states.
    sealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["connection", "-started_at"], name="syncrun_conn_started")]
        constraints = [
            models.UniqueConstraint(
                fields=["connection"],
                condition=Q(status="running", sealed_at__isnull=True),
                name="uniq_open_run_per_connection",
            )
        ]
        verbose_name = _("sync run")
        verbose_name_plural = _("sync runs")

    def __str__(self) -> str:
        return f"run {self.pk} ({self.trigger}, {self.status})"

    @property
    def last_error_message(self) -> str:
        return str((self.errors or [{}])[-1].get("message", "")) if self.errors else ""


class BatchStatus(models.TextChoices):
    CLAIMED = "claimed", _("Claimed")
    SENT = "sent", _("Sent, waiting for TikTok")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class SyncBatch(models.Model):
    """One write request to TikTok: up to 5,000 uploads or 1,000 deletes. `sku_ids` keeps the order
    sent, so a feed-log error's index maps back to its SKU."""

    connection = models.ForeignKey(
        "integration.TikTokConnection", on_delete=models.CASCADE, related_name="sync_batches"
    )
    run = models.ForeignKey(SyncRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="batches")
    kind = models.CharField(max_length=10, choices=RemoteOp.choices)
    status = models.CharField(max_length=20, choices=BatchStatus.choices, default=BatchStatus.CLAIMED)
    sku_ids = models.JSONField(default=list)
    size = models.PositiveIntegerField(default=0)
    feed_log_id = models.CharField(max_length=40, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    item_errors = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["connection", "status"], name="syncbatch_conn_status")]
        verbose_name = _("sync batch")
        verbose_name_plural = _("sync batches")

    def __str__(self) -> str:
        return f"batch {self.pk} ({self.kind}, {self.size}, {self.status})"


class SkuTombstone(models.Model):
    """A SKU deleted from the store while it may be on TikTok; kept until pruned."""

    store = models.ForeignKey("store.Store", on_delete=models.CASCADE, related_name="+")
    sku_id = models.BigIntegerField()
    product_id = models.BigIntegerField(null=True, blank=True)
    deleted_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["store", "sku_id"], name="tombstone_store_sku")]

    def __str__(self) -> str:
        return f"tombstone {self.sku_id}"


class CatalogExclusion(models.Model):
    """A product or a category (with its subcategories) the merchant keeps off TikTok."""

    store = models.ForeignKey("store.Store", on_delete=models.CASCADE, related_name="catalog_exclusions")
    product = models.ForeignKey(
        "store.Product",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("product"),
    )
    category = models.ForeignKey(
        "store.Category",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("category"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(product__isnull=False) & Q(category__isnull=True))
                | (Q(product__isnull=True) & Q(category__isnull=False)),
                name="exclusion_product_xor_category",
            ),
            models.UniqueConstraint(fields=["store", "product"], name="uniq_exclusion_product"),
            models.UniqueConstraint(fields=["store", "category"], name="uniq_exclusion_category"),
        ]
        verbose_name = _("catalog exclusion")
        verbose_name_plural = _("catalog exclusions")

    def __str__(self) -> str:
        return str(self.product or self.category)


class SyncTarget(models.Model):
    """What a connection's catalog was last built from, so a change made elsewhere (the setup form, the
    Django admin) is noticed by the next sweep and everything is re-checked."""

    connection = models.OneToOneField(
        "integration.TikTokConnection", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    trade_policy_id = models.BigIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.connection_id}: policy {self.trade_policy_id}"
