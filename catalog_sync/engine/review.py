"""TikTok's review: SKUs in review are polled (product/get, ≤1,000 per call) until each is available,
rejected (with TikTok's reason and suggestion) or filtered (its image: a detail the merchant must fix)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from integration.models import TikTokConnection
from integration.selectors import connection_is_active
from tiktok_api import AuthError, Product, RetryableError

from .. import clock, dirty
from ..models import SkuState, SyncStatus
from ..state import states_lock, states_update
from . import remote
from .runs import connection_auth_failed, run_stop
from .tunables import REVIEW_CHUNK


def review_apply(
    connection_id: int, products: Iterable[Product], asked: dict[str, int]
) -> tuple[int, list[int]]:
    """Apply product/get results (`asked`: sku_id → state row id), grouped so 1,000 SKUs cost a handful
    of statements. Returns (rows changed, ids TikTok did not return)."""
    now = clock.now()
    seen: set[str] = set()
    groups: dict[tuple[str, str, str, str, str], list[int]] = defaultdict(list)
    for p in products:
        row_id = asked.get(p.sku_id)
        if row_id is None:
            continue
        seen.add(p.sku_id)
        audit = (p.audit_status or "").lower()
        image = (p.image_status or "").upper()
        if audit == "approved":
            groups[(SyncStatus.AVAILABLE, audit, image, "", "")].append(row_id)
        elif audit == "rejected":
            info = p.rejected_info[0] if p.rejected_info else None
            reason = (info.reason if info else "")[:2000]
            suggestion = (info.suggestion if info else "")[:2000]
            groups[(SyncStatus.REJECTED, audit, image, reason, suggestion)].append(row_id)
        elif image == "FILTERED":
            groups[(SyncStatus.NEEDS_DETAILS, audit, image, "", "")].append(row_id)
        else:
            groups[("", audit, image, "", "")].append(row_id)
    changed = 0
    with transaction.atomic():
        states_lock(connection_id, [i for ids in groups.values() for i in ids])
        for (status, audit, image, reason, suggestion), ids in groups.items():
            common: dict[str, Any] = {"audit_status": audit, "image_status": image, "reviewed_at": now}
            if status == SyncStatus.REJECTED:
                common.update(reject_reason=reason, reject_suggestion=suggestion)
            if status == SyncStatus.NEEDS_DETAILS:
                common["problems"] = [{"field": "image", "code": "image_filtered", "params": {}}]
            if status:
                # Only rows still in review move (a newer edit may have re-queued one meanwhile).
                changed += states_update(
                    connection_id,
                    ids,
                    status=status,
                    only_if={
                        "batch__isnull": True,
                        "status__in": [SyncStatus.IN_REVIEW, SyncStatus.AVAILABLE],
                    },
                    **common,
                )
            else:
                states_update(connection_id, ids, only_if={"batch__isnull": True}, **common)
    missing = [row_id for sku, row_id in asked.items() if sku not in seen]
    return changed, missing


def products_fetch(client: Any, conn: TikTokConnection, sku_ids: list[str]) -> tuple[list[Product], int]:
    """TikTok's copy of these SKUs: every page of product/get, and how many requests it took."""
    products: list[Product] = []
    number = 1
    while True:
        page = client.product_get(
            conn.access_token,
            bc_id=conn.bc_id,
            catalog_id=conn.catalog_id,
            sku_ids=sku_ids,
            page=number,
            page_size=500,
        )
        products.extend(page.products)
        if number >= max(1, page.page_info.total_page):
            return products, number
        number += 1


def connection_poll_review(
    connection_id: int, *, statuses: Iterable[str] = (SyncStatus.IN_REVIEW,)
) -> dict[str, int]:
    """Ask TikTok for the review status of SKUs still in review (≤1,000 per call)."""
    conn = TikTokConnection.objects.filter(pk=connection_id).first()
    result = {"asked": 0, "changed": 0, "missing": 0, "left": 0}
    if conn is None or not conn.is_active:
        return result
    client = remote.tiktok_client()
    after = 0
    while True:
        rows = list(
            SkuState.objects.filter(
                connection_id=connection_id, status__in=list(statuses), batch__isnull=True, id__gt=after
            )
            .order_by("id")
            .values_list("id", "sku_id")[:REVIEW_CHUNK]
        )
        if not rows:
            break
        after = rows[-1][0]
        if not connection_is_active(connection_id):
            run_stop(connection_id)
            break
        asked = {str(s): i for i, s in rows}
        try:
            products, _requests = products_fetch(client, conn, list(asked))
        except AuthError as exc:
            connection_auth_failed(connection_id, exc)
            break
        except RetryableError:
            break
        changed, missing = review_apply(connection_id, products, asked)
        result["asked"] += len(asked)
        result["changed"] += changed
        if missing:
            # TikTok's feed log said SUCCESS but the product is not there: send it again.
            result["missing"] += len(missing)
            states_update(
                connection_id,
                missing,
                status=SyncStatus.QUEUED,
                accepted_hash="",
                dirty=True,
                # Out of the finished run's set: the next sweep puts it in the run that sends it again.
                run_id=None,
                only_if={"batch__isnull": True},
            )
            dirty.sweep_dispatch_on_commit(connection_id)
    result["left"] = SkuState.objects.filter(connection_id=connection_id, status=SyncStatus.IN_REVIEW).count()
    return result
