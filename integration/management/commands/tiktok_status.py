"""`manage.py tiktok_status [--format table|json]`: every store's TikTok connection at a glance."""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Max

from integration.models import TikTokConnection
from store.models import Store

COLUMNS = (
    "store_id",
    "account",
    "status",
    "bc_id",
    "adv_id",
    "pixel_code",
    "catalog_id",
    "since",
    "last_sync",
)


def _last_sync(connection_ids: list[int]) -> dict[int, str]:
    """When each connection's last catalog sync run finished (the catalog sync records its runs)."""
    try:
        sync_run = apps.get_model("catalog_sync", "SyncRun")
    except LookupError:
        return {}
    rows = (
        sync_run.objects.filter(connection_id__in=connection_ids, finished_at__isnull=False)
        .values("connection_id")
        .annotate(last=Max("finished_at"))
    )
    return {int(r["connection_id"]): r["last"].isoformat() for r in rows}


class Command(BaseCommand):
    help = "Show every store's TikTok for Business connection: state, IDs, since when, last sync."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        latest: dict[int, TikTokConnection] = {}
        for connection in TikTokConnection.objects.order_by("store_id", "-connected_at", "-pk"):
            latest.setdefault(connection.store_id, connection)
        syncs = _last_sync([c.pk for c in latest.values()])
        rows = []
        for store in Store.objects.order_by("pk"):
            connection = latest.get(store.pk)
            rows.append(
                {
                    "store_id": store.pk,
                    "account": store.account,
                    "status": connection.status if connection else "never_connected",
                    "bc_id": connection.bc_id if connection else "",
                    "adv_id": connection.adv_id if connection else "",
                    "pixel_code": connection.pixel_code if connection else "",
                    "catalog_id": connection.catalog_id if connection else "",
                    "since": (
                        (
                            connection.connected_at if connection.is_active else connection.disconnected_at
                        ).isoformat()
                        if connection and (connection.is_active or connection.disconnected_at)
                        else ""
                    ),
                    "disconnect_reason": connection.disconnect_reason if connection else "",
                    "advanced_matching": bool(connection and connection.advanced_matching),
                    "last_error": connection.last_error_message if connection else "",
                    "last_sync": syncs.get(connection.pk, "") if connection else "",
                }
            )
        if options["format"] == "json":
            self.stdout.write(json.dumps(rows, indent=2))
            return
        widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) if rows else len(c) for c in COLUMNS}
        self.stdout.write("  ".join(c.upper().ljust(widths[c]) for c in COLUMNS))
        for row in rows:
            self.stdout.write("  ".join(str(row[c]).ljust(widths[c]) for c in COLUMNS))
