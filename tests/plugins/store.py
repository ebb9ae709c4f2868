"""Factories for the store side, shared by every test package."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from store.models import (
    Brand,
    Category,
    CmsKind,
    Membership,
    Product,
    Role,
    Sku,
    SkuPrice,
    Store,
    TradePolicy,
)

_seq = itertools.count(1)


@pytest.fixture
def make_store(db: None) -> Callable[..., Store]:
    def make(**kwargs: Any) -> Store:
        n = next(_seq)
        defaults: dict[str, Any] = {
            "account": f"loja{n}",
            "name": f"Loja {n}",
            "domain": f"loja{n}.example.com.br",
            "country": "BR",
            "currency": "BRL",
            "cms_kind": CmsKind.IO,
            "locale": "pt-br",
            "time_zone": "America/Sao_Paulo",
        }
        defaults.update(kwargs)
        store = Store.objects.create(**defaults)
        TradePolicy.objects.create(store=store, code="1", name="Principal", currency=store.currency)
        return store

    return make


@pytest.fixture
def store(make_store: Callable[..., Store]) -> Store:
    return make_store(account="lojademo", name="Loja Demo")


@pytest.fixture
def make_user(db: None) -> Callable[..., Any]:
    def make(store: Store | None = None, role: str = Role.ADMIN, **kwargs: Any) -> Any:
        n = next(_seq)
        user = get_user_model().objects.create_user(
            username=kwargs.pop("username", f"user{n}"),
            password=kwargs.pop("password", "pass-1234-word"),
            **kwargs,
        )
        if store is not None:
            Membership.objects.create(user=user, store=store, role=role)
        return user

    return make


@pytest.fixture
def admin_user_of_store(store: Store, make_user: Callable[..., Any]) -> Any:
    return make_user(store, Role.ADMIN, username="merchant")


@pytest.fixture
def viewer_user_of_store(store: Store, make_user: Callable[..., Any]) -> Any:
    return make_user(store, Role.VIEWER, username="viewer")


@pytest.fixture
def make_sku(db: None) -> Callable[..., Sku]:
    def make(store: Store, **kwargs: Any) -> Sku:
        n = next(_seq)
        category = (
            kwargs.pop("category", None)
            or Category.objects.get_or_create(store=store, slug="roupas", defaults={"name": "Roupas"})[0]
        )
        brand = kwargs.pop("brand", None) or Brand.objects.get_or_create(store=store, name="Marca Demo")[0]
        price = kwargs.pop("price", Decimal("99.90"))
        list_price = kwargs.pop("list_price", None)
        product = kwargs.pop("product", None) or Product.objects.create(
            store=store,
            name=kwargs.pop("product_name", f"Camiseta {n}"),
            slug=f"produto-{n}",
            description=kwargs.pop("description", "Camiseta de algodão."),
            category=category,
            brand=brand,
        )
        sku = Sku.objects.create(
            store=store,
            product=product,
            name=kwargs.pop("name", "M"),
            stock=kwargs.pop("stock", 10),
            specifications=kwargs.pop("specifications", {"size": "M"}),
            **kwargs,
        )
        policy = store.trade_policies.get(code="1")
        SkuPrice.objects.create(trade_policy=policy, sku=sku, price=price, list_price=list_price)
        return sku

    return make
