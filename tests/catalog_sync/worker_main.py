"""Entry point for the Celery worker the service-backed tests start: the project's app, plus the
overrides a test passes as JSON in TEST_CELERY_CONF (short redelivery intervals, or switching
task_reject_on_worker_lost off to prove the kill test depends on it)."""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiktok_admin.settings")

import django  # noqa: E402

django.setup()

from tiktok_admin.celery import app  # noqa: E402

app.conf.update(json.loads(os.environ.get("TEST_CELERY_CONF", "{}")))

if os.environ.get("TEST_CATALOG_LOCK_SECONDS"):
    # A writer killed mid-request leaves TikTok's per-catalog lock held for write_ttl (120 s in
    # production); the fault tests shorten it, like the Redis redelivery intervals, to stay ~1 minute.
    import integration.tiktok_client as factory

    _seconds = float(os.environ["TEST_CATALOG_LOCK_SECONDS"])
    _original = factory.client

    def _client():  # noqa: ANN202
        built = _original()
        built.lock.write_ttl = _seconds
        built.lock_wait = _seconds
        return built

    factory.client = _client

if os.environ.get("TEST_MINUTE_BREACH_PAUSE_SECONDS"):
    # A throttle that outlasts the client's inline retries is taken for a per-minute breach and pauses the
    # endpoint for 300 s, as TikTok does; the throttling-burst test shortens that pause, not the rule.
    import tiktok_api.client_base as client_base
    import tiktok_api.errors as api_errors

    client_base.MINUTE_BREACH_PAUSE_SECONDS = float(os.environ["TEST_MINUTE_BREACH_PAUSE_SECONDS"])
    api_errors.MINUTE_BREACH_PAUSE_SECONDS = client_base.MINUTE_BREACH_PAUSE_SECONDS

if os.environ.get("TEST_PAUSE_IN_CLASSIFY"):
    # The kill-point tests need the worker parked between claiming a sweep chunk and committing its
    # classification: the first classification writes the marker file the test waits for, then blocks
    # until the test kills the process.
    import threading
    from pathlib import Path

    # Where the sweep looks it up: sweep_chunk_classify calls its own module's classify_rows.
    from catalog_sync.engine import sweep

    _marker = Path(os.environ["TEST_PAUSE_IN_CLASSIFY"])
    _classify = sweep.classify_rows

    def _paused_classify(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        if not _marker.exists():
            _marker.write_text(str(os.getpid()))
            threading.Event().wait(120)
        return _classify(*args, **kwargs)

    sweep.classify_rows = _paused_classify

if __name__ == "__main__":
    concurrency = os.environ.get("TEST_WORKER_CONCURRENCY", "2")
    sys.exit(
        app.worker_main(
            [
                "worker",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
                "--queues=default",
            ]
        )
    )
