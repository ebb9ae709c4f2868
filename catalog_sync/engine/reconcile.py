"""The nightly reconciliation: product/get of everything we think is on TikTok (lost SKUs are sent again),
TikTok's overview compared with our count, the counters rebuilt from the rows, and any row left between
states with nothing to move it marked dirty (`states_recover`)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from integration.models import TikTokConnection
from integration.selectors import connection_is_active
from tiktok_api import AuthError, RetryableError

from .. import dirty
from ..models import BatchStatus, Bucket, CatalogCounter, RemoteOp, SkuState, SyncStatus, Trigger
from ..state import COUNTED_BUCKETS, counters_ensure, states_lock, states_update
from . import remote
from .review import products_fetch, review_apply
from .runs import connection_auth_failed, run_add, run_error, run_finish_if_idle, run_open, run_stop
from .tunables import REVIEW_CHUNK

logger = logging.getLogger(__name__)


def counters_recount(connection_id: int) -> dict[int, int]:
    """Rebuild the counters from the rows (nightly; a safety net, never on a page render)."""
    with transaction.atomic():
        counters_ensure(connection_id)
        list(CatalogCounter.objects.select_for_update().filter(connection_id=connection_id))
        actual = dict(
            SkuState.objects.filter(connection_id=connection_id)
            .values_list("bucket")
            .annotate(n=Count("id"))
            .values_list("bucket", "n")
        )
        for bucket in COUNTED_BUCKETS:
            CatalogCounter.objects.filter(connection_id=connection_id, bucket=bucket).update(
                value=actual.get(bucket, 0)
            )
    return actual


def states_recover(connection_id: int) -> int:
    """Find rows left between states with nothing that will move them (no dirty flag, no queued op, no
    live batch) and mark them dirty so the next sweep decides again. The claim-and-classify transaction
    leaves none of these behind; this is the nightly safety net for anything else that could."""
    stranded = list(
        SkuState.objects.filter(
            connection_id=connection_id,
            status__in=[SyncStatus.NEW, SyncStatus.QUEUED, SyncStatus.SENT],
            dirty=False,
            batch__isnull=True,
            op=RemoteOp.NONE,
        ).values_list("id", flat=True)
    )
    orphaned = list(
        SkuState.objects.filter(connection_id=connection_id, batch__isnull=False)
        .exclude(batch__status__in=[BatchStatus.CLAIMED, BatchStatus.SENT])
        .values_list("id", flat=True)
    )
    with transaction.atomic():
        states_lock(connection_id, stranded + orphaned)
        # Forgetting the accepted hash makes the sweep queue the row rather than call it unchanged.
        moved = states_update(
            connection_id,
            stranded,
            accepted_hash="",
            dirty=True,
            run_id=None,
            only_if={"batch__isnull": True},
        )
        moved += states_update(
            connection_id,
            orphaned,
            batch=None,
            accepted_hash="",
            dirty=True,
            run_id=None,
            only_if={"batch__isnull": False},
        )
    if moved:
        logger.warning("catalog sync: %s stranded rows marked dirty connection=%s", moved, connection_id)
        dirty.sweep_dispatch_on_commit(connection_id, Trigger.RECONCILE)
    return moved


def connection_reconcile(connection_id: int) -> dict[str, Any]:
    """Nightly: cross-check with TikTok's copy. SKUs we believe are there but TikTok lacks are sent
    again; review states are refreshed; totals are compared with TikTok's overview."""
    conn = TikTokConnection.objects.filter(pk=connection_id).first()
    report: dict[str, Any] = {"checked": 0, "missing": 0}
    if conn is None or not conn.is_active:
        return report
    run = run_open(connection_id, Trigger.RECONCILE)
    report["recovered"] = states_recover(connection_id)
    counters_recount(connection_id)
    client = remote.tiktok_client()
    after = 0
    try:
        while True:
            rows = list(
                SkuState.objects.filter(
                    connection_id=connection_id, remote_present=True, batch__isnull=True, id__gt=after
                )
                .order_by("id")
                .values_list("id", "sku_id")[:REVIEW_CHUNK]
            )
            if not rows:
                break
            after = rows[-1][0]
            if not connection_is_active(connection_id):
                run_stop(connection_id)
                return report
            asked = {str(s): i for i, s in rows}
            products, number = products_fetch(client, conn, list(asked))
            run_add(run.pk, requests=number)
            _changed, missing = review_apply(connection_id, products, asked)
            report["checked"] += len(asked)
            if missing:
                report["missing"] += len(missing)
                states_update(
                    connection_id,
                    missing,
                    status=SyncStatus.QUEUED,
                    accepted_hash="",
                    remote_present=False,
                    dirty=True,
                    run_id=None,
                    only_if={"batch__isnull": True},
                )
        overview = client.catalog_overview(conn.access_token, bc_id=conn.bc_id, catalog_id=conn.catalog_id)
        run_add(run.pk, requests=1)
        local = dict(
            CatalogCounter.objects.filter(connection_id=connection_id).values_list("bucket", "value")
        )
        report["tiktok_approved"] = overview.approved
        report["local_available"] = local.get(Bucket.AVAILABLE, 0)
        if overview.approved != report["local_available"]:
            run_error(
                run.pk,
                _("TikTok reports %(tiktok)s approved products; this store counts %(local)s available.")
                % {"tiktok": overview.approved, "local": report["local_available"]},
            )
    except AuthError as exc:
        connection_auth_failed(connection_id, exc)
        return report
    except RetryableError as exc:
        run_error(run.pk, f"{type(exc).__name__}: {exc}")
    if report["missing"]:
        dirty.sweep_dispatch_on_commit(connection_id, Trigger.RECONCILE)
    run_finish_if_idle(connection_id)
    return report
