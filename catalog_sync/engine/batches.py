"""Batch rows' own transitions, shared by the JSON uploads (send) and the product file (filefeed)."""

from __future__ import annotations

from datetime import datetime

from ..models import BatchStatus, SyncBatch


def batch_mark_sent(batch_id: int, feed_log_id: str, now: datetime) -> None:
    """TikTok accepted the write: the batch waits for its feed log, and its lease is given up."""
    SyncBatch.objects.filter(pk=batch_id).update(
        status=BatchStatus.SENT,
        feed_log_id=str(feed_log_id),
        sent_at=now,
        lease_owner="",
        lease_expires_at=None,
        error="",
    )
