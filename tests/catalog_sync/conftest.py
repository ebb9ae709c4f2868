"""Fixtures for the catalog sync: a live sandbox process, a connected store with real image files,
the engine's clock, and a driver that runs the sync in-process (the worker tests run it in real Celery
workers)."""

from __future__ import annotations

import io
import itertools
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from catalog_sync import clock, services, tasks
from catalog_sync.models import SkuState, SyncStatus
from catalog_sync.services import StepAction
from integration.models import TikTokConnection, TikTokSetup
from store.models import Brand, Category, Product, Sku, SkuImage, SkuPrice, Store
from tests.plugins.processes import free_port, stop_process, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
_seq = itertools.count(1)


class Sandbox:
    """The sandbox's admin API, as the tests use it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()

    def _req(self, method: str, path: str, **kw: Any) -> Any:
        r = self.http.request(method, self.url + path, timeout=30, **kw)
        r.raise_for_status()
        return r.json()

    def reset(self) -> None:
        self._req("POST", "/_sandbox/reset")

    def config(self, **values: Any) -> Any:
        return self._req("POST", "/_sandbox/config", json=values)

    def connect(self, external_business_id: str) -> dict[str, Any]:
        return self._req("POST", "/_sandbox/connect", json={"external_business_id": external_business_id})

    def products(self, catalog_id: str, audit_status: str | None = None) -> list[dict[str, Any]]:
        params = {"audit_status": audit_status} if audit_status else {}
        return self._req("GET", f"/_sandbox/catalogs/{catalog_id}/products", params=params)["products"]

    def sku_ids(self, catalog_id: str, audit_status: str | None = None) -> set[str]:
        return {p["sku_id"] for p in self.products(catalog_id, audit_status)}

    def journal(self, **filters: Any) -> list[dict[str, Any]]:
        return self._req("GET", "/_sandbox/journal", params=filters)["entries"]

    def fault(self, **rule: Any) -> Any:
        return self._req("POST", "/_sandbox/faults", json=rule)

    def clear_faults(self) -> Any:
        return self._req("DELETE", "/_sandbox/faults")

    def revoke(self, token: str) -> Any:
        return self._req("POST", "/_sandbox/revoke", json={"token": token})

    def tick(self) -> Any:
        return self._req("POST", "/_sandbox/tick")

    def feed_logs(self, catalog_id: str) -> list[dict[str, Any]]:
        return self._req("GET", "/_sandbox/feed_logs", params={"catalog_id": catalog_id})["feed_logs"]


def start_sandbox(data: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox",
            "serve",
            "--port",
            str(port),
            "--data",
            str(data),
            "--allow-http-images",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_port(port, proc=proc)
    return proc, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def sandbox_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    proc, url = start_sandbox(tmp_path_factory.mktemp("sandbox") / "sandbox.sqlite3")
    try:
        yield url
    finally:
        stop_process(proc)


@pytest.fixture
def sandbox(sandbox_process: str, settings: Any) -> Sandbox:
    sb = Sandbox(sandbox_process)
    sb.reset()
    # Our own validation measures images; the sandbox need not fetch them from a web server.
    sb.config(image_fetch=False, feed_wait_seconds=0.05, feed_process_seconds=0.05, review_seconds=0.2)
    settings.TIKTOK_API_BASE_URL = sandbox_process
    settings.CATALOG_SYNC_POLL_SECONDS = 0.1
    settings.CATALOG_SYNC_REVIEW_POLL_SECONDS = 0.2
    return sb


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"


@pytest.fixture(autouse=True)
def dispatched(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[Any, ...], float | None]]:
    """In-process tests record what would be sent to Celery instead of needing a broker."""
    calls: list[tuple[str, tuple[Any, ...], float | None]] = []

    def record(task: Any, args: tuple[Any, ...], countdown: float | None = None) -> None:
        calls.append((task.name, args, countdown))

    monkeypatch.setattr(tasks, "publish", record)
    return calls


class SteppedClock:
    """The engine's clock in these tests: wall time plus every wait a test skipped. Moving it past a
    backoff replaces sleeping through it; it never runs backwards, so what the engine wrote earlier stays
    in the past, and while nothing is skipped it reads exactly the system clock (the worker tests)."""

    def __init__(self) -> None:
        self.skipped = 0.0

    def now(self) -> float:
        return time.time() + self.skipped

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        if seconds > 0:
            self.skipped += seconds


@contextmanager
def engine_clock() -> Iterator[SteppedClock]:
    """The SteppedClock the engine reads, installed for the block unless one already is (then it is kept,
    so time moved in one `drive()` stays moved for the rest of the test)."""
    current = clock.clock_get()
    if isinstance(current, SteppedClock):
        yield current
        return
    stepped = SteppedClock()
    previous = clock.clock_set(stepped)
    try:
        yield stepped
    finally:
        clock.clock_set(previous)


@pytest.fixture(autouse=True)
def stepped_clock() -> Iterator[SteppedClock]:
    with engine_clock() as stepped:
        yield stepped


_PNG_CACHE: dict[tuple[int, int], bytes] = {}


def png(width: int, height: int) -> bytes:
    if (width, height) not in _PNG_CACHE:
        buf = io.BytesIO()
        Image.new("RGB", (width, height), (200, 30, 60)).save(buf, format="PNG")
        _PNG_CACHE[(width, height)] = buf.getvalue()
    return _PNG_CACHE[(width, height)]


def add_image(sku: Sku, width: int = 600, height: int = 600, position: int = 0) -> SkuImage:
    img = SkuImage(
        sku=sku,
        position=position,
        image=ContentFile(png(width, height), name=f"sku{sku.pk}-{position}-{width}x{height}.png"),
    )
    img.save()
    return img


@dataclass
class Catalog:
    store: Store
    category: Category
    brand: Brand

    def product(self, **kw: Any) -> Product:
        n = next(_seq)
        defaults: dict[str, Any] = {
            "store": self.store,
            "name": f"Camiseta {n}",
            "slug": f"camiseta-{n}",
            "description": "<p>Camiseta de <b>algodão</b>.</p>",
            "category": self.category,
            "brand": self.brand,
        }
        defaults.update(kw)
        return Product.objects.create(**defaults)

    def sku(
        self,
        product: Product | None = None,
        *,
        price: str | None = "99.90",
        list_price: str | None = None,
        image: tuple[int, int] | None = (600, 600),
        stock: int = 5,
        **kw: Any,
    ) -> Sku:
        product = product or self.product()
        sku = Sku.objects.create(
            store=self.store, product=product, name=kw.pop("name", "M"), stock=stock, **kw
        )
        if price is not None:
            SkuPrice.objects.create(
                trade_policy=self.store.trade_policies.get(code="1"),
                sku=sku,
                price=Decimal(price),
                list_price=Decimal(list_price) if list_price else None,
            )
        if image:
            add_image(sku, *image)
        return sku


@pytest.fixture
def catalog(store: Store) -> Catalog:
    category = Category.objects.create(
        store=store, name="Roupas", slug="roupas", google_product_category="Apparel & Accessories > Clothing"
    )
    brand = Brand.objects.create(store=store, name="Marca Demo")
    TikTokSetup.objects.create(
        store=store,
        affiliate_id="TKT",
        trade_policy=store.trade_policies.get(code="1"),
        store_name=store.name,
        website=f"https://{store.account}.example.com.br",
        segment="fashion",
        country="BR",
        time_zone="America/Sao_Paulo",
        contact_email="loja@example.com",
        phone_country_code="+55",
        phone="11999999999",
        external_business_id=f"ebid-{store.account}-{next(_seq)}",
    )
    return Catalog(store, category, brand)


def connect(store: Store, sandbox: Sandbox | None = None) -> TikTokConnection:
    ebid = store.tiktok_setup.external_business_id
    if sandbox is not None:
        grant = sandbox.connect(ebid)
    else:
        grant = {
            "access_token": "test-token",
            "bc_id": "7100000000000000001",
            "adv_id": "7200000000000000001",
            "pixel_code": "CABCDEFGHIJ1234567XY",
            "catalog_id": f"73{next(_seq):017d}",
        }
    return TikTokConnection.objects.create(
        store=store,
        external_business_id=ebid,
        bc_id=grant["bc_id"],
        adv_id=grant["adv_id"],
        pixel_code=grant["pixel_code"],
        catalog_id=grant["catalog_id"],
        access_token=grant["access_token"],
        connected_at=timezone.now(),
    )


def drive(
    connection_id: int, sandbox: Sandbox | None = None, *, timeout: float = 30.0, until_reviewed: bool = True
) -> list[StepAction]:
    """Run the sync in this process until nothing is left: sweep, send steps, review polls. Where a
    worker would wait (a backoff, the review poll's interval) the engine's clock is moved instead: the
    sandbox's `tick` finishes its own feed logs and reviews at once, so nothing needs wall time to pass."""
    actions: list[StepAction] = []
    deadline = time.monotonic() + timeout
    with engine_clock() as stepped:
        while time.monotonic() < deadline:
            services.connection_sweep(connection_id)
            outcome = services.connection_send_step(connection_id)
            actions.append(outcome.action)
            if outcome.action in (StepAction.WAITING, StepAction.SENT) and sandbox is not None:
                sandbox.tick()
                continue
            if outcome.action in (StepAction.STOPPED, StepAction.AUTH_FAILED):
                return actions
            if outcome.action in (StepAction.IDLE, StepAction.IDLE_REVIEW):
                if not until_reviewed:
                    return actions
                if sandbox is not None:
                    sandbox.tick()
                services.connection_poll_review(connection_id)
                in_review = SkuState.objects.filter(
                    connection_id=connection_id, status=SyncStatus.IN_REVIEW
                ).exists()
                if not in_review and not services.dirty_rows_waiting(connection_id):
                    services.run_finish_if_idle(connection_id)
                    return actions
                stepped.advance(services.review_poll_seconds())
            elif outcome.action in (
                StepAction.RETRY,
                StepAction.BACKOFF,
                StepAction.LOG_RETRY,
                StepAction.FAILED,
            ):
                stepped.advance(outcome.next_in or 0.1)
    raise AssertionError(f"sync did not settle in {timeout}s: {actions[-20:]}")


@pytest.fixture
def driver() -> Callable[..., list[str]]:
    return drive
