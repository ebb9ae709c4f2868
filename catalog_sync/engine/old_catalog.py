"""The removal of our products from an earlier catalog, once the merchant chose it: the sku_ids we sent
there (and only those), deleted in batches of at most 1,000 through the client's delete endpoint (its rate
limiter and catalog write lock apply), each batch's ids dropped from the list in the transaction that
records the request, so running the step again never sends an id twice; the run row and the audit say
how it ended."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from core.audit import audit_record, error_summary
from integration.models import TikTokConnection
from integration.selectors import connection_active_for_store
from integration.services import connection_auto_disconnect
from tiktok_api import AuthError, CatalogBusyError, RetryableError, TikTokError

from .. import clock
from ..leases import lease_held
from ..models import OldCatalog, OldCatalogRun, OldCatalogSku, OldCatalogStatus
from ..models_old_catalog import OldCatalogRunStatus
from . import remote
from .tunables import delete_batch_size

logger = logging.getLogger(__name__)

# Audit actions of the earlier catalogs (labels: core.models.AuditAction).
AUDIT_REMOVE_CHOSEN = "old_catalog_remove"
AUDIT_REMOVED = "old_catalog_removed"
AUDIT_REMOVE_FAILED = "old_catalog_remove_failed"
AUDIT_LEFT = "old_catalog_left"
SYSTEM_ACTOR = "TikTok for Business"


def lease_name(old_catalog_id: int) -> str:
    return f"catalog-oldcatalog:{old_catalog_id}"


@dataclass(frozen=True)
class RemovalOutcome:
    """`status`: the earlier catalog's status after the step; `retry_in`: seconds until the next step
    when TikTok asked to wait (busy catalog, throttling, 5xx), else None."""

    status: str
    deleted: int = 0
    requests: int = 0
    retry_in: float | None = None
    busy: bool = False


def _run_open(old: OldCatalog) -> OldCatalogRun:
    """The running removal of this catalog (a redelivered step continues it), or a new one."""
    run = OldCatalogRun.objects.filter(old_catalog=old, status=OldCatalogRunStatus.RUNNING).first()
    return run or OldCatalogRun.objects.create(old_catalog=old, started_at=clock.now())


def _fail(old: OldCatalog, run: OldCatalogRun, exc: BaseException) -> RemovalOutcome:
    """TikTok refused for good: the catalog goes back to *no choice made*, with TikTok's words, so the
    merchant can try again or delete by hand in Catalog Manager."""
    summary = error_summary(exc)
    now = clock.now()
    with transaction.atomic():
        OldCatalogRun.objects.filter(pk=run.pk).update(
            status=OldCatalogRunStatus.FAILED, finished_at=now, error=summary["message"]
        )
        OldCatalog.objects.filter(pk=old.pk, status=OldCatalogStatus.REMOVING).update(
            status=OldCatalogStatus.KEPT, last_error=summary["message"]
        )
        audit_record(
            old.store_id,
            AUDIT_REMOVE_FAILED,
            actor_label=SYSTEM_ACTOR,
            detail={
                "catalog_id": old.catalog_id,
                "message": summary["message"],
                "tiktok_code": summary["code"],
            },
        )
    return RemovalOutcome(status=OldCatalogStatus.KEPT)


def old_catalog_remove_step(old_catalog_id: int, *, owner: str) -> RemovalOutcome:
    """Delete what is left of our sku_ids in the earlier catalog, batch by batch, while the merchant's
    *Remove* choice stands. Nothing happens unless the catalog is in REMOVING (so a second run after the
    end, or a run for a catalog the merchant left, sends nothing)."""
    with lease_held(lease_name(old_catalog_id), owner) as mine:
        if not mine:
            return RemovalOutcome(status=OldCatalogStatus.REMOVING, busy=True)
        old = OldCatalog.objects.filter(pk=old_catalog_id).first()
        if old is None or old.status != OldCatalogStatus.REMOVING:
            return RemovalOutcome(status=old.status if old else "")
        run = _run_open(old)
        conn: TikTokConnection | None = connection_active_for_store(old.store_id)
        if conn is None or not conn.access_token:
            return _fail(old, run, RuntimeError("The store is no longer connected to TikTok."))
        client = remote.tiktok_client()
        deleted = requests = 0
        while True:
            ids = list(
                OldCatalogSku.objects.filter(old_catalog=old)
                .order_by("sku_id")
                .values_list("sku_id", flat=True)[: delete_batch_size()]
            )
            if not ids:
                break
            try:
                client.product_delete(
                    conn.access_token,
                    bc_id=old.bc_id,
                    catalog_id=old.catalog_id,
                    sku_ids=[str(i) for i in ids],
                )
            except (CatalogBusyError, RetryableError) as exc:
                # The client already retried inline; the list is intact, so the next step goes on from here.
                logger.info("old catalog removal waits old_catalog=%s %s", old.pk, error_summary(exc))
                return RemovalOutcome(
                    status=OldCatalogStatus.REMOVING,
                    deleted=deleted,
                    requests=requests,
                    retry_in=float(getattr(exc, "retry_after", None) or 30.0),
                )
            except AuthError as exc:
                connection_auto_disconnect(conn.pk, error=exc)
                return _fail(old, run, exc)
            except TikTokError as exc:
                return _fail(old, run, exc)
            with transaction.atomic():
                gone = OldCatalogSku.objects.filter(old_catalog=old, sku_id__in=ids).delete()[0]
                OldCatalog.objects.filter(pk=old.pk).update(sku_count=F("sku_count") - gone)
                OldCatalogRun.objects.filter(pk=run.pk).update(
                    deleted=F("deleted") + len(ids), requests=F("requests") + 1
                )
            deleted += len(ids)
            requests += 1
        now = clock.now()
        with transaction.atomic():
            OldCatalogRun.objects.filter(pk=run.pk).update(
                status=OldCatalogRunStatus.SUCCEEDED, finished_at=now
            )
            done = OldCatalog.objects.filter(pk=old.pk, status=OldCatalogStatus.REMOVING).update(
                status=OldCatalogStatus.REMOVED, finished_at=now, sku_count=0, last_error=""
            )
            run.refresh_from_db()
            if done:
                audit_record(
                    old.store_id,
                    AUDIT_REMOVED,
                    actor_label=SYSTEM_ACTOR,
                    detail={"catalog_id": old.catalog_id, "products": run.deleted, "requests": run.requests},
                )
        return RemovalOutcome(status=OldCatalogStatus.REMOVED, deleted=deleted, requests=requests)


def old_catalogs_describe(store_id: int) -> int:
    """Ask TikTok the names of the store's earlier catalogs still waiting for a choice (the page names
    them; the IDs alone look alike). Best effort: a catalog TikTok does not describe keeps its ID only.
    Returns how many were named."""
    conn = connection_active_for_store(store_id)
    if conn is None or not conn.access_token:
        return 0
    client = remote.tiktok_client()
    named = 0
    rows = OldCatalog.objects.filter(
        store_id=store_id, status__in=(OldCatalogStatus.KEPT, OldCatalogStatus.REMOVING), catalog_name=""
    ).exclude(catalog_id=conn.catalog_id)
    for old in rows:
        try:
            page = client.catalog_get(conn.access_token, bc_id=old.bc_id, catalog_id=old.catalog_id)
        except AuthError as exc:
            connection_auto_disconnect(conn.pk, error=exc)
            return named
        except TikTokError as exc:
            logger.info("old catalog name unknown old_catalog=%s %s", old.pk, error_summary(exc))
            continue
        name = next((c.catalog_name for c in page.catalogs if c.catalog_id == old.catalog_id), "")
        if name:
            named += OldCatalog.objects.filter(pk=old.pk).update(catalog_name=name[:128])
    return named
