"""Reads for the TikTok page, the lists behind its numbers, and the ops report. Every read is bounded:
numbers come from counter rows, lists are keyset-paginated on an index."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection as db
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from core.models import Heartbeat
from integration.models import TikTokConnection
from store.catalog_links import catalog_fix_url
from store.models import Product, Sku

from . import schedule
from .models import BETWEEN_STATES, Bucket, CatalogCounter, CatalogExclusion, SkuState, SyncRun
from .validation import field_label, problem_message

BUCKET_KEYS: dict[str, int] = {
    "available": Bucket.AVAILABLE,
    "pending": Bucket.PENDING,
    "needs_details": Bucket.NEEDS_DETAILS,
    "rejected": Bucket.REJECTED,
}
PAGE_SIZE = 50


@dataclass(frozen=True)
class CatalogCounts:
    available: int = 0
    pending: int = 0
    needs_details: int = 0
    rejected: int = 0
    urls: dict[str, str] = field(default_factory=dict)


def catalog_counts(connection: TikTokConnection) -> CatalogCounts:
    """The page's four numbers: one indexed read of four counter rows, whatever the catalog size."""
    values = dict(CatalogCounter.objects.filter(connection=connection).values_list("bucket", "value"))
    account = connection.store.account
    urls = {key: reverse("catalog-list", kwargs={"account": account, "bucket": key}) for key in BUCKET_KEYS}
    return CatalogCounts(
        available=max(0, values.get(Bucket.AVAILABLE, 0)),
        pending=max(0, values.get(Bucket.PENDING, 0)),
        needs_details=max(0, values.get(Bucket.NEEDS_DETAILS, 0)),
        rejected=max(0, values.get(Bucket.REJECTED, 0)),
        urls=urls,
    )


@dataclass
class ListFilters:
    q: str = ""  # a SKU ID or product ID
    field: str = ""  # a missing field (needs_details)
    status: str = ""


def states_for_list(connection: TikTokConnection, bucket: int, filters: ListFilters) -> QuerySet[SkuState]:
    qs = SkuState.objects.filter(connection=connection, bucket=bucket)
    q = filters.q.strip()
    if q.isdigit():
        qs = qs.filter(Q(sku_id=int(q)) | Q(product_id=int(q)))
    elif q:
        qs = qs.none()
    if filters.field:
        qs = qs.filter(problems__contains=[{"field": filters.field}]) if _json_contains_supported() else qs
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs


def _json_contains_supported() -> bool:
    return db.vendor == "postgresql"


@dataclass
class ListRow:
    state: SkuState
    name: str
    sku_name: str
    product_id: int | None
    sku_id: int | None  # None once the SKU is deleted from the store
    fix_field: str  # the store's catalog form field to fix first ("" when none says)
    reasons: list[str]
    fields: list[str]
    fix_url: str = ""  # set by the view (it knows the store), for store admins only


# Problem field (or code) -> the field of the store's catalog forms (store.catalog_links) that fixes it.
FIX_FIELDS = {
    "title": "name",
    "description": "description",
    "brand": "brand",
    "category": "category",
    "image": "image",
    "price": "price",
    "color": "color",
    "size": "size",
    "availability": "stock",
    "product_inactive": "is_active",
    "sku_inactive": "is_active",
}
PRODUCT_CODES = frozenset({"product_inactive"})


def _fix_field(problems: list[dict[str, Any]]) -> str:
    for p in problems:
        name = FIX_FIELDS.get(p.get("code", "")) or FIX_FIELDS.get(p.get("field", ""))
        if name:
            return f"product:{name}" if p.get("code") in PRODUCT_CODES else name
    return ""


def row_fix_url(row: ListRow, account: str, price_policy_id: int | None, next_url: str) -> str:
    """The admin shell's catalog page for this row, focused on the field to fix."""
    field = row.fix_field
    if field == "price":
        field = f"price_{price_policy_id}" if price_policy_id else ""
    if field.startswith("product:") or field in ("name", "description", "brand", "category"):
        return catalog_fix_url(
            account,
            product_id=row.product_id,
            sku_id=None,
            field=field.removeprefix("product:"),
            next_url=next_url,
        )
    return catalog_fix_url(
        account, product_id=row.product_id, sku_id=row.sku_id, field=field, next_url=next_url
    )


@dataclass
class ListPage:
    rows: list[ListRow]
    next_after: int | None
    has_previous: bool


def list_page(
    connection: TikTokConnection, bucket: int, filters: ListFilters, *, after: int = 0, size: int = PAGE_SIZE
) -> ListPage:
    """One page, keyset-paginated by id (the same cost on page 1 and page 20,000)."""
    states = list(
        states_for_list(connection, bucket, filters).filter(id__gt=after).order_by("id")[: size + 1]
    )
    if filters.field and not _json_contains_supported():
        # SQLite has no JSON containment: filter this page in Python (small stores only).
        states = [s for s in states if any(p.get("field") == filters.field for p in s.problems or [])]
    more = len(states) > size
    states = states[:size]
    return ListPage(
        rows=rows_for(states), next_after=states[-1].pk if more and states else None, has_previous=after > 0
    )


