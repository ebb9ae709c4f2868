"""`tiktok_sync --store ID [--full] [--dry-run]`: sync a store's catalog now, in this process.

Without --full only what changed is checked and sent; --full checks every SKU and re-sends even
unchanged ones. --dry-run prints each SKU's payload or validation problems as JSON lines and sends
nothing (it works without a connection too, as long as the setup names a trade policy)."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog_sync import services
from catalog_sync.mapping import catalog_context, evaluate, load_facts
from catalog_sync.models import SkuState, SyncRun, SyncStatus, Trigger
from catalog_sync.progress import Progress
from catalog_sync.services import StepAction
from catalog_sync.validation import problem_message
from integration.models import TikTokSetup
from integration.selectors import connection_active_for_store
from store.models import Sku, Store


class Command(BaseCommand):
    help = "Sync a store's catalog to TikTok now (or show what would be sent with --dry-run)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", required=True, help="store id or account name")
        parser.add_argument("--full", action="store_true", help="check and re-send every SKU")
        parser.add_argument(
            "--dry-run", action="store_true", help="print payloads and problems, send nothing"
        )
        parser.add_argument(
            "--timeout", type=float, default=3600.0, help="give up waiting after this many seconds"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        store = _store(opts["store"])
        if opts["dry_run"]:
            self._dry_run(store)
            return
        conn = connection_active_for_store(store.pk)
        if conn is None:
            raise CommandError(f"store {store.account} is not connected to TikTok")
        err = self.stderr
        # The summary names the run this command opened, not whatever ran last (beat's, or yesterday's).
        runs = SyncRun.objects.filter(connection=conn)
        runs_before = runs.order_by("-id").values_list("id", flat=True).first() or 0
        if opts["full"]:
            marked = services.connection_full_sync_prepare(conn.pk, trigger=Trigger.OPS, force=True)
            err.write(f"{marked} SKUs marked for a full sync\n")
        dirty = SkuState.objects.filter(connection=conn, dirty=True).count()
        check = Progress(err, "checked", dirty)
        result = services.connection_sweep(conn.pk, trigger=Trigger.OPS, on_progress=check.update)
        check.finish(f"queued={result.queued} unchanged={result.unchanged} invalid={result.invalid}")
        to_send = SkuState.objects.filter(connection=conn).exclude(op="").count()
        send = Progress(err, "sent", to_send)
        sent = 0
        deadline = time.monotonic() + opts["timeout"]
        while time.monotonic() < deadline:
            outcome = services.connection_send_step(conn.pk)
            sent += outcome.sent
            send.update(sent, outcome.action)
            if outcome.action in (
                StepAction.IDLE,
                StepAction.IDLE_REVIEW,
                StepAction.STOPPED,
                StepAction.AUTH_FAILED,
            ):
                break
            if outcome.action == StepAction.BUSY:
                time.sleep(1.0)
            elif outcome.next_in:
                time.sleep(min(outcome.next_in, 30.0))
        send.finish()
        review = services.connection_poll_review(conn.pk)
        run = runs.filter(id__gt=runs_before).order_by("-id").first()
        if run is None and (result.checked or sent):
            # A run was already open (beat's): this command's work went into it.
            run = runs.order_by("-id").first()
        if result.checked == 0 and sent == 0:
            err.write("Nothing changed since the last sync: nothing was checked or sent.\n")
        summary = {
            "store": store.account,
            "catalog_id": conn.catalog_id,
            "run": run.pk if run else None,
            "run_status": run.status if run else None,
            "sent": sent,
            "in_review": review["left"],
            "needs_details": SkuState.objects.filter(
                connection=conn, status=SyncStatus.NEEDS_DETAILS
            ).count(),
        }
        self.stdout.write(json.dumps(summary))

    def _dry_run(self, store: Store) -> None:
        setup = TikTokSetup.objects.filter(store=store).select_related("trade_policy").first()
        if setup is None:
            raise CommandError(f"store {store.account} has no TikTok setup (no trade policy chosen)")
        ctx = catalog_context(store.pk, store.account, setup.trade_policy_id, setup.trade_policy.currency)
        total = Sku.objects.filter(store=store).count()
        progress = Progress(self.stderr, "checked", total)
        after, done, counts = 0, 0, {"ok": 0, "invalid": 0, "excluded": 0}
        while True:
            ids = list(
                Sku.objects.filter(store=store, id__gt=after)
                .order_by("id")
                .values_list("id", flat=True)[:2000]
            )
            if not ids:
                break
            after = ids[-1]
            loaded = load_facts(ctx, ids)
            for sku_id in ids:
                ev = evaluate(ctx, loaded[sku_id])
                line: dict[str, Any] = {"sku_id": str(sku_id)}
                if ev.ineligible:
                    line.update(result="excluded", reason=problem_message({"code": ev.ineligible}))
                    counts["excluded"] += 1
                elif ev.problems:
                    line.update(
                        result="invalid",
                        problems=[
                            {**p.as_json(), "message": problem_message(p.as_json())} for p in ev.problems
                        ],
                    )
                    counts["invalid"] += 1
                else:
                    line.update(result="ok", hash=ev.hash, payload=ev.payload)
                    counts["ok"] += 1
                self.stdout.write(json.dumps(line, ensure_ascii=False))
            done += len(ids)
            progress.update(done)
        progress.finish(" ".join(f"{k}={v}" for k, v in counts.items()))


def _store(value: str) -> Store:
    store = Store.objects.filter(pk=int(value)).first() if value.isdigit() else None
    store = store or Store.objects.filter(account=value).first()
    if store is None:
        raise CommandError(f"no store {value!r}")
    return store
