"""`python -m sandbox provision` is idempotent and `serve` starts with what it provisioned."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.plugins.processes import free_port, stop_process, wait_for_port

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def _provision(data: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "sandbox", "provision", "--data", str(data), *args],
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=60,
    )


def test_provision_is_idempotent_and_serve_uses_it(tmp_path):
    data = tmp_path / "sb.sqlite3"
    _provision(data)
    _provision(data, "--app-id", "7400000000000000042", "--secret", "one", "--business-platform", "VTEX_QA")
    _provision(data, "--app-id", "7400000000000000042", "--secret", "two", "--business-platform", "VTEX_QA")
    with sqlite3.connect(data) as db:
        apps = db.execute("SELECT app_id, secret, business_platform FROM apps ORDER BY app_id").fetchall()
        users = db.execute("SELECT email FROM users ORDER BY email").fetchall()
    assert apps == [
        ("7400000000000000001", "sandbox-app-secret", "VTEX"),
        ("7400000000000000042", "two", "VTEX_QA"),
    ]
    assert users == [("demo@tiktok.test",), ("noadmin@tiktok.test",), ("noads@tiktok.test",)]

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "serve", "--port", str(port), "--data", str(data)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port, proc=proc)
        wrong = requests.post(
            f"http://127.0.0.1:{port}/open_api/v1.3/oauth2/access_token/",
            json={"app_id": "7400000000000000042", "secret": "one", "auth_code": "x"},
            timeout=10,
        )
        assert wrong.json()["code"] == 40101
        right = requests.post(
            f"http://127.0.0.1:{port}/open_api/v1.3/oauth2/access_token/",
            json={"app_id": "7400000000000000042", "secret": "two", "auth_code": "x"},
            timeout=10,
        )
        assert right.json()["code"] == 40110
    finally:
        stop_process(proc)
    assert proc.returncode == 0
