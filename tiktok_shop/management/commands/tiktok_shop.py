"""Ops: `manage.py tiktok_shop status|import|disconnect [--account ACCOUNT]`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tiktok_shop import services
from tiktok_shop.models import ShopConnection, ShopImportRun


class Command(BaseCommand):
    help = "TikTok Shop connections: show their state, run an order import now, or disconnect one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["status", "import", "disconnect"])
        parser.add_argument("--account", help="the store's account name (all live connections when omitted)")

    def handle(self, *args: Any, action: str, account: str | None = None, **options: Any) -> None:
        live = ShopConnection.objects.live().select_related("store").order_by("store__account")
        if account:
            live = live.filter(store__account=account)
        if action == "status":
            self._status(live)
            return
        if action == "disconnect" and not account:
            raise CommandError("disconnect needs --account")
        if not live.exists():
            raise CommandError("no live TikTok Shop connection" + (f" for {account}" if account else ""))
        for connection in live:
            if action == "import":
                run = services.orders_import(connection.pk)
                if run is None:
                    self.stdout.write(f"{connection.store.account}: skipped (import off or already running)")
                else:
                    self.stdout.write(
                        f"{connection.store.account}: {run.status} fetched={run.fetched}"
                        f" created={run.created} updated={run.updated}"
                        + (f" error={run.error_message}" if run.error_message else "")
                    )
            else:
                result = services.shop_disconnect(connection.pk)
                suffix = f" (TikTok: {result.remote_error})" if result.remote_error else ""
                self.stdout.write(f"{connection.store.account}: disconnected {connection.shop_name}{suffix}")

    def _status(self, live: Any) -> None:
        rows = list(live)
        if not rows:
            self.stdout.write("no live TikTok Shop connection")
        for c in rows:
            last = ShopImportRun.objects.filter(connection=c).first()
            last_text = f"{last.status} at {last.started_at:%Y-%m-%d %H:%M:%S}" if last else "never"
            self.stdout.write(
                f"{c.store.account}: {c.status} shop={c.shop_name} ({c.shop_id}, {c.region})"
                f" seller={c.seller_name} since={c.connected_at:%Y-%m-%d %H:%M}"
                f" imported={c.orders_imported} last_import={last_text}"
            )
