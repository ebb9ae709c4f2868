"""A real task round trip: the canary goes through the Redis broker to a real worker process, which
writes to the same (PostgreSQL) test database."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
from django.db import connection

from core.models import Heartbeat
from tests.plugins.processes import stop_process, wait_until

ROOT = Path(__file__).resolve().parents[2]
# Read at import: other suites point the Celery app (or the environment) at throw-away brokers while
# they run; this test always talks to the configured Redis.
REDIS_URL = os.environ.get("REDIS_URL", "")
DATABASE_URL = os.environ.get("DATABASE_URL", "")

pytestmark = [pytest.mark.services, pytest.mark.slow]


def _require_services() -> None:
    if not REDIS_URL:
        pytest.skip("REDIS_URL is not set (the round trip needs the real Redis broker)")
    if connection.vendor != "postgresql":
        pytest.skip("DATABASE_URL is not PostgreSQL (the worker must share the test database)")


def _worker_database_url() -> str:
    """The test database (test_<name>) under the same server and credentials as DATABASE_URL."""
    parts = urlparse(DATABASE_URL)
    return urlunparse(parts._replace(path="/" + connection.settings_dict["NAME"]))


def test_canary_round_trip_through_redis_and_a_real_worker(transactional_db, tmp_path):
    _require_services()
    from tiktok_admin.celery import app
    from tiktok_admin.tasks import canary

    queue = f"test-canary-{uuid.uuid4().hex[:12]}"
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    env.update(
        {
            "DEBUG": "1",
            "DATABASE_URL": _worker_database_url(),
            "REDIS_URL": REDIS_URL,
            "VAR_DIR": str(tmp_path),
        }
    )
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tiktok_admin",
            "worker",
            "-Q",
            queue,
            "--pool=solo",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        assert not Heartbeat.objects.exists()
        with app.connection_for_write(REDIS_URL) as conn:
            canary.apply_async(queue=queue, connection=conn)
        arrived = wait_until(lambda: Heartbeat.objects.filter(name="canary").exists(), timeout=60)
        assert arrived, (tmp_path / "worker.log").read_text()[-3000:]
        assert worker.poll() is None
        beat = Heartbeat.objects.get(name="canary")
        assert beat.worker
    finally:
        stop_process(worker)
        log.close()
    output = (tmp_path / "worker.log").read_text()
    assert "tiktok_admin.tasks.canary" in output
    assert "succeeded" in output
