"""The sandbox's ad campaigns: a few per ad account, created the first time the account's campaigns are
asked for, with daily metrics that are a pure function of the campaign id and the day (so a test can
compute any figure from the admin API without the sandbox keeping a history).

Campaign status is state (switched by `campaign/status/update/`); metrics are not: a day's figures are the
same whoever asks and whenever, which is what "deterministic" buys the tests."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from sqlite3 import Row
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sandbox import ids
from sandbox.storage import Storage

SCHEMA = """
CREATE TABLE IF NOT EXISTS ads_campaigns (
    campaign_id TEXT PRIMARY KEY, adv_id TEXT NOT NULL, position INTEGER NOT NULL, name TEXT NOT NULL,
    objective_type TEXT NOT NULL, budget TEXT NOT NULL, budget_mode TEXT NOT NULL,
    operation_status TEXT NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS ads_campaigns_adv ON ads_campaigns (adv_id, position);
"""
RESET_TABLES = ("ads_campaigns",)

# (name, objective, daily budget, status at creation)
DEMO_CAMPAIGNS: tuple[tuple[str, str, str, str], ...] = (
    ("Vendas de verão", "PRODUCT_SALES", "150.00", "ENABLE"),
    ("Tráfego para a loja", "TRAFFIC", "80.00", "ENABLE"),
    ("Alcance da marca", "REACH", "50.00", "DISABLE"),
)
# Days before "today" for which a campaign has figures (older days report nothing).
HISTORY_DAYS = 60


def _digest(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256(":".join(parts).encode()).digest()[:8], "big")


def campaign_id_for(adv_id: str, position: int) -> str:
    """19 digits, like TikTok's ids, derived from the ad account so every reset gives the same ids."""
    return str(1_800_000_000_000_000_000 + _digest("campaign", adv_id, str(position)) % 10**17)


def campaigns_ensure(storage: Storage, adv_id: str) -> None:
    """Idempotent: the demo campaigns of an ad account exist after this."""
    now = time.time()
    with storage.tx() as c:
        for position, (name, objective, budget, status) in enumerate(DEMO_CAMPAIGNS):
            c.execute(
                "INSERT OR IGNORE INTO ads_campaigns (campaign_id, adv_id, position, name, objective_type,"
                " budget, budget_mode, operation_status, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, 'BUDGET_MODE_DAY', ?, ?, ?)",
                (
                    campaign_id_for(adv_id, position),
                    adv_id,
                    position,
                    name,
                    objective,
                    budget,
                    status,
                    now,
                    now,
                ),
            )


def campaigns_of(storage: Storage, adv_id: str) -> list[Row]:
    campaigns_ensure(storage, adv_id)
    return storage.all("SELECT * FROM ads_campaigns WHERE adv_id = ? ORDER BY position", (adv_id,))


def campaign_view(row: Row) -> dict[str, Any]:
    status = row["operation_status"]
    return {
        "campaign_id": row["campaign_id"],
        "advertiser_id": row["adv_id"],
        "campaign_name": row["name"],
        "objective_type": row["objective_type"],
        # Money is a number in campaign/get/ (only report metrics are strings).
        "budget": float(row["budget"]),
        "budget_mode": row["budget_mode"],
        "operation_status": status,
        "secondary_status": "CAMPAIGN_STATUS_ENABLE" if status == "ENABLE" else "CAMPAIGN_STATUS_DISABLE",
        "create_time": ids.fmt_time(row["created_at"]),
        "modify_time": ids.fmt_time(row["updated_at"]),
    }


def campaigns_set_status(storage: Storage, adv_id: str, campaign_ids: list[str], status: str) -> list[str]:
    """The ids of `campaign_ids` that belong to the ad account, now in `status`."""
    changed = []
    now = time.time()
    with storage.tx() as c:
        for campaign_id in campaign_ids:
            cur = c.execute(
                "UPDATE ads_campaigns SET operation_status = ?, updated_at = ?"
                " WHERE campaign_id = ? AND adv_id = ?",
                (status, now, campaign_id, adv_id),
            )
            if cur.rowcount:
                changed.append(campaign_id)
    return changed


def account_today(timezone: str) -> date:
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return datetime.now(zone).date()


@dataclass(frozen=True)
class DayMetrics:
    spend: Decimal
    impressions: int
    clicks: int
    conversions: int

    def as_wire(self) -> dict[str, str]:
        """Report metrics are strings on the wire, ratios with TikTok's "-" when there is no base."""
        ctr = (Decimal(self.clicks) * 100 / self.impressions) if self.impressions else None
        cpc = (self.spend / self.clicks) if self.clicks else None
        cpa = (self.spend / self.conversions) if self.conversions else None
        return {
            "spend": f"{self.spend:.2f}",
            "impressions": str(self.impressions),
            "clicks": str(self.clicks),
            "ctr": f"{ctr:.2f}" if ctr is not None else "-",
            "cpc": f"{cpc:.2f}" if cpc is not None else "-",
            "conversion": str(self.conversions),
            "cost_per_conversion": f"{cpa:.2f}" if cpa is not None else "-",
        }


def day_metrics(campaign_id: str, day: date, budget: Decimal) -> DayMetrics:
    """A campaign's figures for one day: seeded by its id and the date, spend within its daily budget."""
    seed = _digest("metrics", campaign_id, day.isoformat())
    impressions = 800 + seed % 4200
    clicks = impressions * (1 + (seed >> 16) % 4) // 100
    conversions = clicks // 12 + (seed >> 24) % 3
    cents = int(budget * 100)
    spend_cents = cents // 2 + (seed >> 32) % max(cents // 2, 1)
    return DayMetrics(
        spend=Decimal(spend_cents) / 100, impressions=impressions, clicks=clicks, conversions=conversions
    )


def report_rows(storage: Storage, adv: Row, start: date, end: date) -> list[dict[str, Any]]:
    """The daily campaign report of an ad account, ordered by day then campaign (TikTok's order is not
    documented). Days after today (in the account's time zone) or older than HISTORY_DAYS have no row."""
    today = account_today(adv["timezone"])
    first = max(start, today - timedelta(days=HISTORY_DAYS))
    last = min(end, today)
    campaigns = campaigns_of(storage, adv["adv_id"])
    rows = []
    day = first
    while day <= last:
        for campaign in campaigns:
            metrics = day_metrics(campaign["campaign_id"], day, Decimal(campaign["budget"]))
            rows.append(
                {
                    "dimensions": {
                        "campaign_id": campaign["campaign_id"],
                        "stat_time_day": f"{day.isoformat()} 00:00:00",
                    },
                    "metrics": metrics.as_wire(),
                }
            )
        day += timedelta(days=1)
    return rows
