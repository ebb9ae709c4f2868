"""Entry point for the Celery beat the process tests start: the project's app and scheduler with a schedule
compressed to TEST_BEAT_SECONDS, so what beat does (recovery by beat and the reaper, one run per period
however many beats) is what the tests see within their time.

TEST_BEAT_JOBS=catalog (the default, for the kill-point tests): the catalog sync's four frequent jobs.
TEST_BEAT_JOBS=all: every entry of the production schedule, crontabs included, each every
TEST_BEAT_SECONDS, or the seconds TEST_BEAT_OVERRIDES (JSON, entry name -> seconds) gives it."""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiktok_admin.settings")

import django  # noqa: E402

django.setup()

from tiktok_admin.celery import app  # noqa: E402

EVERY = float(os.environ.get("TEST_BEAT_SECONDS", "2"))
JOBS = ("sweep_all", "poll_feed_logs", "poll_review_status", "reap_leases")

if os.environ.get("TEST_BEAT_JOBS", "catalog") == "all":
    overrides = json.loads(os.environ.get("TEST_BEAT_OVERRIDES", "{}"))
    app.conf.beat_schedule = {
        name: {**entry, "schedule": float(overrides.get(name, EVERY))}
        for name, entry in app.conf.beat_schedule.items()
    }
else:
    app.conf.beat_schedule = {
        f"test-{job}": {"task": f"catalog_sync.tasks.{job}", "schedule": EVERY} for job in JOBS
    }

if __name__ == "__main__":
    schedule = os.environ["TEST_BEAT_SCHEDULE_FILE"]
    sys.exit(app.start(["beat", "--loglevel=INFO", f"--schedule={schedule}", "--max-interval=1"]))
