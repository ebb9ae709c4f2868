"""TikTok's ads routes: `advertiser/info/`, `campaign/get/`, `campaign/status/update/` and
`report/integrated/get/` (BASIC / AUCTION / AUCTION_CAMPAIGN by campaign_id and stat_time_day), plus the
admin routes tests read the expected figures from (`/_sandbox/ads/...`).

Permissions follow the Business Center role, as the catalog routes do: any member reads, only an ADMIN
switches a campaign; an ad account the token's user cannot reach answers 40001."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from sqlite3 import Row
from typing import Any

from werkzeug.wrappers import Request

from sandbox import ads, model
from sandbox.core import SandboxApp
from sandbox.web import ApiContext, ApiError, admin_api, json_body

MAX_PAGE_SIZE = 1000
MAX_REPORT_DAYS = 365
STATUSES = ("ENABLE", "DISABLE")
ALLOWED_METRICS = frozenset(
    ("spend", "impressions", "clicks", "ctr", "cpc", "conversion", "cost_per_conversion")
)


def _advertiser_checked(ctx: ApiContext, adv_id: str, *, admin: bool = False) -> Row:
    adv = model.advertiser_for_user(ctx.storage, ctx.user_id, adv_id)
    if adv is None or (admin and adv["role"] != "ADMIN"):
        raise ApiError(40001, f"You don't have permission to operate this advertiser:{adv_id}.")
    return adv


def _page(ctx: ApiContext, name: str, default: int, high: int) -> int:
    raw = ctx.arg(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError) as exc:
        raise ApiError(40002, f"{name}: Not a valid integer.") from exc
    if not 1 <= value <= high:
        raise ApiError(40002, f"{name}: Must be between 1 and {high}.")
    return value


def _paged(items: list[Any], page: int, page_size: int) -> tuple[list[Any], dict[str, int]]:
    total = len(items)
    start = (page - 1) * page_size
    info = {
        "page": page,
        "page_size": page_size,
        "total_number": total,
        "total_page": (total + page_size - 1) // page_size,
    }
    return items[start : start + page_size], info


def advertiser_info(ctx: ApiContext) -> dict[str, Any]:
    adv_ids = ctx.json_arg("advertiser_ids")
    if not isinstance(adv_ids, list) or not adv_ids:
        raise ApiError(40002, "advertiser_ids: Missing data for required field.")
    rows = [_advertiser_checked(ctx, str(a)) for a in adv_ids]
    return {
        "list": [
            {
                "advertiser_id": r["adv_id"],
                "name": r["name"],
                "currency": r["currency"],
                "timezone": r["timezone"],
                "display_timezone": r["timezone"],
                "status": "STATUS_ENABLE",
            }
            for r in rows
        ]
    }


def campaign_get(ctx: ApiContext) -> dict[str, Any]:
    adv_id = ctx.require("advertiser_id")
    _advertiser_checked(ctx, adv_id)
    page = _page(ctx, "page", 1, 10**6)
    page_size = _page(ctx, "page_size", 10, MAX_PAGE_SIZE)
    filtering = ctx.json_arg("filtering") or {}
    if not isinstance(filtering, dict):
        raise ApiError(40002, "filtering: Not a valid object.")
    views = [ads.campaign_view(r) for r in ads.campaigns_of(ctx.storage, adv_id)]
    wanted = filtering.get("campaign_ids")
    if isinstance(wanted, list):
        views = [v for v in views if v["campaign_id"] in {str(w) for w in wanted}]
    if filtering.get("objective_type"):
        views = [v for v in views if v["objective_type"] == filtering["objective_type"]]
    if filtering.get("secondary_status"):
        views = [v for v in views if v["secondary_status"] == filtering["secondary_status"]]
    items, info = _paged(views, page, page_size)
    return {"list": items, "page_info": info}


def campaign_status_update(ctx: ApiContext) -> dict[str, Any]:
    adv_id = ctx.require("advertiser_id")
    status = ctx.require("operation_status")
    if status not in STATUSES:
        raise ApiError(40002, "operation_status: Must be one of: ENABLE, DISABLE.")
    campaign_ids = ctx.body.get("campaign_ids")
    if not isinstance(campaign_ids, list) or not 1 <= len(campaign_ids) <= 20:
        raise ApiError(40002, "campaign_ids: Length must be between 1 and 20.")
    _advertiser_checked(ctx, adv_id, admin=True)
    known = {r["campaign_id"] for r in ads.campaigns_of(ctx.storage, adv_id)}
    unknown = [str(c) for c in campaign_ids if str(c) not in known]
    if unknown:
        raise ApiError(40002, f"campaign_ids: Campaign {unknown[0]} does not exist.")
    changed = ads.campaigns_set_status(ctx.storage, adv_id, [str(c) for c in campaign_ids], status)
    return {"campaign_ids": changed}


def _date_arg(ctx: ApiContext, name: str) -> date:
    raw = ctx.require(name)
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ApiError(40002, f"{name}: Not a valid date (YYYY-MM-DD).") from exc


def report_integrated_get(ctx: ApiContext) -> dict[str, Any]:
    if ctx.require("report_type") != "BASIC":
        raise ApiError(40002, "report_type: only BASIC is emulated.")
    if (ctx.arg("service_type") or "AUCTION") != "AUCTION":
        raise ApiError(40002, "service_type: only AUCTION is emulated.")
    if ctx.arg("data_level") != "AUCTION_CAMPAIGN":
        raise ApiError(40002, "data_level: only AUCTION_CAMPAIGN is emulated.")
    dimensions = ctx.json_arg("dimensions")
    if sorted(dimensions or []) != ["campaign_id", "stat_time_day"]:
        raise ApiError(40002, "dimensions: only [campaign_id, stat_time_day] is emulated.")
    metrics = ctx.json_arg("metrics") or []
    if not isinstance(metrics, list) or not set(metrics) <= ALLOWED_METRICS:
        raise ApiError(40002, "metrics: Unknown metric.")
    start, end = _date_arg(ctx, "start_date"), _date_arg(ctx, "end_date")
    if end < start or (end - start).days >= MAX_REPORT_DAYS:
        raise ApiError(40002, f"end_date: The range must be 1 to {MAX_REPORT_DAYS} days.")
    adv_id = ctx.require("advertiser_id")
    adv = _advertiser_checked(ctx, adv_id)
    page = _page(ctx, "page", 1, 10**6)
    page_size = _page(ctx, "page_size", 10, MAX_PAGE_SIZE)
    rows = ads.report_rows(ctx.storage, adv, start, end)
    for row in rows:
        row["metrics"] = {k: v for k, v in row["metrics"].items() if k in metrics}
    items, info = _paged(rows, page, page_size)
    return {"list": items, "page_info": info}


# -- admin -------------------------------------------------------------------------------------------


def admin_campaigns(app: SandboxApp, request: Request) -> dict[str, Any]:
    """The ad account's campaigns with their figures per day and summed over [start, end] (account days)."""
    adv_id = request.args["adv_id"]
    adv = app.storage.one("SELECT * FROM advertisers WHERE adv_id = ?", (adv_id,))
    if adv is None:
        raise ValueError("unknown ad account")
    today = ads.account_today(adv["timezone"])
    end = date.fromisoformat(request.args.get("end") or today.isoformat())
    start = date.fromisoformat(request.args.get("start") or (end - timedelta(days=6)).isoformat())
    out = []
    rows = ads.report_rows(app.storage, adv, start, end)
    for campaign in ads.campaigns_of(app.storage, adv_id):
        view = ads.campaign_view(campaign)
        days = [r for r in rows if r["dimensions"]["campaign_id"] == campaign["campaign_id"]]
        view["totals"] = {
            "spend": f"{sum((Decimal(d['metrics']['spend']) for d in days), Decimal(0)):.2f}",
            "impressions": sum(int(d["metrics"]["impressions"]) for d in days),
            "clicks": sum(int(d["metrics"]["clicks"]) for d in days),
            "conversions": sum(int(d["metrics"]["conversion"]) for d in days),
        }
        view["days"] = [{"day": d["dimensions"]["stat_time_day"][:10], **d["metrics"]} for d in days]
        out.append(view)
    return {
        "currency": adv["currency"],
        "timezone": adv["timezone"],
        "start": start.isoformat(),
        "end": end.isoformat(),
        "campaigns": out,
    }


