"""Ops: `manage.py tiktok_ads status --store ID [--format json]` and `tiktok_ads refresh --store ID`."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from integration.selectors import connection_active_for_store
from store.models import Store
from tiktok_ads import selectors, services
from tiktok_ads.models import RefreshRun, RefreshTrigger


def _store(value: str) -> Store:
    store = Store.objects.filter(account=value).first()
    if store is None and value.isdigit():
        store = Store.objects.filter(pk=int(value)).first()
    if store is None:
        raise CommandError(f"no store {value!r}")
    return store


def _when(value: Any) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


class Command(BaseCommand):
    help = (
        "TikTok Ads copy of a store: show it (campaigns, 7/30-day figures, last refresh) or refresh it now."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["status", "refresh"])
        parser.add_argument("--store", required=True, help="store id or account name")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, action: str, store: str, format: str = "text", **options: Any) -> None:  # noqa: A002
        found = _store(store)
        connection = connection_active_for_store(found.pk)
        if connection is None:
            raise CommandError(f"store {found.account} is not connected to TikTok")
        if action == "refresh":
            outcome = services.ads_refresh(connection.pk, trigger=RefreshTrigger.OPS)
            run = outcome.run
            if run is None:
                self.stdout.write(f"{found.account}: skipped (no ad account, or a refresh is running)")
                return
            suffix = f" error={run.error_code or ''} {run.error_message}" if run.error_message else ""
            self.stdout.write(
                f"{found.account}: {run.status} campaigns={run.campaigns} days={run.days}{suffix}"
            )
            return
        report = self._status(found, connection)
        if format == "json":
            self.stdout.write(json.dumps(report, indent=2, ensure_ascii=False))
            return
        self.stdout.write(
            f"{found.account}: ad account {report['adv_id']} ({report['currency'] or '-'}) as of "
            f"{report['as_of'] or 'never'}{' (stale)' if report['stale'] else ''}"
        )
        last = report["last_run"]
        if last:
            self.stdout.write(f"last refresh: {last['status']} ({last['trigger']}) at {last['started_at']}")
        for c in report["campaigns"]:
            self.stdout.write(
                f"  {c['campaign_id']} {c['status']:<7} {c['name']}:"
                f" 7d spend={c['spend_7']} conv={c['conversions_7']};"
                f" 30d spend={c['spend_30']} conv={c['conversions_30']}"
            )

    def _status(self, store: Store, connection: Any) -> dict[str, Any]:
        data = selectors.ads_section(connection, store.time_zone) or {}
        account = data.get("account")
        last: RefreshRun | None = data.get("last_run")
        campaigns = []
        for row in data.get("rows") or []:
            w7, w30 = row.windows["7"], row.windows["30"]
            campaigns.append(
                {
                    "campaign_id": row.campaign.campaign_id,
                    "name": row.campaign.name,
                    "status": row.campaign.operation_status,
                    "budget": str(row.campaign.budget) if row.campaign.budget is not None else None,
                    "spend_7": str(w7.spend),
                    "impressions_7": w7.impressions,
                    "clicks_7": w7.clicks,
                    "conversions_7": w7.conversions,
                    "spend_30": str(w30.spend),
                    "impressions_30": w30.impressions,
                    "clicks_30": w30.clicks,
                    "conversions_30": w30.conversions,
                }
            )
        totals = {
            key: {
                "spend": str(t.spend),
                "conversions": t.conversions,
                "orders": t.orders,
                "revenue": str(t.revenue),
            }
            for key, t in (data.get("totals") or {}).items()
        }
        return {
            "store": store.account,
            "adv_id": connection.adv_id,
            "currency": account.currency if account else "",
            "timezone": account.timezone if account else "",
            "as_of": _when(account.refreshed_at) if account else None,
            "stale": bool(account and account.stale),
            "last_error": account.last_error_message if account else "",
            "last_run": {
                "status": last.status,
                "trigger": last.trigger,
                "started_at": _when(last.started_at),
                "error": last.error_message,
            }
            if last
            else None,
            "campaigns": campaigns,
            "totals": totals,
        }
