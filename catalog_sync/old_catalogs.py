"""Earlier catalogs: what a reconnect to another TikTok catalog leaves behind, and the merchant's choice.

When a connection ends, the sku_ids its sync may have left in its catalog are copied, in the disconnect's
transaction, into a compact per-catalog list (`OldCatalog` + `OldCatalogSku`): the connection's state rows
are pruned after the retention period, the list stays until the products are removed there or the
merchant leaves them. While the store is connected to another catalog, the TikTok page names each earlier
catalog that still holds our products and offers two explicit choices: remove them (a task deletes only
those sku_ids, in batches) or leave them. Nothing is deleted without that choice.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection as db
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import ServiceError
from integration.models import TikTokConnection
from integration.selectors import catalog_manager_url, connection_active_for_store

from . import tasks
from .engine.old_catalog import AUDIT_LEFT, AUDIT_REMOVE_CHOSEN
from .models import BatchStatus, OldCatalog, OldCatalogSku, OldCatalogStatus, SkuState, SyncStatus

OPEN = (OldCatalogStatus.KEPT, OldCatalogStatus.REMOVING)
CHOICES = ("remove", "leave")


class OldCatalogError(ServiceError):
    pass


def _may_be_at_tiktok() -> Q:
    """A row whose SKU TikTok may hold: accepted there, or sent and not confirmed yet, or in a batch."""
    return Q(remote_present=True) | Q(status=SyncStatus.SENT) | Q(batch__status=BatchStatus.SENT)


def old_catalog_capture(connection_id: int) -> OldCatalog | None:
    """Copy the sku_ids this (just ended) connection may have left in its catalog into the catalog's list,
    in one INSERT ... SELECT. Called once per connection, by the disconnect (a compare-and-set there makes
    it publish once). A list already decided (removed, left) starts again: this connection synced there."""
    conn = TikTokConnection.objects.filter(pk=connection_id).values("store_id", "bc_id", "catalog_id").first()
    if conn is None or not conn["catalog_id"] or not conn["bc_id"]:
        return None
    rows = SkuState.objects.filter(connection_id=connection_id).filter(_may_be_at_tiktok())
    if not rows.exists():
        return None
    with transaction.atomic():
        old, created = OldCatalog.objects.select_for_update().get_or_create(
            store_id=conn["store_id"], catalog_id=conn["catalog_id"], defaults={"bc_id": conn["bc_id"]}
        )
        if not created and old.status in (OldCatalogStatus.REMOVED, OldCatalogStatus.LEFT):
            old.status, old.decided_at, old.decided_by, old.finished_at = (
                OldCatalogStatus.KEPT,
                None,
                None,
                None,
            )
        old.bc_id = conn["bc_id"]
        select_sql, params = rows.values("sku_id").query.sql_with_params()
        table = OldCatalogSku._meta.db_table
        with db.cursor() as cursor:
            # `WHERE true`: SQLite needs a WHERE before ON CONFLICT in an INSERT ... SELECT.
            cursor.execute(
                f"INSERT INTO {table} (old_catalog_id, sku_id) SELECT %s, s.sku_id FROM ({select_sql}) s"  # noqa: S608
                " WHERE true ON CONFLICT (old_catalog_id, sku_id) DO NOTHING",
                [old.pk, *params],
            )
        old.sku_count = OldCatalogSku.objects.filter(old_catalog=old).count()
        old.save()
    return old


def old_catalogs_describe_soon(store_id: int) -> None:
    """After a reconnect, once committed: ask TikTok the names of the earlier catalogs (if any wait)."""
    if OldCatalog.objects.filter(store_id=store_id, status__in=OPEN, catalog_name="").exists():
        transaction.on_commit(lambda: tasks.nudge(tasks.old_catalogs_describe, (store_id,)))


@dataclass(frozen=True)
class OldCatalogNotice:
    """One earlier catalog as the TikTok page shows it."""

    id: int
    catalog_id: str
    catalog_name: str
    sku_count: int
    status: str
    last_error: str
    catalog_manager_url: str | None


def old_catalogs_open(store_id: int) -> list[OldCatalogNotice]:
    """The earlier catalogs that still hold our products while the store is connected to another one
    (the one it syncs to now is never *earlier*)."""
    active = connection_active_for_store(store_id)
    if active is None:
        return []
    rows = (
        OldCatalog.objects.filter(store_id=store_id, status__in=OPEN, sku_count__gt=0)
        .exclude(catalog_id=active.catalog_id)
        .order_by("created_at", "id")
    )
    return [
        OldCatalogNotice(
            id=row.pk,
            catalog_id=row.catalog_id,
            catalog_name=row.catalog_name,
            sku_count=row.sku_count,
            status=row.status,
            last_error=row.last_error,
            catalog_manager_url=catalog_manager_url(row.bc_id, row.catalog_id),
        )
        for row in rows
    ]


def old_catalog_decide(store_id: int, old_catalog_id: int, choice: str, *, actor: AbstractBaseUser) -> str:
    """The merchant's explicit choice for an earlier catalog: `remove` (the removal task starts on
    commit) or `leave` (the list is dropped; nothing at TikTok changes). A compare-and-set from *no choice
    made*: a second click, or two at once, decide once. Returns the status after the call."""
    if choice not in CHOICES:
        raise OldCatalogError(_("Choose whether to remove or to leave the products."), code="bad_choice")
    active = connection_active_for_store(store_id)
    old = OldCatalog.objects.filter(pk=old_catalog_id, store_id=store_id).first()
    if old is None or active is None or old.catalog_id == active.catalog_id:
        raise OldCatalogError(
            _("This earlier catalog is no longer waiting for a choice."), code="gone", http_status=404
        )
    now = timezone.now()
    user = actor if actor.is_authenticated else None
    target = OldCatalogStatus.REMOVING if choice == "remove" else OldCatalogStatus.LEFT
    with transaction.atomic():
        won = OldCatalog.objects.filter(pk=old.pk, status=OldCatalogStatus.KEPT).update(
            status=target,
            decided_at=now,
            decided_by=user,
            last_error="",
            finished_at=None if choice == "remove" else now,
        )
        if not won:
            return OldCatalog.objects.values_list("status", flat=True).get(pk=old.pk)
        detail = {"catalog_id": old.catalog_id, "products": old.sku_count}
        if choice == "leave":
            # The products stay at TikTok as they are; the merchant manages them in Catalog Manager.
            OldCatalogSku.objects.filter(old_catalog=old).delete()
            audit_record(store_id, AUDIT_LEFT, actor=actor, detail=detail)
        else:
            audit_record(store_id, AUDIT_REMOVE_CHOSEN, actor=actor, detail=detail)
            transaction.on_commit(lambda: tasks.nudge(tasks.old_catalog_remove, (old.pk,)))
    return target
