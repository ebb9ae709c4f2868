"""`tiktok_catalog_report --store ID [--format csv|json]`: the page's numbers and the SKUs behind each,
with the status and the reason or missing fields. Streams, so it works on a million SKUs."""

from __future__ import annotations

import csv
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog_sync import selectors
from catalog_sync.management.commands.tiktok_sync import _store
from catalog_sync.progress import Progress
from core.spreadsheet import cell_safe
from integration.selectors import connection_active_for_store


class Command(BaseCommand):
    help = "Report the TikTok catalog numbers of a store and the SKUs behind each number."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", required=True, help="store id or account name")
        parser.add_argument("--format", choices=["csv", "json"], default="json")

    def handle(self, *args: Any, **opts: Any) -> None:
        store = _store(opts["store"])
        conn = connection_active_for_store(store.pk)
        if conn is None:
            raise CommandError(f"store {store.account} is not connected to TikTok")
        counts = selectors.catalog_counts(conn)
        numbers = {key: getattr(counts, key) for key in selectors.BUCKET_KEYS}
        total = sum(numbers.values())
        progress = Progress(self.stderr, "SKUs", total)
        done = 0
        out = self.stdout
        runs = [r.as_json() for r in selectors.runs_summary(conn)]
        if opts["format"] == "csv":
            for key, value in numbers.items():
                self.stderr.write(f"{key}: {value}\n")
            for run in runs:
                line = "run {id} ({trigger}): {status}, {skus_between_states} SKUs between states\n"
                self.stderr.write(line.format(**run))
            writer = csv.writer(out)
            writer.writerow(["bucket", "sku_id", "product_id", "status", "missing_fields", "reason"])
        else:
            out.write(
                json.dumps(
                    {"store": store.account, "catalog_id": conn.catalog_id, "counts": numbers, "runs": runs}
                )[:-1]
            )
            out.write(', "skus": {')
        for n, (key, bucket) in enumerate(selectors.BUCKET_KEYS.items()):
            if opts["format"] == "json":
                out.write(("" if n == 0 else ", ") + json.dumps(key) + ": [")
            first = True
            for row in selectors.iter_states(conn, bucket, selectors.ListFilters()):
                item = {
                    "sku_id": str(row.state.sku_id),
                    "product_id": str(row.state.product_id or ""),
                    "status": row.state.status,
                    "missing_fields": [p.get("field") for p in row.state.problems or []],
                    "reason": " | ".join(row.reasons),
                }
                if opts["format"] == "csv":
                    # The reason quotes TikTok's own words for a rejection: anything could be in it.
                    cells = [
                        key,
                        item["sku_id"],
                        item["product_id"],
                        item["status"],
                        ";".join(item["missing_fields"]),
                        item["reason"],
                    ]
                    writer.writerow([cell_safe(str(cell)) for cell in cells])
                else:
                    out.write(("" if first else ", ") + json.dumps(item, ensure_ascii=False))
                first = False
                done += 1
                progress.update(done)
            if opts["format"] == "json":
                out.write("]")
        if opts["format"] == "json":
            out.write("}}\n")
        progress.finish()