def admin_role(app: SandboxApp, request: Request) -> dict[str, Any]:
    """Test shortcut: make a user ADMIN or STANDARD of a Business Center (who may switch campaigns)."""
    body = json_body(request)
    role = str(body["role"])
    if role not in ("ADMIN", "STANDARD"):
        raise ValueError("role must be ADMIN or STANDARD")
    user = app.storage.one("SELECT user_id FROM users WHERE email = ?", (str(body["email"]),))
    if user is None:
        raise ValueError("unknown user")
    n = app.storage.execute(
        "UPDATE bc_members SET role = ? WHERE bc_id = ? AND user_id = ?",
        (role, str(body["bc_id"]), user["user_id"]),
    )
    return {"updated": n}


def register(app: SandboxApp) -> None:
    app.add_schema(ads.SCHEMA, ads.RESET_TABLES)
    app.add_api_route("advertiser/info", advertiser_info, methods=("GET",))
    app.add_api_route("campaign/get", campaign_get, methods=("GET",))
    app.add_api_route("campaign/status/update", campaign_status_update)
    app.add_api_route("report/integrated/get", report_integrated_get, methods=("GET",))
    app.add_route("/_sandbox/ads/campaigns", "admin:ads-campaigns", admin_api(admin_campaigns), ("GET",))
    app.add_route("/_sandbox/ads/role", "admin:ads-role", admin_api(admin_role), ("POST",))
