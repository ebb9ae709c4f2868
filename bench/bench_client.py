"""TikTok client: local overhead per product when building and sending 100,000 products, and the number
of requests the sandbox receives for them (expected: exactly ceil(N / 5000) uploads).

Two runs of the same N products through `TikTokClient.product_upload`:
1. against an in-process stub adapter (no network, fake clock): what the client itself costs per
   product (payload JSON encoding, envelope parsing, rate limiter, catalog lock, feed-log polling);
2. against a real sandbox process on a free port: wall time per product, and the upload count from the
   sandbox's own journal.
N defaults to 100,000 (env BENCH_CLIENT_PRODUCTS). Products are synthetic, shaped like ref §3.2.
"""

from __future__ import annotations

import json
import logging
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
from requests.adapters import BaseAdapter

from tiktok_api import CatalogLock, FakeClock, RateLimiter, TikTokClient

BATCH = 5000
ROOT = Path(__file__).resolve().parent.parent


def _product(i: int, image_base: str) -> dict[str, Any]:
    return {
        "sku_id": f"SKU-{i:07d}",
        "item_group_id": f"P-{i // 4:07d}",
        "title": f"Camiseta Básica {i} – Algodão",
        "description": "Camiseta 100% algodão, gola careca. " * 3,
        "availability": "IN_STOCK" if i % 7 else "OUT_OF_STOCK",
        "brand": "Loja Demo",
        "image_url": f"{image_base}/{i % 50}.jpg",
        "additional_image_urls": [f"{image_base}/{i % 50}-2.jpg"],
        "product_detail": {"condition": "NEW", "color": "azul", "size": "M"},
        "price_info": {"price": 59.9, "currency": "BRL", "sale_price": 49.9},
        "landing_page": {"landing_page_url": f"https://loja.example.com.br/p/{i}"},
        "extra_info": {"custom_label_0": f"SKU-{i:07d}"},
    }


class _StubAdapter(BaseAdapter):
    """Answers uploads with a feed_log_id and logs with SUCCESS, without any network."""

    def __init__(self) -> None:
        super().__init__()
        self.uploads = 0

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        response = requests.Response()
        response.status_code = 200
        response.headers["Content-Type"] = "application/json"
        if request.method == "POST":
            self.uploads += 1
            data: dict[str, Any] = {"feed_log_id": str(self.uploads)}
        else:
            data = {"product_feed_log": {"process_status": "SUCCESS"}}
        response._content = json.dumps({"code": 0, "message": "OK", "request_id": "r", "data": data}).encode()
        response.request = request
        return response

    def close(self) -> None:
        pass


def _send_all(
    client: TikTokClient, token: str, bc_id: str, catalog_id: str, products: list[dict]
) -> list[str]:
    feed_log_ids = []
    for start in range(0, len(products), BATCH):
        feed_log_ids.append(
            client.product_upload(
                token, bc_id=bc_id, catalog_id=catalog_id, products=products[start : start + BATCH]
            )
        )
    return feed_log_ids


def _stub_run(n: int) -> dict[str, Any]:
    started = time.perf_counter()
    products = [_product(i, "https://img.example.com") for i in range(n)]
    build = time.perf_counter() - started
    session = requests.Session()
    adapter = _StubAdapter()
    session.mount("https://", adapter)
    clock = FakeClock()
    client = TikTokClient(
        "https://stub.invalid",
        "app",
        "secret",
        timeout=(1.0, 5.0),
        session=session,
        clock=clock,
        rate_limiter=RateLimiter(clock=clock),
        lock=CatalogLock(clock=clock),
    )
    started = time.perf_counter()
    _send_all(client, "token", "1", "2", products)
    send = time.perf_counter() - started
    return {
        "products": n,
        "uploads": adapter.uploads,
        "build_us_per_product": round(build / n * 1e6, 2),
        "client_send_us_per_product": round(send / n * 1e6, 2),
    }


def _sandbox_run(n: int) -> dict[str, Any]:
    from tests.plugins.processes import free_port, stop_process, wait_for_port, wait_until

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "sandbox",
                "serve",
                "--port",
                str(port),
                "--data",
                f"{tmp}/sandbox.sqlite3",
                "--allow-http-images",
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            wait_for_port(port, proc=proc)
            admin = requests.Session()
            admin.post(
                f"{base}/_sandbox/config",
                json={"feed_wait_seconds": 0, "feed_process_seconds": 0, "image_fetch": False},
                timeout=10,
            ).raise_for_status()
            connection = admin.post(
                f"{base}/_sandbox/connect", json={"external_business_id": "bench-store"}, timeout=10
            ).json()
            connection = connection.get("data", connection)
            products = [_product(i, f"{base}/_sandbox/img") for i in range(n)]
            client = TikTokClient(
                base,
                os.environ.get("TIKTOK_APP_ID", "7400000000000000001"),
                os.environ.get("TIKTOK_APP_SECRET", "sandbox-app-secret"),
                timeout=(5.0, 60.0),
                lock_poll_interval=0.05,
            )
            since = time.time() - 1
            started = time.perf_counter()
            feed_log_ids = _send_all(
                client, connection["access_token"], connection["bc_id"], connection["catalog_id"], products
            )
            wall = time.perf_counter() - started
            token, bc_id, catalog_id = (
                connection["access_token"],
                connection["bc_id"],
                connection["catalog_id"],
            )
            wait_until(
                lambda: (
                    client.product_log(
                        token, bc_id=bc_id, catalog_id=catalog_id, feed_log_id=feed_log_ids[-1]
                    ).done
                ),
                timeout=120,
                interval=0.2,
            )
            journal = admin.get(
                f"{base}/_sandbox/journal",
                params={"endpoint": "catalog/product/upload", "since": since},
                timeout=30,
            ).json()
            entries = journal.get("data", journal)
            entries = entries.get("entries", entries) if isinstance(entries, dict) else entries
            uploads = [e for e in entries if "upload" in str(e.get("endpoint"))]
            refused = [e for e in uploads if e.get("code") not in (0, None)]
            return {
                "products": n,
                "uploads_in_sandbox_journal": len(uploads),
                "expected_uploads": math.ceil(n / BATCH),
                "refused_uploads": len(refused),
                "wall_seconds": round(wall, 2),
                "wall_us_per_product": round(wall / n * 1e6, 2),
            }
        finally:
            stop_process(proc)


def run(skus: int) -> dict[str, Any]:
    n = int(os.environ.get("BENCH_CLIENT_PRODUCTS", "100000"))
    # One INFO line per call is right for production, noise in a benchmark's output.
    client_logger = logging.getLogger("tiktok_api")
    level = client_logger.level
    client_logger.setLevel(logging.WARNING)
    try:
        result: dict[str, Any] = {"stub": _stub_run(n)}
        try:
            result["sandbox"] = _sandbox_run(n)
        except Exception as exc:  # noqa: BLE001 - report the stub numbers even when the sandbox cannot start
            result["sandbox"] = f"not measured: {type(exc).__name__}: {exc}"
    finally:
        client_logger.setLevel(level)
    sandbox = result["sandbox"]
    if isinstance(sandbox, dict) and sandbox["wall_us_per_product"]:
        result["client_share_of_wall_time"] = round(
            result["stub"]["client_send_us_per_product"] / sandbox["wall_us_per_product"], 3
        )
    return result


if __name__ == "__main__":
    print(json.dumps(run(0), indent=2))
