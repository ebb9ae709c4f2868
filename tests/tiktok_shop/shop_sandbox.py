"""Helpers for the TikTok Shop side of the sandbox (sandbox/SHOP.md) used by the integration and e2e tests."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from django.contrib.sessions.backends.db import SessionStore

from tiktok_shop import services
from tiktok_shop.models import ShopConnection

SHOP_BR = "7500000000000000001"
SHOP_BR_2 = "7500000000000000002"
SHOP_US = "7500000000000000003"
OWNER = "demo@tiktok.test"
MEMBER = "noadmin@tiktok.test"
ORDER_LIST = "tbp/v2.0/shop/order/list"


class ShopAdmin:
    def __init__(self, url: str) -> None:
        self.url = url

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None, **params: Any) -> Any:
        resp = requests.request(
            method, f"{self.url}/_sandbox/shop/{path}", json=body, params=params, timeout=30
        )
        resp.raise_for_status()
        return resp.json()

    def authorize(self, external_data: str, *, email: str, shop_id: str, cancel: bool = False) -> str:
        body = {"external_data": external_data, "email": email, "shop_id": shop_id, "cancel": cancel}
        return str(self._call("POST", "authorize", body)["location"])

    def place_orders(
        self, shop_id: str, sku_ids: list[int], *, count: int = 1, quantity: int = 1
    ) -> list[dict]:
        items = [
            {"seller_sku": str(s), "product_name": f"Produto {s}", "sku_name": "M", "quantity": quantity,
             "sale_price": "49.90"}
            for s in sku_ids
        ]  # fmt: skip
        body = {"shop_id": shop_id, "items": items, "count": count, "buyer": {"name": "Ana Souza"}}
        return list(self._call("POST", "orders", body)["orders"])

    def set_status(self, order_id: str, status: str) -> dict:
        return dict(self._call("POST", f"orders/{order_id}/status", {"status": status})["order"])

    def connections(self) -> list[dict]:
        return list(self._call("GET", "connections")["connections"])


def external_data_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["external_data"][0]


def connect_via_sandbox(
    store: Any, user: Any, admin: ShopAdmin, *, email: str = OWNER, shop_id: str = SHOP_BR
) -> ShopConnection:
    """What the browser does: start, authorize at TikTok's page (the sandbox shortcut), come back."""
    session = SessionStore()
    url = services.shop_connect_start(store, user=user, session=session, language_code="en")
    location = admin.authorize(external_data_of(url), email=email, shop_id=shop_id)
    params = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    return services.shop_connect_complete(
        store,
        user=user,
        session=session,
        state=params.get("state", ""),
        auth_code=params.get("auth_code", ""),
        error=params.get("error", ""),
    )
