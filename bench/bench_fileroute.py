"""The file route beside the JSON route at N SKUs (issue 14): the same store's first full sync, once as one
`catalog/product/file/` request (TikTok, here the sandbox, fetches the CSV from the store's signed URL)
and once as JSON uploads, both driven in this process step by step against a real sandbox process.

Prints: file requests (must be 1) and uploads of each route, whether the final catalogs at the sandbox
are equal (sku_id + payload-hash sets), and the time from connecting to TikTok's file request."""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import requests

from bench.apps import Processes
from bench.bench_sync import _connect, _journal, _store
from bench.timings import PROFILES

FIELDS = (
    "sku_id",
    "item_group_id",
    "title",
    "description",
    "availability",
    "brand",
    "image_url",
    "additional_image_urls",
    "product_detail",
    "price_info",
    "landing_page",
    "google_product_category",
    "global_trade_item_number",
)


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def _catalog(url: str, catalog_id: str) -> set[tuple[str, str]]:
    products = requests.get(f"{url}/_sandbox/catalogs/{catalog_id}/products", timeout=600).json()["products"]
    out = set()
    for p in products:
        data = {k: p.get(k) for k in FIELDS}
        digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
        out.add((p["sku_id"], digest))
    return out


def _sync(conn: Any, url: str, deadline: float, files_before: int) -> float | None:
    """Run a first full sync's sweep and send steps until nothing is left to send; the seconds from
    connecting to the file request (None on the JSON route)."""
    from catalog_sync import services
    from catalog_sync.engine.outcome import StepAction

    services.connection_full_sync_prepare(conn.pk)
    to_file: float | None = None
    while time.monotonic() < deadline:
        services.connection_sweep(conn.pk)
        outcome = services.connection_send_step(conn.pk)
        sent = outcome.action == StepAction.SENT and to_file is None
        if sent and len(_journal(url, endpoint="catalog/product/file")) > files_before:
            to_file = time.time() - conn.connected_at.timestamp()
        if outcome.action in (StepAction.IDLE, StepAction.IDLE_REVIEW):
            return to_file
        if outcome.action in (StepAction.STOPPED, StepAction.AUTH_FAILED):
            raise RuntimeError(f"sync stopped: {outcome.action}")
        requests.post(f"{url}/_sandbox/tick", timeout=600)
    raise RuntimeError("sync did not finish in time")


def run(skus: int, timings: str = "fast") -> dict[str, Any]:
    """Needs the send hook (filefeed.file_route_step called from send._send_step) for the file route."""
    from django.core.wsgi import get_wsgi_application
    from django.test.utils import override_settings

    from catalog_sync.models import SkuState

    tmp = Path(tempfile.mkdtemp(prefix="bench_fileroute_"))
    procs = Processes(tmp)
    web = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=_Quiet)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    out: dict[str, Any] = {"skus": skus}
    try:
        store, policy = _store(f"benchfile-{skus}", skus)
        url = procs.start_sandbox(PROFILES[timings].sandbox)
        base = {"TIKTOK_API_BASE_URL": url, "PUBLIC_BASE_URL": f"http://127.0.0.1:{web.server_port}"}
        deadline = time.monotonic() + 3600
        routes: dict[str, Any] = {}
        for route, minimum in (("file", 1), ("json", 0)):
            with override_settings(**base, CATALOG_SYNC_FILE_ROUTE_MIN=minimum):
                before_file = len(_journal(url, endpoint="catalog/product/file"))
                before_up = len(_journal(url, endpoint="catalog/product/upload"))
                conn = _connect(store, policy, url)
                to_file = _sync(conn, url, deadline, before_file)
                eligible = SkuState.objects.filter(connection=conn).exclude(accepted_hash="").count()
                routes[route] = {
                    "file_requests": len(_journal(url, endpoint="catalog/product/file")) - before_file,
                    "uploads": len(_journal(url, endpoint="catalog/product/upload")) - before_up,
                    "eligible": eligible,
                    "seconds_connect_to_file_request": None if to_file is None else round(to_file, 2),
                    "catalog": _catalog(url, conn.catalog_id),
                }
        same = routes["file"].pop("catalog") == routes["json"].pop("catalog")
        out.update(routes=routes, same_final_catalog=same)
        out["json_uploads_expected"] = math.ceil(routes["json"]["eligible"] / 5000)
        print(f"{'':34}{'file route':>14}{'JSON route':>14}")
        for key in ("file_requests", "uploads", "eligible", "seconds_connect_to_file_request"):
            print(f"{key:34}{routes['file'][key]!s:>14}{routes['json'][key]!s:>14}")
        print(f"{'same final catalog at the sandbox':34}{same!s:>14}")
        return out
    finally:
        web.shutdown()
        procs.stop()
        shutil.rmtree(tmp, ignore_errors=True)
