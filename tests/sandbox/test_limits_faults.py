"""Rate limits, fault injection (5xx codes, HTTP 500, throttling bursts, latency, timeouts) and the journal."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests

from tests.plugins.sandbox import token_fp
from tests.sandbox.conftest import call, product

pytestmark = pytest.mark.slow


def _get(api, conn):
    return api("GET", "catalog/get", token=conn["access_token"], params={"bc_id": conn["bc_id"]})


def test_app_qps_limit_throttles_with_40100(sandbox, api, conn):
    sandbox.admin.config(app_qps=3)
    codes = [_get(api, conn)["code"] for _ in range(6)]
    assert codes[:3] == [0, 0, 0]
    assert set(codes[3:]) <= {0, 40100} and 40100 in codes
    time.sleep(1.05)
    assert _get(api, conn)["code"] == 0


def test_events_do_not_count_against_app_qps(sandbox, api, conn):
    sandbox.admin.config(app_qps=1)
    body = {
        "event_source": "web",
        "event_source_id": conn["pixel_code"],
        "data": [
            {"event": "ViewContent", "event_time": int(time.time()), "page": {"url": "https://l.example/"}}
        ],
    }
    codes = [api("POST", "event/track", token=conn["access_token"], body=body)["code"] for _ in range(5)]
    assert codes == [0, 0, 0, 0, 0]


def test_upload_endpoint_has_its_own_per_minute_limit(sandbox, api, conn):
    sandbox.admin.config(
        endpoint_limits={"catalog/product/upload": {"qps": 0, "per_minute": 2}},
        feed_wait_seconds=0,
        feed_process_seconds=0,
    )
    codes = []
    for i in range(3):
        result = api(
            "POST",
            "catalog/product/upload",
            token=conn["access_token"],
            body={"bc_id": conn["bc_id"], "catalog_id": conn["catalog_id"], "products": [product(f"M-{i}")]},
        )
        codes.append(result["code"])
        sandbox.admin.tick()
    assert codes == [0, 0, 40100]
    # Other endpoints are not affected by the upload limit.
    assert _get(api, conn)["code"] == 0


def test_error_fault_answers_5xxxx_with_http_200(sandbox, api, conn):
    sandbox.admin.fault("error", endpoint="catalog/get", code=50002, count=2)
    results = [_get(api, conn) for _ in range(3)]
    assert [r["code"] for r in results] == [50002, 50002, 0]
    assert results[0]["data"] == {}
    assert results[0]["message"] == "Internal service error. Please try again later."


def test_error_rate_is_deterministic_with_a_seed(sandbox, api, conn):
    sandbox.admin.config(app_qps=0)

    def run():
        sandbox.admin.clear_faults()
        sandbox.admin.seed_faults(7)
        sandbox.admin.fault("error", rate=0.5, endpoint="catalog/get")
        return [_get(api, conn)["code"] for _ in range(20)]

    first, second = run(), run()
    assert first == second
    assert 0 < first.count(50002) < 20


def test_http500_fault(sandbox, conn):
    sandbox.admin.fault("http500", count=1)
    url = f"{sandbox.url}/open_api/v1.3/catalog/get/"
    headers = {"Access-Token": conn["access_token"]}
    first = requests.get(url, params={"bc_id": conn["bc_id"]}, headers=headers, timeout=10)
    assert first.status_code == 500
    second = requests.get(url, params={"bc_id": conn["bc_id"]}, headers=headers, timeout=10)
    assert (second.status_code, second.json()["code"]) == (200, 0)
    statuses = [e["http_status"] for e in sandbox.admin.journal(endpoint="catalog/get")]
    assert statuses == [500, 200]


def test_throttle_burst(sandbox, api, conn):
    sandbox.admin.fault("throttle", count=3)
    codes = [_get(api, conn)["code"] for _ in range(4)]
    assert codes == [40100, 40100, 40100, 0]


def test_latency_fault(sandbox, api, conn):
    sandbox.admin.fault("latency", seconds=0.4, count=1)
    started = time.monotonic()
    assert _get(api, conn)["code"] == 0
    assert time.monotonic() - started >= 0.4


def test_timeout_fault_applies_the_write_then_answers_late(sandbox, conn):
    sandbox.admin.fault("timeout", endpoint="catalog/product/upload", seconds=1.5, count=1)
    body = {"bc_id": conn["bc_id"], "catalog_id": conn["catalog_id"], "products": [product("T-1")]}
    with pytest.raises(requests.Timeout):
        call(sandbox, "POST", "catalog/product/upload", token=conn["access_token"], body=body, timeout=0.5)
    # The client gave up, but TikTok took the write: the feed log exists and the catalog is locked by it.
    (feed_log,) = sandbox.admin.feed_logs(conn["catalog_id"])
    assert feed_log["process_status"] in ("WAITING", "PROCESSING", "SUCCESS")
    time.sleep(1.2)
    (entry,) = sandbox.admin.journal(endpoint="catalog/product/upload")
    assert (entry["code"], entry["fault"], entry["sku_ids"]) == (0, "timeout", ["T-1"])


def test_faults_cli_adds_lists_and_clears(sandbox, api, conn):
    import subprocess
    import sys

    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "sandbox", "faults", "--url", sandbox.url, *args],
            cwd=Path(__file__).resolve().parents[2],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout

    out = cli("add", "--kind", "error", "--code", "50000", "--endpoint", "catalog/get", "--count", "1")
    assert '"code": 50000' in out
    assert '"kind": "error"' in cli("list")
    assert _get(api, conn)["code"] == 50000
    cli("clear")
    assert '"rules": []' in cli("list")
    cli("suspend", "--adv-id", conn["adv_id"], "--reason", "cli test")
    assert _get(api, conn)["code"] == 40105
    cli("unsuspend", "--adv-id", conn["adv_id"])
    cli("revoke", "--token-fp", conn["token_fp"])
    assert _get(api, conn)["code"] == 40105


def test_journal_records_without_tokens_and_filters(sandbox, api, conn):
    token = conn["access_token"]
    ids = {"bc_id": conn["bc_id"], "catalog_id": conn["catalog_id"]}
    api(
        "POST",
        "catalog/product/upload",
        token=token,
        body={**ids, "products": [product("J-1"), product("J-2")]},
    )
    cut = time.time()
    sandbox.admin.tick()
    api("POST", "catalog/product/delete", token=token, body={**ids, "sku_ids": ["J-2"]})
    api("GET", "catalog/get", token=None, params={"bc_id": conn["bc_id"]})

    entries = sandbox.admin.journal()
    assert all(token not in str(e) for e in entries)
    upload, delete, anonymous = entries
    assert (
        upload["endpoint"],
        upload["token_fp"],
        upload["catalog_id"],
        upload["sku_ids"],
        upload["code"],
    ) == ("catalog/product/upload", token_fp(token), conn["catalog_id"], ["J-1", "J-2"], 0)
    assert upload["feed_log_id"] and upload["request_id"]
    assert (delete["endpoint"], delete["sku_ids"]) == ("catalog/product/delete", ["J-2"])
    assert (anonymous["token_fp"], anonymous["code"]) == (None, 40104)
    assert [e["endpoint"] for e in sandbox.admin.journal(sku_id="J-2")] == [
        "catalog/product/upload",
        "catalog/product/delete",
    ]
    assert [e["endpoint"] for e in sandbox.admin.journal(since=cut)] == [
        "catalog/product/delete",
        "catalog/get",
    ]
    assert [e["code"] for e in sandbox.admin.journal(token_fp=token_fp(token))] == [0, 0]
    assert sandbox.admin.journal(code=40202) == []
