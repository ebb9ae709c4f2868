"""A disconnect reaches every web process within 5 seconds: two real gunicorn processes (own memory
each) on the test PostgreSQL database, with and without the shared Redis cache."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from django.db import connection

from pixel.cache import pixel_config_invalidate
from tests.plugins.processes import free_port, stop_process, wait_for_port

from .conftest import disconnect

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("PIXEL_TEST_REDIS_URL", "redis://127.0.0.1:6379/4")


def _database_url() -> str:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL) so other processes can see the test database")
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _start(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tiktok_admin.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_port(port, timeout=30, proc=proc)
    return proc, f"http://127.0.0.1:{port}"


def _has_pixel(base: str, account: str) -> bool:
    response = requests.get(f"{base}/s/{account}/", timeout=10)
    assert response.status_code == 200
    return "tiktok-pixel-data" in response.text


@pytest.mark.parametrize("shared_cache", [False, True], ids=["memory+db-stamp", "redis"])
def test_disconnect_reaches_every_process_within_5_seconds(
    store: Any, make_sku: Any, connect: Any, shared_cache: bool
) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "PYTEST_VERSION")},
        "DEBUG": "1",
        "DATABASE_URL": _database_url(),
        "PYTHONPATH": str(REPO),
    }
    if shared_cache:
        redis = pytest.importorskip("redis")
        try:
            redis.Redis.from_url(REDIS_URL).ping()
        except Exception:
            pytest.skip(f"no Redis at {REDIS_URL}")
        env["REDIS_URL"] = REDIS_URL
        env["CACHE_KEY_PREFIX"] = f"pixel-mp-{os.getpid()}"
    make_sku(store)
    conn = connect(store)
    procs = [_start(env), _start(env)]
    try:
        for _, base in procs:
            assert _has_pixel(base, store.account)  # both processes now remember the pixel
        started = time.monotonic()
        disconnect(conn)
        if shared_cache:
            # This test process does not share the servers' Redis prefix; delete their key as they would.
            import redis as redis_lib

            client = redis_lib.Redis.from_url(REDIS_URL)
            for key in client.scan_iter(f"{env['CACHE_KEY_PREFIX']}:*pixel:cfg:*"):
                client.delete(key)
        pixel_config_invalidate(store.pk)
        gone_after: list[float] = []
        for _, base in procs:
            while _has_pixel(base, store.account):
                assert time.monotonic() - started < 5.0, f"{base} still injects the pixel after 5 s"
                time.sleep(0.1)
            gone_after.append(time.monotonic() - started)
        assert max(gone_after) < 5.0
    finally:
        for proc, _ in procs:
            stop_process(proc)
