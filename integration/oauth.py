"""The OAuth `state` of a connection flow, shared by both TikTok connections (TikTok for Business here,
TikTok Shop in `tiktok_shop`): a single-use random value, of which only a hash is kept, in the database
(one attempt row) and in the merchant's session. The callback is accepted once, in the same session, for
the same store and user, within the lifetime."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

MAX_STATE_LENGTH = 200


def state_hash(state: str) -> str:
    """What is stored of an OAuth `state`: never the value itself."""
    return hashlib.sha256(state.encode()).hexdigest()


class ConnectAttemptBase(models.Model):
    """One trip to TikTok's authorization page (each connection has its own table)."""

    store = models.ForeignKey("store.Store", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    state_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=40, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.store_id} {self.created_at:%Y-%m-%d %H:%M} {self.outcome or 'open'}"


class StateRefused(Exception):  # noqa: N818 - a refusal, named for what the caller reports
    """The callback's `state` is not accepted. `reason`: bad_state (unknown, not this session's, malformed),
    replayed_state (already used) or expired_state (past the lifetime)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class OAuthStates:
    """The states of one connection flow: its attempt model, its session key, its lifetime."""

    attempts: type[ConnectAttemptBase]
    session_key: str
    lifetime: timedelta = timedelta(minutes=60)
    max_pending: int = 5

    def new(self) -> str:
        """A fresh random state (nothing is recorded until `record`)."""
        return secrets.token_urlsafe(32)

    def record(self, state: str, *, store: Any, user: Any, session: Any) -> None:
        """Remember `state` for this trip: its hash in an attempt row and in the session (a few at most, so
        two open tabs both work)."""
        digest = state_hash(state)
        now = timezone.now()
        self.attempts.objects.create(
            store=store, user=user, state_hash=digest, created_at=now, expires_at=now + self.lifetime
        )
        pending = [h for h in session.get(self.session_key, []) if isinstance(h, str)]
        session[self.session_key] = (pending + [digest])[-self.max_pending :]

    def consume(self, store: Any, *, user: Any, session: Any, state: str, outcome: str) -> None:
        """Accept `state` exactly once, or raise `StateRefused` (the attempt records why)."""
        if not state or len(state) > MAX_STATE_LENGTH:
            raise StateRefused("bad_state")
        digest = state_hash(state)
        pending = [h for h in session.get(self.session_key, []) if isinstance(h, str)]
        if digest not in pending:
            raise StateRefused("bad_state")
        session[self.session_key] = [h for h in pending if h != digest]
        now = timezone.now()
        taken = self.attempts.objects.filter(
            state_hash=digest, store=store, user=user, used_at__isnull=True
        ).update(used_at=now, outcome=outcome[:40])
        if not taken:
            raise StateRefused("replayed_state")
        if not self.attempts.objects.filter(state_hash=digest, expires_at__gt=now).exists():
            self.attempts.objects.filter(state_hash=digest).update(outcome="expired")
            raise StateRefused("expired_state")

    def outcome(self, state: str, outcome: str) -> None:
        """Record how the attempt ended (after the state was accepted)."""
        self.attempts.objects.filter(state_hash=state_hash(state)).update(outcome=outcome[:40])
