from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from store.demo import seed_demo


class Command(BaseCommand):
    help = "Create (idempotently) the demo stores, catalog and logins. --skus N scales the demo store."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--skus", type=int, default=360, help="at least this many SKUs in lojademo")

    def handle(self, *args: Any, **options: Any) -> None:
        target = max(1, options["skus"])
        started = time.monotonic()

        def progress(created: int) -> None:
            if target >= 20000:
                self.stdout.write(f"  … {created:,} SKUs created ({time.monotonic() - started:.0f} s)")

        result = seed_demo(target, progress=progress)
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready in {elapsed:.1f} s: {result.created_skus:,} SKUs created, "
                f"lojademo has {result.total_skus:,} SKUs."
            )
        )
        base = getattr(settings, "PUBLIC_BASE_URL", "http://127.0.0.1:8000")
        self.stdout.write(f"Admin:      {base}/admin/")
        self.stdout.write(f"Storefront: {base}/s/lojademo/")
        self.stdout.write("Logins:")
        for username, password, what in result.logins:
            self.stdout.write(f"  {username:<9} {password:<17} {what}")
