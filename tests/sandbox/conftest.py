"""Helpers for the sandbox contract tests: raw HTTP calls exactly as a TikTok client would make them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.plugins.sandbox import Sandbox

Api = Callable[..., dict[str, Any]]


def call(
    sandbox: Sandbox,
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
    version: str = "v1.3",
    timeout: float = 30,
) -> dict[str, Any]:
    headers = {"Access-Token": token} if token else {}
    query = {k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in (params or {}).items()}
    resp = requests.request(
        method,
        f"{sandbox.url}/open_api/{version}/{path}/",
        headers=headers,
        json=body,
        params=query,
        timeout=timeout,
    )
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    payload = resp.json()
    assert set(payload) == {"code", "message", "request_id", "data"}
    assert resp.headers["X-TT-LOGID"] == payload["request_id"]
    return payload


@pytest.fixture
def api(sandbox: Sandbox) -> Api:
    def _api(method: str, path: str, **kw: Any) -> dict[str, Any]:
        return call(sandbox, method, path, **kw)

    return _api


@pytest.fixture
def conn(sandbox: Sandbox) -> dict[str, Any]:
    """A connected store (profile + token) with a fresh pixel and catalog in the demo Business Center."""
    return sandbox.admin.connect("lojademo")


def product(sku: str, sandbox: Sandbox | None = None, **overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "sku_id": sku,
        "item_group_id": sku.split("-")[0],
        "title": f"Camiseta {sku}",
        "description": "100% algodão.",
        "availability": "IN_STOCK",
        "brand": "Loja Demo",
        "image_url": f"https://127.0.0.1/img/{sku}.jpg",
        "product_detail": {"condition": "NEW", "color": "red", "size": "M"},
        "price_info": {"price": 30.0, "currency": "BRL", "sale_price": 20.0},
        "landing_page": {"landing_page_url": f"https://loja.example/p/{sku}"},
    }
    item.update(overrides)
    return item


def wait_feed_log(api: Api, conn: dict[str, Any], feed_log_id: str, sandbox: Sandbox) -> dict[str, Any]:
    sandbox.admin.tick()
    data = api(
        "GET",
        "catalog/product/log",
        token=conn["access_token"],
        params={"bc_id": conn["bc_id"], "catalog_id": conn["catalog_id"], "feed_log_id": feed_log_id},
    )
    assert data["code"] == 0, data
    return data["data"]["product_feed_log"]
