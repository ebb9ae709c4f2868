"""What the TikTok for Business connection tells the channel apps: connected, disconnected, pixel settings.

The same pattern as `store.changes`: the connection's services publish a typed event and the channels
(catalog sync, pixel) act on it; integration imports none of them. The subscribers are dotted paths in
`settings.INTEGRATION_EVENT_SUBSCRIBERS`, each a callable taking one event, called in that order,
synchronously, where the service publishes (anything a channel does later it schedules with
`transaction.on_commit`). Not Django signals: every publisher calls `publish` explicitly, so a reader sees
where the channels hook in. A subscriber's exception propagates to the publisher.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string

from core.registry import dotted_path_problem


@dataclass(frozen=True)
class ConnectionConnected:
    """A connection was created (its row is saved; anything heavy, like the first full sync, belongs on
    commit: the caller may still be inside a transaction)."""

    store_id: int
    connection_id: int


@dataclass(frozen=True)
class ConnectionDisconnected:
    """A connection ended (by hand, by ops or automatically); its local state is already cleared."""

    store_id: int
    connection_id: int
    reason: str


@dataclass(frozen=True)
class PixelSettingsChanged:
    """What the storefront pixel sends changed (today: the Advanced Matching toggle)."""

    store_id: int
    connection_id: int


IntegrationEvent = ConnectionConnected | ConnectionDisconnected | PixelSettingsChanged
Subscriber = Callable[[IntegrationEvent], None]


@functools.cache
def _load(paths: tuple[str, ...]) -> tuple[Subscriber, ...]:
    return tuple(import_string(path) for path in paths)


def subscribers() -> tuple[Subscriber, ...]:
    """The callables of `settings.INTEGRATION_EVENT_SUBSCRIBERS`, imported once per distinct setting."""
    return _load(tuple(getattr(settings, "INTEGRATION_EVENT_SUBSCRIBERS", ())))


def publish(event: IntegrationEvent) -> None:
    """Tell every subscriber, in the order of the setting."""
    for subscriber in subscribers():
        subscriber(event)


def check_settings(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    """System check (registered by IntegrationConfig): every dotted path the integration reads from the
    settings imports and is callable, so a typo fails `manage.py check` instead of the first connect."""
    subscribers = getattr(settings, "INTEGRATION_EVENT_SUBSCRIBERS", ())
    paths = [("INTEGRATION_EVENT_SUBSCRIBERS", path) for path in subscribers]
    counts = getattr(settings, "TIKTOK_PAGE_CATALOG_COUNTS", "")
    if counts:
        paths.append(("TIKTOK_PAGE_CATALOG_COUNTS", counts))
    errors: list[checks.CheckMessage] = []
    for name, path in paths:
        problem = dotted_path_problem(path)
        if problem is not None:
            kind, message = problem
            error_id = "integration.E001" if kind == "import" else "integration.E002"
            errors.append(checks.Error(f"{name}: {message}", id=error_id))
    return errors
