"""Which catalog loops already have their next step queued, so nothing queues a second one.

The broker's queue is FIFO: a step queued while another step of the same catalog's loop is already
waiting either runs that loop's work early (the catalog overtakes the stores queued before it) or starts
a second chain of steps that lives as long as the first, each chain polling TikTok on its own. Beat's
fan-outs did both every 20 s for every catalog with work. So each step the engine queues (the sweep's
kick, the loop's own next step) is recorded here first (a token, in the cache next to the broker's
queue) and the record is consumed when the step starts:

- a queued step runs only if its token is still the recorded one (or none is recorded: it expired, or
  the cache lost it); a step that finds another token does nothing (a newer one replaced it);
- a beat nudge (no token) runs only when nothing is recorded, and beat nudges only loops with no record
  and no live send or sweep lease: the really stranded ones, whose message was lost with a dead worker;
- a record lapses `countdown + lease` after it was written, so a continuation lost with a worker that had
  reserved it is nudged again by beat's next reap after that, like a dead holder's lease.

Losing the cache (a Redis restart) only means a nudge runs where it was not needed: the step itself is
idempotent and under the send lease. The review poll has one record too: at most one poll is queued per
catalog, however many send steps and beat slots ask for one."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.cache import cache

from ..leases import lease_seconds

logger = logging.getLogger(__name__)
T = TypeVar("T")

_SEND = "catalog-sync:send-next:{}"
_REVIEW = "catalog-sync:review-next:{}"


def _or_unknown(read: Callable[[], T], unknown: T) -> T:
    """The cache may be restarting (Redis): then nothing is known to be queued, the safe answer (a step
    runs where it was not needed, never a loop left stranded)."""
    try:
        return read()
    except Exception:  # noqa: BLE001 - any cache failure means "no record"
        logger.warning("catalog sync: the cache is unavailable; treating no step as queued")
        return unknown


def _ttl(countdown: float | None) -> float:
    return max(0.0, countdown or 0.0) + lease_seconds()


def send_next_record(connection_id: int, countdown: float | None) -> str:
    """Record the loop's next step before it is queued (a step queued first could start, find the old
    record and stop). Returns the token the queued step carries."""
    token = uuid.uuid4().hex
    _or_unknown(lambda: cache.set(_SEND.format(connection_id), token, timeout=_ttl(countdown)), None)
    return token


def send_next_forget(connection_id: int, token: str) -> None:
    """The step could not be queued: drop its record so beat's next nudge starts the loop again."""
    key = _SEND.format(connection_id)
    if _or_unknown(lambda: cache.get(key), None) == token:
        _or_unknown(lambda: cache.delete(key), None)


def send_step_may_run(connection_id: int, token: str = "") -> bool:
    """May this send step run? A continuation (`token`) while its record stands, or anyone when nothing is
    recorded; the record is consumed, so the step queues the loop's next one itself."""
    key = _SEND.format(connection_id)
    current = _or_unknown(lambda: cache.get(key), None)
    if current is None:
        return True
    if not token or current != token:
        return False
    _or_unknown(lambda: cache.delete(key), None)
    return True


def send_next_queued(connection_ids: Iterable[int]) -> set[int]:
    """The connections whose send loop has its next step queued (a nudge would do nothing)."""
    ids = list(connection_ids)
    if not ids:
        return set()
    found = _or_unknown(lambda: cache.get_many([_SEND.format(cid) for cid in ids]), {})
    return {cid for cid in ids if _SEND.format(cid) in found}


def review_poll_record(connection_id: int, countdown: float | None) -> bool:
    """Record a review poll about to be queued; False when one is queued already (queue none)."""
    return bool(
        _or_unknown(lambda: cache.add(_REVIEW.format(connection_id), 1, timeout=_ttl(countdown)), True)
    )


def review_poll_forget(connection_id: int) -> None:
    """The poll could not be queued: the next send step or beat may queue one."""
    _or_unknown(lambda: cache.delete(_REVIEW.format(connection_id)), None)


def review_poll_started(connection_id: int) -> None:
    """The queued poll started: the next one may be queued (by itself, a send step or beat)."""
    _or_unknown(lambda: cache.delete(_REVIEW.format(connection_id)), None)
