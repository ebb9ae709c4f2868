"""Queue the pixel's Celery tasks by name.

The services ask for a send after their transaction commits, and `pixel.tasks` wraps the services, so the
services cannot import the tasks without an import circle. They dispatch by task name through the Celery
app instead: this module imports nothing of the pixel, and `pixel.tasks` registers its task under the same
name constant.
"""

from __future__ import annotations

import logging

from celery import current_app
from django.conf import settings

logger = logging.getLogger(__name__)

SEND_OUTBOX_FOR_STORE = "pixel.tasks.send_outbox_for_store"


def outbox_dispatch(store_id: int) -> None:
    """Ask a worker to send now. A broker hiccup must not fail the shopper's request: the beat sweep
    (pixel.tasks.send_outbox_all, every minute) sends it anyway."""
    if not getattr(settings, "PIXEL_OUTBOX_DISPATCH", True):
        return
    try:
        # ignore_result as the task itself declares: nobody waits for a send's result.
        current_app.send_task(SEND_OUTBOX_FOR_STORE, args=(store_id,), ignore_result=True)
    except Exception:  # noqa: BLE001
        logger.warning("pixel: could not enqueue the outbox send for store %s", store_id, exc_info=True)
