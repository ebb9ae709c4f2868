"""`manage.py tiktok_disconnect --store ID [--reason ...]`: disconnect a store from TikTok for Business."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integration import services
from integration.models import DisconnectReason
from integration.selectors import connection_active_for_store
from store.models import Store


class Command(BaseCommand):
    help = "Disconnect a store from TikTok for Business (local state is cleared even if TikTok fails)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", required=True, help="Store id or account name.")
        parser.add_argument("--reason", default="", help="Why (kept in the audit trail).")

    def handle(self, *args: Any, **options: Any) -> None:
        key = str(options["store"])
        store = Store.objects.filter(pk=int(key)).first() if key.isdigit() else None
        store = store or Store.objects.filter(account=key).first()
        if store is None:
            raise CommandError(f"No store {key!r}.")
        connection = connection_active_for_store(store.pk)
        if connection is None:
            self.stdout.write(f"Store {store.account} is not connected to TikTok; nothing to do.")
            return
        result = services.connection_disconnect(
            connection.pk,
            reason=DisconnectReason.OPS,
            detail=options["reason"] or "tiktok_disconnect command",
        )
        if not result.disconnected:
            self.stdout.write(f"Store {store.account} was already disconnected.")
            return
        self.stdout.write(self.style.SUCCESS(f"Store {store.account} disconnected from TikTok."))
        if result.manual_steps_needed:
            self.stdout.write(
                self.style.WARNING(
                    "TikTok could not confirm the disconnect: "
                    + "; ".join(result.remote_errors)
                    + "\nAsk the merchant to remove VTEX on TikTok Ads Manager > Authorizations."
                )
            )
