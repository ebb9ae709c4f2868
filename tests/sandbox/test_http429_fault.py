"""The `http429` fault: a gateway's throttle in front of the API. Nothing is processed; the answer is HTTP
429 with a Retry-After header and no envelope, and the project's client waits at least that long before it
asks again."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.sandbox.conftest import product

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def _catalog_get(sandbox, conn) -> requests.Response:
    return requests.get(
        f"{sandbox.url}/open_api/v1.3/catalog/get/",
        params={"bc_id": conn["bc_id"]},
        headers={"Access-Token": conn["access_token"]},
        timeout=10,
    )


def test_answers_429_with_retry_after_then_counts_down(sandbox, conn):
    sandbox.admin.fault("http429", endpoint="catalog/get", seconds=2.5, count=2)
    bad = [_catalog_get(sandbox, conn) for _ in range(2)]
    after = _catalog_get(sandbox, conn)
    for resp in bad:
        assert (resp.status_code, resp.headers["Retry-After"], resp.text) == (429, "3", "Too Many Requests")
    assert after.status_code == 200 and after.json()["code"] == 0
    entries = sandbox.admin.journal(endpoint="catalog/get")
    assert [(e["fault"], e["http_status"], e["code"]) for e in entries] == [
        ("http429", 429, None),
        ("http429", 429, None),
        (None, 200, 0),
    ]


def test_a_throttled_write_is_not_applied(sandbox, conn):
    sandbox.admin.fault("http429", endpoint="catalog/product/upload", count=1)

    def upload() -> requests.Response:
        return requests.post(
            f"{sandbox.url}/open_api/v1.3/catalog/product/upload/",
            json={"bc_id": conn["bc_id"], "catalog_id": conn["catalog_id"], "products": [product("T-429")]},
            headers={"Access-Token": conn["access_token"]},
            timeout=10,
        )

    refused = upload()
    assert (refused.status_code, refused.headers["Retry-After"]) == (429, "1")
    sandbox.admin.tick()
    assert sandbox.admin.feed_logs(conn["catalog_id"]) == []
    assert sandbox.admin.products(conn["catalog_id"]) == []
    # The same request once the throttle has passed is applied (so the refusal above was the fault's).
    accepted = upload()
    assert accepted.status_code == 200 and accepted.json()["code"] == 0
    sandbox.admin.tick()
    assert [p["sku_id"] for p in sandbox.admin.products(conn["catalog_id"])] == ["T-429"]


def test_cli_adds_an_http429_fault(sandbox, conn):
    out = subprocess.run(
        [sys.executable, "-m", "sandbox", "faults", "--url", sandbox.url, "add", "--kind", "http429"]
        + ["--endpoint", "catalog/get", "--seconds", "4", "--count", "1"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert '"http429"' in out.stdout
    resp = _catalog_get(sandbox, conn)
    assert (resp.status_code, resp.headers["Retry-After"]) == (429, "4")
