"""`catalog/product/file/` in the sandbox: validated like the reference, the CSV fetched from a local URL
only, its rows applied exactly like an upload's products (same stored data), per-row errors in the feed
log by row index, one write in flight per catalog."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.sandbox.conftest import product, wait_feed_log
from tiktok_api.feedfile import FEED_COLUMNS, feed_row

pytestmark = pytest.mark.slow


class _Files:
    """A tiny local web server standing in for the store: path -> CSV body; records each GET."""

    def __init__(self) -> None:
        self.bodies: dict[str, bytes] = {}
        self.hits: list[str] = []
        files = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                files.hits.append(self.path)
                body = files.bodies.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/csv")
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add(self, path: str, products: list[dict[str, Any]]) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(FEED_COLUMNS)
        writer.writerows(feed_row(p) for p in products)
        self.bodies[path] = out.getvalue().encode()
        return self.url + path


@pytest.fixture
def files() -> Iterator[_Files]:
    f = _Files()
    yield f
    f.server.shutdown()


def _file(api, conn, **body: Any) -> dict[str, Any]:
    return api(
        "POST",
        "catalog/product/file",
        token=conn["access_token"],
        body={"bc_id": conn["bc_id"], "catalog_id": conn["catalog_id"], **body},
    )


def _stored(sandbox, catalog_id: str) -> dict[str, dict[str, Any]]:
    keep = ("sku_id", "item_group_id", "title", "description", "availability", "brand", "image_url")
    out = {}
    for p in sandbox.admin.products(catalog_id):
        out[p["sku_id"]] = {
            **{k: p.get(k) for k in keep},
            "price_info": p.get("price_info"),
            "product_detail": p.get("product_detail"),
            "landing_page": p.get("landing_page"),
            "additional_image_urls": p.get("additional_image_urls"),
        }
    return out


def test_file_rows_are_applied_like_the_same_products_uploaded(sandbox, api, conn, files):
    items = [
        product(
            "A-1", additional_image_urls=["https://127.0.0.1/img/a2.jpg", "https://127.0.0.1/img/a3.jpg"]
        ),
        product("B-1", price_info={"price": 10.5, "currency": "BRL"}),
        product("C-1", availability="OUT_OF_STOCK", google_product_category="Apparel & Accessories"),
    ]
    url = files.add("/feed.csv?feed_token=abc", items)
    reply = _file(api, conn, file_url=url, update_mode="INCREMENTAL")
    assert reply["code"] == 0, reply
    log = wait_feed_log(api, conn, reply["data"]["feed_log_id"], sandbox)
    assert (log["process_status"], log["add_count"], log["error_count"]) == ("SUCCESS", 3, 0)
    assert files.hits == ["/feed.csv?feed_token=abc"], "fetched exactly once"
    by_file = _stored(sandbox, conn["catalog_id"])

    other = sandbox.admin.connect("lojaoutra")
    up = api(
        "POST",
        "catalog/product/upload",
        token=other["access_token"],
        body={"bc_id": other["bc_id"], "catalog_id": other["catalog_id"], "products": items},
    )
    wait_feed_log(api, other, up["data"]["feed_log_id"], sandbox)
    assert by_file == _stored(sandbox, other["catalog_id"])


def test_per_row_errors_name_the_row_and_the_good_rows_are_kept(sandbox, api, conn, files):
    items = [product("A-1"), product("B-1", title=""), product("C-1"), product("D-1", brand="")]
    reply = _file(api, conn, file_url=files.add("/f.csv", items))
    log = wait_feed_log(api, conn, reply["data"]["feed_log_id"], sandbox)
    assert (log["process_status"], log["add_count"], log["error_count"]) == ("SUCCESS", 2, 2)
    issues = {
        (e["field"], tuple((i["index"], i["sku_id"]) for i in e["affected_product_item_list"]))
        for e in log["feed_log_data"]["error_affected_products"]
    }
    assert issues == {("title", ((2, "B-1"),)), ("brand", ((4, "D-1"),))}
    assert {p["sku_id"] for p in sandbox.admin.products(conn["catalog_id"])} == {"A-1", "C-1"}


def test_incremental_keeps_products_the_file_does_not_list_and_overwrite_removes_them(
    sandbox, api, conn, files
):
    first = _file(api, conn, file_url=files.add("/1.csv", [product("A-1"), product("B-1")]))
    wait_feed_log(api, conn, first["data"]["feed_log_id"], sandbox)
    inc = _file(api, conn, file_url=files.add("/2.csv", [product("C-1")]))
    wait_feed_log(api, conn, inc["data"]["feed_log_id"], sandbox)
    assert {p["sku_id"] for p in sandbox.admin.products(conn["catalog_id"])} == {"A-1", "B-1", "C-1"}
    over = _file(api, conn, file_url=files.add("/3.csv", [product("B-1")]), update_mode="OVERWRITE")
    wait_feed_log(api, conn, over["data"]["feed_log_id"], sandbox)
    assert {p["sku_id"] for p in sandbox.admin.products(conn["catalog_id"])} == {"B-1"}


def test_a_file_that_cannot_be_fetched_fails_the_feed_log_and_changes_nothing(sandbox, api, conn, files):
    reply = _file(api, conn, file_url=files.url + "/missing.csv")
    log = wait_feed_log(api, conn, reply["data"]["feed_log_id"], sandbox)
    assert log["process_status"] == "FAILED"
    assert log["add_count"] == 0
    [entry] = log["feed_log_data"]["error_affected_products"]
    assert (entry["field"], entry["issue"], entry["affected_product_item_list"]) == (
        "file_url",
        "File can't be downloaded",
        [],
    )
    assert sandbox.admin.products(conn["catalog_id"]) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "file_url: Missing data for required field."),
        ({"file_url": 7}, "file_url: Not a valid string."),
        ({"file_url": "ftp://127.0.0.1/f.csv"}, "file_url: Not a valid URL."),
        (
            {"file_url": "https://example.com/f.csv"},
            "file_url: The sandbox only fetches files from 127.0.0.1 or localhost.",
        ),
        (
            {"file_url": "http://127.0.0.1:9/f.csv", "update_mode": "REPLACE"},
            "update_mode: Must be one of: INCREMENTAL, OVERWRITE.",
        ),
    ],
)
def test_invalid_requests_are_refused_and_nothing_is_queued(sandbox, api, conn, body, message):
    reply = _file(api, conn, **body)
    assert (reply["code"], reply["message"], reply["data"]) == (40002, message, {})
    assert sandbox.admin.feed_logs(conn["catalog_id"]) == []


def test_a_file_shares_the_catalog_write_lock_with_uploads(sandbox, api, conn, files):
    sandbox.admin.config(feed_wait_seconds=60)
    first = _file(api, conn, file_url=files.add("/a.csv", [product("A-1")]))
    assert first["code"] == 0
    upload = api(
        "POST",
        "catalog/product/upload",
        token=conn["access_token"],
        body={"bc_id": conn["bc_id"], "catalog_id": conn["catalog_id"], "products": [product("B-1")]},
    )
    again = _file(api, conn, file_url=files.add("/b.csv", [product("C-1")]))
    assert (upload["code"], again["code"]) == (40202, 40202)
    assert len(sandbox.admin.feed_logs(conn["catalog_id"])) == 1
    assert files.hits == [], "nothing fetched before the WAITING time is over"
