"""A store's audit trail of its channels: append an entry, and what of an error is worth keeping."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser

from core.models import AuditEvent


def audit_record(
    store_id: int,
    action: str,
    *,
    actor: AbstractBaseUser | None = None,
    actor_label: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append to the store's audit trail. `detail` must never hold a secret (token, code, state)."""
    user = actor if actor is not None and actor.is_authenticated else None
    return AuditEvent.objects.create(
        store_id=store_id,
        actor=user,
        actor_label=actor_label if user is None else "",
        action=action,
        detail=detail or {},
    )


def error_summary(error: BaseException) -> dict[str, Any]:
    """What we keep of a remote error: code, message and request_id (never the request itself)."""
    return {
        "code": getattr(error, "code", None),
        "message": str(getattr(error, "message", "") or error.__class__.__name__)[:500],
        "request_id": str(getattr(error, "request_id", "") or ""),
    }
