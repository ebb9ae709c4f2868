"""`product_file` (catalog/product/file/): the exact request, the feed_log_id, the catalog lock held like an
upload's, and the exact error payloads mapped to the client's taxonomy; plus the CSV row builder."""

from __future__ import annotations

import csv
import io
import json

import pytest
import requests

from tiktok_api import CatalogBusyError, PermanentError, WriteConflictError, WriteOutcomeUnknown
from tiktok_api.feedfile import FEED_COLUMNS, feed_row

from .conftest import BASE, TOKEN, envelope

BC = "7100000000000000001"
CAT = "7300000000000000001"
URL = f"{BASE}/open_api/v1.3/catalog/product/file/"
FILE = "http://127.0.0.1:8000/admin/loja/marketplace/tiktok/catalog/file-feed/9/products.csv?feed_token=t"


def test_request_body_and_feed_log_id(client, mocked):
    mocked.post(URL, json=envelope({"feed_log_id": "73480"}))
    assert client.product_file(TOKEN, bc_id=BC, catalog_id=CAT, file_url=FILE) == "73480"
    call = mocked.calls[0]
    assert call.request.headers["Access-Token"] == TOKEN
    assert json.loads(call.request.body) == {
        "bc_id": BC,
        "catalog_id": CAT,
        "file_url": FILE,
        "update_mode": "INCREMENTAL",
    }
    assert client.lock.holder(CAT).feed_log_id == "73480", "locked until the file's feed log finishes"


def test_a_write_is_refused_while_the_file_is_processing(client, mocked, clock):
    mocked.post(URL, json=envelope({"feed_log_id": "73480"}))
    client.product_file(TOKEN, bc_id=BC, catalog_id=CAT, file_url=FILE, feed_id="2335")
    assert json.loads(mocked.calls[0].request.body)["feed_id"] == "2335"
    processing = {"product_feed_log": {"process_status": "PROCESSING", "catalog_id": CAT}}
    mocked.get(f"{BASE}/open_api/v1.3/catalog/product/log/", json=envelope(processing))
    client.lock_wait = 3.0
    with pytest.raises(CatalogBusyError):
        client.product_upload(TOKEN, bc_id=BC, catalog_id=CAT, products=[{"sku_id": "A"}])
    assert not [
        c for c in mocked.calls if c.request.url.startswith(f"{BASE}/open_api/v1.3/catalog/product/upload")
    ]


@pytest.mark.parametrize("mode", ["REPLACE", "incremental", ""])
def test_update_mode_and_url_are_checked_before_sending(client, mocked, mode):
    with pytest.raises(ValueError):
        client.product_file(TOKEN, bc_id=BC, catalog_id=CAT, file_url=FILE, update_mode=mode)
    with pytest.raises(ValueError):
        client.product_file(TOKEN, bc_id=BC, catalog_id=CAT, file_url="ftp://127.0.0.1/f.csv")
    assert len(mocked.calls) == 0
    assert client.lock.holder(CAT) is None


def test_file_error_codes_are_permanent_and_release_the_lock(client, mocked):
    mocked.post(
        URL,
        json={
            "code": 40905,
            "message": "File download failed, please check the file url.",
            "request_id": "req-9",
            "data": {},
        },
    )
    with pytest.raises(PermanentError) as info:
        client.product_file(TOKEN, bc_id=BC, catalog_id=CAT, file_url=FILE)
    assert (info.value.code, info.value.request_id) == (40905, "req-9")
    assert len(mocked.calls) == 1, "never re-sent"
    assert client.lock.holder(CAT) is None


def test_a_conflict_is_retried_then_raised(client, mocked):
    mocked.post(
        URL,
        json={"code": 40202, "message": "Write or update entity conflict", "request_id": "r", "data": {}},
    )
    with pytest.raises(WriteConflictError):
        client.product_file(TOKEN, bc_id=BC, catalog_id=CAT, file_url=FILE)
    assert len(mocked.calls) == client.retry.max_attempts
    assert client.lock.holder(CAT) is None


def test_a_timeout_is_outcome_unknown_never_resent_and_keeps_the_lock(client, mocked):
    mocked.post(URL, body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(WriteOutcomeUnknown):
        client.product_file(TOKEN, bc_id=BC, catalog_id=CAT, file_url=FILE)
    assert len(mocked.calls) == 1
    assert client.lock.holder(CAT) is not None, "TikTok may be fetching the file: nobody writes meanwhile"


def test_a_success_without_feed_log_id_is_permanent(client, mocked):
    mocked.post(URL, json=envelope({}))
    with pytest.raises(PermanentError):
        client.product_file(TOKEN, bc_id=BC, catalog_id=CAT, file_url=FILE)
    assert client.lock.holder(CAT) is None


def test_feed_row_uses_the_feed_column_names():
    product = {
        "sku_id": "7",
        "item_group_id": "3",
        "title": "Camiseta, azul",
        "description": 'Linha 1\n"aspas"',
        "availability": "OUT_OF_STOCK",
        "brand": "Marca",
        "image_url": "https://x/i.jpg",
        "additional_image_urls": ["https://x/a,b.jpg", "https://x/c.jpg"],
        "product_detail": {"condition": "NEW", "color": "azul", "size": "M"},
        "price_info": {"currency": "BRL", "price": 129.9, "sale_price": 99.0},
        "landing_page": {"landing_page_url": "https://x/p/7"},
        "google_product_category": "Apparel & Accessories",
        "global_trade_item_number": "7891234567895",
    }
    out = io.StringIO()
    csv.writer(out).writerows([FEED_COLUMNS, feed_row(product)])
    [row] = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert {k: v for k, v in row.items() if v} == {
        "sku_id": "7",
        "item_group_id": "3",
        "title": "Camiseta, azul",
        "description": 'Linha 1\n"aspas"',
        "availability": "out of stock",
        "condition": "new",
        "price": "129.90 BRL",
        "sale_price": "99.00 BRL",
        "link": "https://x/p/7",
        "image_link": "https://x/i.jpg",
        "additional_image_link": "https://x/a%2Cb.jpg,https://x/c.jpg",
        "brand": "Marca",
        "google_product_category": "Apparel & Accessories",
        "gtin": "7891234567895",
        "color": "azul",
        "size": "M",
    }
