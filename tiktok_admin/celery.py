"""The Celery app. Delivery guarantees (acks_late + reject on worker lost) are promised on Redis."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

from catalog_sync import schedule as catalog_schedule

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiktok_admin.settings")

app = Celery("tiktok_admin")
app.config_from_object("django.conf:settings", namespace="CELERY")

app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    # A task is acknowledged only after it finished, and a worker killed mid-task puts it back,
    # so every task must be idempotent (they are: they take IDs and re-read state).
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
    # Keep Django's LOGGING in workers: celery would otherwise replace the root logger's handlers with
    # its own, which lack the filter that redacts OAuth codes and tokens (integration.log_redaction).
    worker_hijack_root_logger=False,
    worker_cancel_long_running_tasks_on_connection_loss=True,
    task_default_queue="default",
    timezone="UTC",
    enable_utc=True,
)

# The beat schedule lives in code, in one place. The scheduler stamps each message with the schedule slot
# it fires for and the task takes that slot first (core.periodic), so a second beat changes nothing;
# singleton jobs also take a lease (core.leases.singleton), so a slow run and the next one never overlap.
app.conf.beat_scheduler = "tiktok_admin.beat:SlotScheduler"
MINUTE = 60.0
app.conf.beat_schedule = {
    "canary": {"task": "tiktok_admin.tasks.canary", "schedule": 30.0},
    "connections-health-check": {
        "task": "integration.tasks.check_connections",
        "schedule": 15 * MINUTE,
    },
    "catalog-sweep": {"task": "catalog_sync.tasks.sweep_all", "schedule": catalog_schedule.SWEEP_SECONDS},
    "catalog-poll-feed-logs": {
        "task": "catalog_sync.tasks.poll_feed_logs",
        "schedule": catalog_schedule.FEED_LOG_POLL_SECONDS,
    },
    "catalog-poll-review": {
        "task": "catalog_sync.tasks.poll_review_status",
        "schedule": catalog_schedule.REVIEW_POLL_SECONDS,
    },
    "catalog-reap-leases": {
        "task": "catalog_sync.tasks.reap_leases",
        "schedule": catalog_schedule.REAP_SECONDS,
    },
    "catalog-reconcile-nightly": {
        "task": "catalog_sync.tasks.reconcile_all",
        "schedule": crontab(hour=5, minute=17),
    },
    "catalog-prune": {"task": "catalog_sync.tasks.prune", "schedule": crontab(hour=6, minute=3)},
    "pixel-send-outbox": {"task": "pixel.tasks.send_outbox_all", "schedule": 1 * MINUTE},
    "pixel-purge-outbox": {"task": "pixel.tasks.purge_outbox", "schedule": crontab(hour=6, minute=33)},
    "shop-import-orders": {"task": "tiktok_shop.tasks.import_orders_all", "schedule": 1 * MINUTE},
    "ads-refresh": {"task": "tiktok_ads.tasks.refresh_all", "schedule": 20 * MINUTE},
}

app.autodiscover_tasks()
