"""The middleware: where it injects, where it must not, and what it injects."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pixel.middleware import DATA_ELEMENT_ID
from store.models import CmsKind

from .conftest import PIXEL_CODE, disconnect

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.pixel.urls_edge")]

SCRIPT_RE = re.compile(r'<script nonce="([^"]+)" src="/static/js/pixel-tiktok.js"></script>')


def pixel_data(body: str) -> dict[str, Any]:
    match = re.search(rf'<script id="{DATA_ELEMENT_ID}" type="application/json">(.*?)</script>', body, re.S)
    assert match, "no pixel data block"
    return json.loads(match.group(1))


def test_injects_before_body_with_nonce_matching_csp_header(client: Client, store: Any, connect: Any) -> None:
    connect(store)
    response = client.get(f"/s/{store.account}/edge/html/")
    body = response.content.decode()
    assert body.count(DATA_ELEMENT_ID) == 1
    assert body.endswith("</body></html>")
    assert body.index("<p>hello</p>") < body.index(DATA_ELEMENT_ID) < body.index("</body>")
    nonce = SCRIPT_RE.search(body).group(1)
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
    assert response["Content-Length"] == str(len(response.content))
    data = pixel_data(body)
    assert data["pixelCode"] == PIXEL_CODE
    assert data["sdkUrl"] == "https://analytics.tiktok.com/i18n/pixel/events.js"
    assert data["consent"] == "not_required"
    assert data["identify"] is None
    assert [e["event"] for e in data["events"]] == ["ViewContent"]
    assert re.fullmatch(r"[0-9a-f]{32}", data["events"][0]["event_id"])


def test_each_page_view_gets_a_new_event_id_and_nonce(client: Client, store: Any, connect: Any) -> None:
    connect(store)
    bodies = [client.get(f"/s/{store.account}/edge/html/").content.decode() for _ in range(2)]
    ids = [pixel_data(b)["events"][0]["event_id"] for b in bodies]
    nonces = [SCRIPT_RE.search(b).group(1) for b in bodies]
    assert ids[0] != ids[1] and nonces[0] != nonces[1]


def test_inserts_before_the_last_body_tag_case_insensitive(client: Client, store: Any, connect: Any) -> None:
    connect(store)
    body = client.get(f"/s/{store.account}/edge/upper/").content.decode()
    assert body.count(DATA_ELEMENT_ID) == 1
    # the "</body>" inside the inline script stays untouched; the pixel goes before the real </BODY>
    assert "var s='</body>';</script><p>end</p>" in body
    assert body.index("<p>end</p>") < body.index(DATA_ELEMENT_ID) < body.index("</BODY></HTML>")


@pytest.mark.parametrize("kind", ["nobody", "json", "404"])
def test_leaves_alone_pages_it_must_not_touch(client: Client, store: Any, connect: Any, kind: str) -> None:
    connect(store)
    response = client.get(f"/s/{store.account}/edge/{kind}/")
    assert DATA_ELEMENT_ID.encode() not in response.content
    assert b"pixel-tiktok.js" not in response.content


def test_leaves_streaming_alone(client: Client, store: Any, connect: Any) -> None:
    connect(store)
    response = client.get(f"/s/{store.account}/edge/stream/")
    assert b"".join(response.streaming_content) == b"<html><body>streamed</body></html>"


def test_leaves_compressed_alone(client: Client, store: Any, connect: Any) -> None:
    import gzip

    connect(store)
    response = client.get(f"/s/{store.account}/edge/gzip/")
    assert DATA_ELEMENT_ID.encode() not in gzip.decompress(response.content)


def test_head_is_left_alone(client: Client, store: Any, connect: Any) -> None:
    connect(store)
    assert DATA_ELEMENT_ID.encode() not in client.head(f"/s/{store.account}/edge/html/").content


def test_admin_pages_are_left_alone(client: Client, store: Any, connect: Any) -> None:
    connect(store)
    assert DATA_ELEMENT_ID.encode() not in client.get(f"/admin/{store.account}/page/").content


def test_etag_is_dropped_when_the_body_changes(client: Client, store: Any, connect: Any) -> None:
    connect(store)
    response = client.get(f"/s/{store.account}/edge/etag/")
    assert DATA_ELEMENT_ID.encode() in response.content
    assert not response.has_header("ETag")


def test_no_pixel_without_connection(client: Client, store: Any) -> None:
    assert DATA_ELEMENT_ID.encode() not in client.get(f"/s/{store.account}/edge/html/").content


def test_unknown_account_gets_nothing(client: Client, db: None) -> None:
    assert DATA_ELEMENT_ID.encode() not in client.get("/s/nobody/edge/html/").content


@pytest.mark.parametrize("kind", [CmsKind.LEGACY, CmsKind.HEADLESS])
def test_legacy_and_headless_stores_get_nothing(
    client: Client, make_store: Any, connect: Any, kind: str
) -> None:
    store = make_store(cms_kind=kind)
    connect(store)
    assert DATA_ELEMENT_ID.encode() not in client.get(f"/s/{store.account}/edge/html/").content


def test_disconnect_stops_the_pixel_on_the_next_request(client: Client, store: Any, connect: Any) -> None:
    conn = connect(store)
    assert DATA_ELEMENT_ID.encode() in client.get(f"/s/{store.account}/edge/html/").content
    disconnect(conn)
    assert DATA_ELEMENT_ID.encode() not in client.get(f"/s/{store.account}/edge/html/").content


def test_other_store_keeps_its_pixel(client: Client, store: Any, make_store: Any, connect: Any) -> None:
    other = make_store()
    connect(store)
    connect(other, pixel_code="CZZZZZZZZZZ1234567XY")
    assert (
        pixel_data(client.get(f"/s/{store.account}/edge/html/").content.decode())["pixelCode"] == PIXEL_CODE
    )
    assert (
        pixel_data(client.get(f"/s/{other.account}/edge/html/").content.decode())["pixelCode"]
        == "CZZZZZZZZZZ1234567XY"
    )


def test_invalid_pixel_code_is_never_injected(client: Client, store: Any, connect: Any) -> None:
    connect(store, pixel_code="C0DE');alert(1)//")
    assert DATA_ELEMENT_ID.encode() not in client.get(f"/s/{store.account}/edge/html/").content


def test_page_view_adds_no_database_query_on_a_warm_cache(client: Client, store: Any, connect: Any) -> None:
    connect(store)
    client.get(f"/s/{store.account}/edge/html/")  # warms the config
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/s/{store.account}/edge/html/")
    assert DATA_ELEMENT_ID.encode() in response.content
    assert [q["sql"] for q in queries.captured_queries] == []
