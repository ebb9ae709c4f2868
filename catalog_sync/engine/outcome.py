"""What one step of the send loop did, and when to run it again."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class StepAction(StrEnum):
    """A StrEnum so task results and log lines keep the plain strings they always had."""

    # A batch went to TikTok; its feed log is polled next.
    SENT = "sent"
    # Nothing to send and nothing waiting for a feed log.
    IDLE = "idle"
    # As IDLE, but TikTok still reviews some SKUs: the review poll follows.
    IDLE_REVIEW = "idle_review"
    # A feed log finished and its outcome was applied to the batch's SKUs.
    COMPLETED = "completed"
    # Another task holds the catalog's send lease.
    BUSY = "busy"
    # TikTok was throttling, busy or failing: the batch waits its backoff.
    RETRY = "retry"
    # The claimed batch's backoff has not passed yet.
    BACKOFF = "backoff"
    # The feed log could not be read this time; it is asked again.
    LOG_RETRY = "log_retry"
    # TikTok refused the batch for good: its SKUs were given back (or shown as rejected).
    FAILED = "failed"
    # A write whose outcome will never be known: its SKUs were queued again.
    REQUEUED = "requeued"
    # The feed log is still being processed.
    WAITING = "waiting"
    # The connection is gone or inactive: the runs were stopped.
    STOPPED = "stopped"
    # TikTok refused the token: the connection was handed to the disconnect service.
    AUTH_FAILED = "auth_failed"
    # No SKU of the claimed batch was still sendable.
    EMPTY = "empty"
    # A batch is claimed by a live task of another owner.
    CLAIMED_ELSEWHERE = "claimed_elsewhere"
    # Another step of this catalog's send loop is queued already: this one did nothing.
    SCHEDULED = "scheduled"


@dataclass
class StepOutcome:
    """What the send step did, and when to run it again (None: nothing left to do)."""

    action: StepAction
    next_in: float | None = None
    batch_id: int | None = None
    sent: int = 0
