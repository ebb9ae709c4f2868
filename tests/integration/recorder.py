"""A subscriber the integration tests add to `settings.INTEGRATION_EVENT_SUBSCRIBERS` (by dotted path),
and a catalog-counts callable for `settings.TIKTOK_PAGE_CATALOG_COUNTS`."""

from __future__ import annotations

from typing import Any

from integration import events

PUBLISHED: list[events.IntegrationEvent] = []
NOT_CALLABLE = "a string is not a subscriber"


def record(event: events.IntegrationEvent) -> None:
    PUBLISHED.append(event)


def counts(connection: Any) -> dict[str, Any]:
    return {"available": 7, "pending": 3, "needs_details": 2, "rejected": 1, "urls": {"available": "/list/"}}
