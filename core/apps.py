from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app shares and nothing else: the service error base, leases, the audit trail."""

    name = "core"
    default_auto_field = "django.db.models.BigAutoField"
