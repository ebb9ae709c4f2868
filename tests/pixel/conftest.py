"""Fixtures for the pixel tests: a connected store, a clean config cache, no broker dispatch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from integration.models import ConnectionStatus, TikTokConnection
from pixel import dispatch
from pixel.cache import pixel_config_invalidate
from store.models import Store

PIXEL_CODE = "CABCDEFGHIJ1234567XY"


@pytest.fixture(autouse=True)
def _pixel_isolation(pixel_isolation: None) -> None:
    """Every pixel test starts and ends with a clean config cache."""


class Broker:
    """Stands in for the Celery app in `pixel.dispatch`: records what the services queue (name, args,
    options), or fails every send like a broker outage when given `error`."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.error: Exception | None = None

    def send_task(self, name: str, args: tuple[Any, ...] = (), **options: Any) -> None:
        if self.error is not None:
            raise self.error
        self.sent.append((name, tuple(args), options))


@pytest.fixture
def broker(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Broker:
    """Dispatch on (pixel_isolation turns it off), into a recording broker instead of Redis."""
    settings.PIXEL_OUTBOX_DISPATCH = True
    fake = Broker()
    monkeypatch.setattr(dispatch, "current_app", fake)
    return fake


@pytest.fixture
def connect(db: None) -> Callable[..., TikTokConnection]:
    def make(
        store: Store, *, pixel_code: str = PIXEL_CODE, advanced_matching: bool = False, **kw: Any
    ) -> Any:
        conn = TikTokConnection.objects.create(
            store=store,
            status=ConnectionStatus.CONNECTED,
            external_business_id=f"ebid-{store.pk}-{TikTokConnection.objects.count()}",
            bc_id="7100000000000000001",
            adv_id="7200000000000000001",
            pixel_code=pixel_code,
            catalog_id="7300000000000000001",
            access_token=kw.pop("access_token", "act.test-token-1"),
            advanced_matching=advanced_matching,
            connected_at=timezone.now(),
            **kw,
        )
        pixel_config_invalidate(store.pk)
        return conn

    return make


def disconnect(conn: TikTokConnection) -> None:
    TikTokConnection.objects.filter(pk=conn.pk).update(
        status=ConnectionStatus.DISCONNECTED, disconnected_at=timezone.now()
    )
    pixel_config_invalidate(conn.store_id)
