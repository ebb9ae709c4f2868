"""How often beat runs the catalog sync's periodic jobs, in seconds. Django-free, so the project's Celery
app (which loads before Django is set up) and the page's "next scheduled sync" read the same numbers."""

from __future__ import annotations

SWEEP_SECONDS = 120.0
FEED_LOG_POLL_SECONDS = 60.0
REVIEW_POLL_SECONDS = 300.0
# Leases lapse 30 s after their holder dies (heartbeats renew live ones): reap often so the work of a dead
# worker starts again within a minute.
REAP_SECONDS = 20.0
