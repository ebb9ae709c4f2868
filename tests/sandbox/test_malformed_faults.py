"""The `malformed` fault: HTTP 200 with a body that is not TikTok's envelope (an HTML error page, the envelope
cut in half, an empty body, JSON of the wrong type), after the request has been processed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from sandbox.runtime import MALFORMED_HTML
from tests.sandbox.conftest import product

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>502 Bad Gateway</h1><p>The upstream server returned an invalid response.</p></body></html>\n"
)


def _catalog_get(sandbox, conn) -> requests.Response:
    return requests.get(
        f"{sandbox.url}/open_api/v1.3/catalog/get/",
        params={"bc_id": conn["bc_id"]},
        headers={"Access-Token": conn["access_token"]},
        timeout=10,
    )


def _rules(sandbox) -> list[dict]:
    return requests.get(f"{sandbox.url}/_sandbox/faults", timeout=10).json()["rules"]


def _is_envelope(resp: requests.Response) -> bool:
    if resp.status_code != 200 or resp.headers["Content-Type"] != "application/json":
        return False
    try:
        payload = resp.json()
    except ValueError:
        return False
    return (
        isinstance(payload, dict)
        and set(payload) == {"code", "message", "request_id", "data"}
        and payload["code"] == 0
    )


def test_the_html_page_is_pinned():
    # The bytes are part of the documented contract (README); tests elsewhere may compare against them.
    assert MALFORMED_HTML == HTML_PAGE


@pytest.mark.parametrize(
    ("shape", "content_type"),
    [
        ("html", "text/html; charset=utf-8"),
        ("truncated", "application/json"),
        ("empty", "application/json"),
        ("wrong_type", "application/json"),
    ],
)
def test_each_shape_answers_what_it_promises_then_counts_down(sandbox, conn, shape, content_type):
    good = _catalog_get(sandbox, conn)
    assert _is_envelope(good)
    rule = sandbox.admin.fault("malformed", shape=shape, endpoint="catalog/get", count=2)["rules"][0]
    assert (rule["kind"], rule["shape"], rule["count"], rule["fired"]) == ("malformed", shape, 2, 0)

    bad = [_catalog_get(sandbox, conn) for _ in range(2)]
    after = _catalog_get(sandbox, conn)

    # The real answer each faulted call would have had: the same envelope under its own request_id.
    for resp in bad:
        rid = resp.headers["X-TT-LOGID"]
        real = good.content.replace(good.headers["X-TT-LOGID"].encode(), rid.encode())
        expected = {
            "html": HTML_PAGE,
            "truncated": real[: len(real) // 2],
            "empty": b"",
            "wrong_type": b"[1,2,3]",
        }[shape]
        assert (resp.status_code, resp.headers["Content-Type"], resp.content) == (200, content_type, expected)
        assert resp.headers["Content-Length"] == str(len(expected))
        if shape != "wrong_type":
            with pytest.raises(ValueError):
                json.loads(resp.content)
    assert _is_envelope(after)
    assert _rules(sandbox)[0]["fired"] == 2

    entries = sandbox.admin.journal(endpoint="catalog/get")
    assert [(e["fault"], e["http_status"], e["code"]) for e in entries] == [
        (None, 200, 0),
        (f"malformed:{shape}", 200, 0),
        (f"malformed:{shape}", 200, 0),
        (None, 200, 0),
    ]
    assert [e["request_id"] for e in entries[1:3]] == [r.headers["X-TT-LOGID"] for r in bad]


def test_truncated_cuts_the_real_envelope_in_half(sandbox, conn):
    sandbox.admin.fault("malformed", shape="truncated", count=1)
    resp = _catalog_get(sandbox, conn)
    body = resp.content
    assert body.startswith(b'{"code":0,"message":"OK","request_id":"')
    assert not body.endswith(b"}")


@pytest.mark.parametrize("shape", ["html", "truncated", "empty", "wrong_type"])
def test_a_write_is_applied_before_the_malformed_answer(sandbox, conn, shape):
    sandbox.admin.fault("malformed", shape=shape, endpoint="catalog/product/upload", count=1)
    resp = requests.post(
        f"{sandbox.url}/open_api/v1.3/catalog/product/upload/",
        headers={"Access-Token": conn["access_token"]},
        json={"bc_id": conn["bc_id"], "catalog_id": conn["catalog_id"], "products": [product("MF-1")]},
        timeout=10,
    )
    assert resp.status_code == 200 and not _is_envelope(resp)
    # TikTok did the work: the feed log exists and the product is stored once it has run.
    (feed_log,) = sandbox.admin.feed_logs(conn["catalog_id"])
    sandbox.admin.tick()
    assert [p["sku_id"] for p in sandbox.admin.products(conn["catalog_id"])] == ["MF-1"]
    (entry,) = sandbox.admin.journal(endpoint="catalog/product/upload")
    assert (entry["fault"], entry["code"], entry["http_status"], entry["sku_ids"]) == (
        f"malformed:{shape}",
        0,
        200,
        ["MF-1"],
    )
    assert entry["feed_log_id"] == feed_log["feed_log_id"]
    assert entry["request_id"] == resp.headers["X-TT-LOGID"]


def test_endpoint_filter_and_seeded_rate(sandbox, conn):
    sandbox.admin.fault("malformed", shape="empty", endpoint="catalog/product/upload")
    assert _is_envelope(_catalog_get(sandbox, conn))

    def pattern() -> list[bool]:
        sandbox.admin.clear_faults()
        sandbox.admin.seed_faults(11)
        sandbox.admin.fault("malformed", shape="wrong_type", rate=0.5, endpoint="catalog/get")
        return [_catalog_get(sandbox, conn).content == b"[1,2,3]" for _ in range(12)]

    first = pattern()
    assert first == pattern()
    assert True in first and False in first


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ({"kind": "malformed"}, "needs shape"),
        ({"kind": "malformed", "shape": "xml"}, "needs shape"),
        ({"kind": "error", "shape": "html"}, "malformed only"),
    ],
)
def test_admin_api_refuses_a_bad_shape(sandbox, spec, error):
    resp = requests.post(f"{sandbox.url}/_sandbox/faults", json=spec, timeout=10)
    assert resp.status_code == 400
    assert error in resp.json()["error"]
    assert _rules(sandbox) == []


def _cli(sandbox, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sandbox", "faults", "--url", sandbox.url, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=check,
    )


def test_cli_adds_a_malformed_fault(sandbox, conn):
    out = _cli(
        sandbox, "add", "--kind", "malformed", "--shape", "html", "--endpoint", "catalog/get", "--count", "1"
    )
    (rule,) = json.loads(out.stdout)["rules"]
    assert (rule["kind"], rule["shape"], rule["endpoint"], rule["count"]) == (
        "malformed",
        "html",
        "catalog/get",
        1,
    )
    resp = _catalog_get(sandbox, conn)
    assert (resp.headers["Content-Type"], resp.content) == ("text/html; charset=utf-8", HTML_PAGE)
    assert _is_envelope(_catalog_get(sandbox, conn))

    bad = _cli(sandbox, "add", "--kind", "malformed", "--shape", "xml", check=False)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
    missing = _cli(sandbox, "add", "--kind", "malformed", check=False)
    assert missing.returncode == 1 and "needs shape" in missing.stdout
    helptext = _cli(sandbox, "--help").stdout
    assert "malformed" in helptext and "wrong_type" in helptext
