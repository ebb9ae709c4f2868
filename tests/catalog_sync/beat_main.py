"""Entry point for the Celery beat the kill-point tests start: the project's app with the catalog jobs
on a schedule compressed to TEST_BEAT_SECONDS, so recovery by beat and the reaper (not by the broker's
redelivery) is what the tests see within their time."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiktok_admin.settings")

import django  # noqa: E402

django.setup()

from tiktok_admin.celery import app  # noqa: E402

EVERY = float(os.environ.get("TEST_BEAT_SECONDS", "2"))
JOBS = ("sweep_all", "poll_feed_logs", "poll_review_status", "reap_leases")
app.conf.beat_schedule = {
    f"test-{job}": {"task": f"catalog_sync.tasks.{job}", "schedule": EVERY} for job in JOBS
}

if __name__ == "__main__":
    schedule = os.environ["TEST_BEAT_SCHEDULE_FILE"]
    sys.exit(app.start(["beat", "--loglevel=INFO", f"--schedule={schedule}", "--max-interval=1"]))
