"""The local copy of the connected ad account's campaigns and their daily figures, and the refresh runs
that write it. The Ads section reads only these rows: rendering it never calls TikTok."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RefreshStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    # TikTok was down or throttling: the last copy stays and says so.
    KEPT_LAST_COPY = "kept_last_copy", _("TikTok unavailable, last copy kept")
    FAILED = "failed", _("Failed")


class RefreshTrigger(models.TextChoices):
    BEAT = "beat", _("Scheduled")
    MANUAL = "manual", _("Refresh button")
    OPS = "ops", _("Operations")
    SWITCH = "switch", _("After a campaign switch")


class AdAccount(models.Model):
    """What we last copied of one connection's ad account."""

    connection = models.OneToOneField(
        "integration.TikTokConnection", on_delete=models.CASCADE, related_name="ads_account"
    )
    adv_id = models.CharField(max_length=32)
    currency = models.CharField(max_length=3, blank=True)
    timezone = models.CharField(max_length=64, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True, help_text="as of: the last complete copy")
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_manual_refresh_at = models.DateTimeField(null=True, blank=True)
    last_error_code = models.IntegerField(null=True, blank=True)
    last_error_message = models.CharField(max_length=500, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("TikTok ad account")
        verbose_name_plural = _("TikTok ad accounts")

    def __str__(self) -> str:
        return f"{self.adv_id} ({self.currency or '-'})"

    @property
    def stale(self) -> bool:
        """The last attempt failed after the copy was made: the page says the figures are older."""
        return self.last_error_at is not None and (
            self.refreshed_at is None or self.last_error_at > self.refreshed_at
        )


class Campaign(models.Model):
    account = models.ForeignKey(AdAccount, on_delete=models.CASCADE, related_name="campaigns")
    campaign_id = models.CharField(max_length=32)
    name = models.CharField(max_length=512)
    objective_type = models.CharField(max_length=64, blank=True)
    budget = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    budget_mode = models.CharField(max_length=40, blank=True)
    operation_status = models.CharField(max_length=16)
    secondary_status = models.CharField(max_length=64, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "campaign_id"], name="uniq_ads_campaign_per_account")
        ]
        verbose_name = _("TikTok campaign")
        verbose_name_plural = _("TikTok campaigns")

    def __str__(self) -> str:
        return f"{self.name} ({self.operation_status})"

    @property
    def enabled(self) -> bool:
        return self.operation_status == "ENABLE"


class CampaignDay(models.Model):
    """One campaign's figures for one day of the ad account's time zone, as TikTok reported them."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    spend = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    impressions = models.BigIntegerField(default=0)
    clicks = models.BigIntegerField(default=0)
    conversions = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["campaign", "day"], name="uniq_ads_campaign_day")]
        verbose_name = _("campaign day")
        verbose_name_plural = _("campaign days")

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.day}"


class RefreshRun(models.Model):
    """One refresh of the copy and how it ended."""

    connection = models.ForeignKey(
        "integration.TikTokConnection", on_delete=models.CASCADE, related_name="ads_refresh_runs"
    )
    trigger = models.CharField(max_length=16, choices=RefreshTrigger.choices)
    status = models.CharField(max_length=16, choices=RefreshStatus.choices, default=RefreshStatus.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    campaigns = models.PositiveIntegerField(default=0)
    days = models.PositiveIntegerField(default=0)
    error_code = models.IntegerField(null=True, blank=True)
    error_message = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["connection", "-started_at"], name="ads_run_conn_started")]
        verbose_name = _("ads refresh run")
        verbose_name_plural = _("ads refresh runs")

    def __str__(self) -> str:
        return f"{self.connection_id} {self.trigger} {self.status}"
