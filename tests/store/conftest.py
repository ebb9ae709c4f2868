"""A store with a catalog for the admin shell's catalog pages, and what the channels were told."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from PIL import Image

from store import changes
from store.models import Brand, Category, Product, Role, Sku, SkuPrice, Store, TradePolicy


@dataclass
class CatalogFixture:
    store: Store
    brand: Brand
    category: Category
    product: Product
    sku: Sku
    other: Sku
    policy: TradePolicy
    usd: TradePolicy


@pytest.fixture
def catalog_events(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every store change published, in order (the real subscribers still run)."""
    events: list[Any] = []
    real = changes.publish

    def record(event: Any) -> None:
        events.append(event)
        real(event)

    monkeypatch.setattr(changes, "publish", record)
    yield events


@pytest.fixture
def shop(store: Store, settings: Any, tmp_path: Any) -> CatalogFixture:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    brand = Brand.objects.create(store=store, name="Marca")
    category = Category.objects.create(store=store, name="Roupas", slug="roupas")
    product = Product.objects.create(
        store=store, name="Camiseta", slug="camiseta", description="Algodão", brand=brand, category=category
    )
    policy = store.trade_policies.get(code="1")
    usd = TradePolicy.objects.create(store=store, code="2", name="Export", currency="USD")
    sku = Sku.objects.create(
        store=store,
        product=product,
        name="M",
        ean="7891234567895",
        ref_id="CAM-M",
        stock=5,
        specifications={"cor": "Azul", "tamanho": "M"},
    )
    other = Sku.objects.create(
        store=store, product=product, name="G", ean="7891234567901", ref_id="CAM-G", stock=2
    )
    SkuPrice.objects.create(
        trade_policy=policy, sku=sku, price=Decimal("99.90"), list_price=Decimal("129.90")
    )
    return CatalogFixture(store, brand, category, product, sku, other, policy, usd)


@pytest.fixture
def shop_admin(client: Any, shop: CatalogFixture, make_user: Any) -> Any:
    client.force_login(make_user(shop.store, Role.ADMIN, username="dona"))
    return client


@pytest.fixture
def shop_viewer(client: Any, shop: CatalogFixture, make_user: Any) -> Any:
    client.force_login(make_user(shop.store, Role.VIEWER, username="olho"))
    return client


def image_bytes(width: int, height: int, fmt: str = "PNG", **save: Any) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(buf, format=fmt, **save)
    return buf.getvalue()
