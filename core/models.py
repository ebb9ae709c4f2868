"""Rows every app shares: job leases and heartbeats."""

from __future__ import annotations

from django.db import models


class JobLease(models.Model):
    """A named lease held by one worker; expires so a killed worker cannot hold it forever."""

    name = models.CharField(max_length=200, primary_key=True)
    owner = models.CharField(max_length=100)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} ({self.owner})"


class Heartbeat(models.Model):
    """The last time a periodic job really ran in a worker (the canary, beat's sweep): proves that beat
    publishes and workers consume."""

    name = models.CharField(max_length=100, primary_key=True)
    seen_at = models.DateTimeField()
    worker = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.name
