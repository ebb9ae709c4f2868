"""Subscribers the store tests register in `settings.STORE_CHANGE_SUBSCRIBERS` (by dotted path)."""

from __future__ import annotations

from django.db import connection

from store import changes

PUBLISHED: list[changes.StoreChange] = []
IN_TRANSACTION: list[bool] = []


def record(event: changes.StoreChange) -> None:
    PUBLISHED.append(event)
    IN_TRANSACTION.append(connection.in_atomic_block)


def refuse_uninstall(event: changes.StoreChange) -> None:
    if isinstance(event, changes.AppUninstallRequested):
        raise changes.Refused("Not now.")


def fail(event: changes.StoreChange) -> None:
    raise RuntimeError("subscriber failed")