def rows_for(states: list[SkuState]) -> list[ListRow]:
    skus = {
        s.pk: s for s in Sku.objects.filter(id__in=[st.sku_id for st in states]).select_related("product")
    }
    orphan_products = {
        p.pk: p
        for p in Product.objects.filter(
            id__in=[st.product_id for st in states if st.sku_id not in skus and st.product_id]
        )
    }
    rows: list[ListRow] = []
    for st in states:
        sku = skus.get(st.sku_id)
        product = sku.product if sku is not None else orphan_products.get(st.product_id or 0)
        reasons: list[str] = [problem_message(p) for p in st.problems or []]
        if st.reject_reason:
            reasons.append(st.reject_reason + (f" — {st.reject_suggestion}" if st.reject_suggestion else ""))
        elif st.last_error and st.bucket == Bucket.PENDING:
            reasons.append(st.last_error)
        rows.append(
            ListRow(
                state=st,
                name=product.name if product is not None else "",
                sku_name=sku.name if sku is not None else "",
                product_id=product.pk if product is not None else None,
                sku_id=sku.pk if sku is not None else None,
                fix_field=_fix_field(st.problems or []),
                reasons=reasons,
                fields=sorted({field_label(p.get("field", "")) for p in st.problems or [] if p.get("field")}),
            )
        )
    return rows


def iter_states(
    connection: TikTokConnection, bucket: int | None, filters: ListFilters, chunk: int = 2000
) -> Any:
    """Every matching row, in keyset chunks (CSV export, reports)."""
    after = 0
    while True:
        qs = SkuState.objects.filter(connection=connection)
        if bucket is not None:
            qs = states_for_list(connection, bucket, filters)
        states = list(qs.filter(id__gt=after).order_by("id")[:chunk])
        if not states:
            return
        after = states[-1].pk
        yield from rows_for(states)


@dataclass(frozen=True)
class RunSummary:
    id: int
    status: str
    trigger: str
    sealed: bool
    # Rows of this run's own set still waiting to be checked or sent, or for a feed log: 0 once completed.
    skus_between_states: int

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "trigger": self.trigger,
            "sealed": self.sealed,
            "skus_between_states": self.skus_between_states,
        }


def runs_summary(connection: TikTokConnection, limit: int = 3) -> list[RunSummary]:
    """The newest runs with how many rows of each one's set are still between states (an index probe)."""
    runs = SyncRun.objects.filter(connection=connection).order_by("-started_at", "-id")[:limit]
    return [
        RunSummary(
            id=r.pk,
            status=r.status,
            trigger=r.trigger,
            sealed=r.sealed_at is not None,
            skus_between_states=SkuState.objects.filter(BETWEEN_STATES, run_id=r.pk).count(),
        )
        for r in runs
    ]


@dataclass
class PanelData:
    connection: TikTokConnection
    runs: list[SyncRun]
    running: SyncRun | None
    last_finished: SyncRun | None
    next_scheduled_at: datetime | None
    chart: list[dict[str, Any]]
    chart_width: int
    exclusions: list[CatalogExclusion]


CHART_RUNS = 20


def next_scheduled_sync(now: datetime | None = None) -> datetime | None:
    """Beat's next delta sweep: the last one it ran plus its interval (None until beat ran once)."""
    beat = Heartbeat.objects.filter(name="catalog-sweep-all").first()
    if beat is None:
        return None
    interval = timedelta(seconds=schedule.SWEEP_SECONDS)
    nxt = beat.seen_at + interval
    now = now or timezone.now()
    while nxt < now:
        nxt += interval
    return nxt


def chart_points(runs: list[SyncRun]) -> list[dict[str, Any]]:
    """Bars for the last runs (oldest left): height by SKUs sent, class by outcome. Pure SVG data."""
    ordered = list(reversed(runs))
    peak = max([max(1, r.uploaded + r.deleted + r.failed) for r in ordered] or [1])
    width, height, gap = 14, 60, 4
    points = []
    for i, r in enumerate(ordered):
        total = r.uploaded + r.deleted + r.failed
        h = max(2, round(height * total / peak)) if total else 2
        points.append(
            {
                "x": i * (width + gap),
                "y": height - h,
                "w": width,
                "h": h,
                "run": r,
                "total": total,
                "css": f"chart-bar chart-bar--{r.status}",
            }
        )
    return points


def panel_data(connection: TikTokConnection) -> PanelData:
    runs = list(SyncRun.objects.filter(connection=connection).order_by("-started_at", "-id")[:CHART_RUNS])
    running = next((r for r in runs if r.status == "running"), None)
    last_finished = next((r for r in runs if r.finished_at is not None), None)
    exclusions = list(
        CatalogExclusion.objects.filter(store_id=connection.store_id).select_related("product", "category")[
            :200
        ]
    )
    return PanelData(
        connection=connection,
        runs=runs[:10],
        running=running,
        last_finished=last_finished,
        next_scheduled_at=next_scheduled_sync(),
        chart=chart_points(runs),
        chart_width=CHART_RUNS * 18,
        exclusions=exclusions,
    )
