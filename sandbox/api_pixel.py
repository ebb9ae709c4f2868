"""Pixel metadata and the Events API (2.0 `event/track/`, legacy `pixel/track/` and `pixel/batch/`) (§4)."""

from __future__ import annotations

import time
from datetime import datetime
from sqlite3 import Row
from typing import Any
from urllib.parse import urlparse

from sandbox import ids, model
from sandbox.core import SandboxApp
from sandbox.storage import dumps
from sandbox.web import ApiContext, ApiError

MAX_EVENTS = 1000
# Unix seconds up to year 2286; a value above this is almost certainly milliseconds.
MAX_EVENT_TIME = 9_999_999_999


def _pixel_checked(ctx: ApiContext, pixel_code: str) -> Row:
    pixel = model.pixel_for_user(ctx.storage, ctx.user_id, pixel_code)
    if pixel is None:
        raise ApiError(40001, f"You don't have permission to operate this pixel:{pixel_code}.")
    return pixel


def pixel_view(row: Any) -> dict[str, Any]:
    return {
        "pixel_id": row["pixel_id"],
        "pixel_code": row["pixel_code"],
        "pixel_name": row["name"],
        "pixel_setup_mode": "DEVELOPER",
        "partner_name": row["partner_name"],
        "advanced_matching_fields": {"email": bool(row["am_email"]), "phone_number": bool(row["am_phone"])},
        "automatic_advanced_matching_fields": {"email": False, "phone_number": False},
        "activity_status": "ACTIVE",
        "create_time": ids.fmt_time(row["created_at"]),
        "events": [],
    }


def pixel_list(ctx: ApiContext) -> dict[str, Any]:
    adv_id = ctx.require("advertiser_id")
    if model.advertiser_for_user(ctx.storage, ctx.user_id, adv_id) is None:
        raise ApiError(40001, f"You don't have permission to operate this advertiser:{adv_id}.")
    params: list[Any] = [adv_id]
    where = "adv_id = ?"
    code = ctx.arg("code")
    if code:
        where += " AND pixel_code = ?"
        params.append(str(code))
    rows = ctx.storage.all(f"SELECT * FROM pixels WHERE {where} ORDER BY created_at", params)  # noqa: S608
    return {
        "pixels": [pixel_view(r) for r in rows],
        "page_info": {"page": 1, "page_size": max(len(rows), 1), "total_number": len(rows), "total_page": 1},
    }


def _store_events(ctx: ApiContext, pixel_code: str, source: str, events: list[dict[str, Any]]) -> None:
    now = time.time()
    with ctx.storage.tx() as c:
        for event in events:
            event_id = event.get("event_id")
            duplicate = False
            if event_id not in (None, ""):
                duplicate = (
                    c.execute(
                        "SELECT 1 FROM events WHERE pixel_code = ? AND event = ? AND event_id = ? AND "
                        "received_at > ?"
                        " AND deduplicated = 0 LIMIT 1",
                        (
                            pixel_code,
                            event["event"],
                            str(event_id),
                            now - float(ctx.config["event_dedup_seconds"]),
                        ),
                    ).fetchone()
                    is not None
                )
            c.execute(
                "INSERT INTO events (pixel_code, event, event_id, source, event_time, received_at, payload,"
                " deduplicated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    pixel_code,
                    event["event"],
                    None if event_id in (None, "") else str(event_id),
                    source,
                    event.get("_time"),
                    now,
                    dumps({k: v for k, v in event.items() if k != "_time"}),
                    int(duplicate),
                ),
            )


def _check_url(value: Any, field: str) -> None:
    if not isinstance(value, str) or not value:
        raise ApiError(40002, f"{field}: Missing data for required field.")
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ApiError(40002, f"{field}: Not a valid URL.")


def event_track(ctx: ApiContext) -> dict[str, Any]:
    source = ctx.require("event_source")
    if source not in ("web", "app", "offline", "crm"):
        raise ApiError(40002, "event_source: Must be one of: web, app, offline, crm.")
    pixel_code = ctx.require("event_source_id")
    data = ctx.body.get("data")
    if not isinstance(data, list) or not 1 <= len(data) <= MAX_EVENTS:
        raise ApiError(40002, f"data: Length must be between 1 and {MAX_EVENTS}.")
    events = []
    for i, event in enumerate(data):
        if not isinstance(event, dict):
            raise ApiError(40002, f"data[{i}]: Not a valid object.")
        if not event.get("event") or not isinstance(event["event"], str):
            raise ApiError(40002, f"data[{i}].event: Missing data for required field.")
        event_time = event.get("event_time")
        if (
            isinstance(event_time, bool)
            or not isinstance(event_time, int)
            or not 0 < event_time <= MAX_EVENT_TIME
        ):
            raise ApiError(40002, f"data[{i}].event_time: Must be a Unix timestamp in seconds.")
        if source == "web":
            page = event.get("page")
            _check_url(page.get("url") if isinstance(page, dict) else None, f"data[{i}].page.url")
        events.append({**event, "_time": float(event_time)})
    _pixel_checked(ctx, pixel_code)
    _store_events(ctx, pixel_code, "events_api", events)
    return {}


def _legacy_event(ctx: ApiContext, raw: Any, field: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ApiError(40002, f"{field}: Not a valid object.")
    if not raw.get("event") or not isinstance(raw["event"], str):
        raise ApiError(40002, f"{field}.event: Missing data for required field.")
    stamp = raw.get("timestamp")
    when = None
    if stamp not in (None, ""):
        try:
            when = datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).timestamp()
        except ValueError as exc:
            raise ApiError(40002, f"{field}.timestamp: Must be an ISO 8601 date-time.") from exc
    context = raw.get("context")
    page = context.get("page") if isinstance(context, dict) else None
    if isinstance(page, dict) and page.get("url") is not None:
        _check_url(page.get("url"), f"{field}.context.page.url")
    return {**raw, "_time": when}


def pixel_track(ctx: ApiContext) -> dict[str, Any]:
    pixel_code = ctx.require("pixel_code")
    event = _legacy_event(ctx, ctx.body, "body")
    _pixel_checked(ctx, pixel_code)
    _store_events(ctx, pixel_code, "pixel_track", [event])
    return {}


def pixel_batch(ctx: ApiContext) -> dict[str, Any]:
    pixel_code = ctx.require("pixel_code")
    batch = ctx.body.get("batch")
    if not isinstance(batch, list) or not 1 <= len(batch) <= MAX_EVENTS:
        raise ApiError(40002, f"batch: Length must be between 1 and {MAX_EVENTS}.")
    events = [_legacy_event(ctx, item, f"batch[{i}]") for i, item in enumerate(batch)]
    _pixel_checked(ctx, pixel_code)
    _store_events(ctx, pixel_code, "pixel_batch", events)
    return {}


def register(app: SandboxApp) -> None:
    app.add_api_route("pixel/list", pixel_list, methods=("GET",))
    app.add_api_route("event/track", event_track)
    app.add_api_route("pixel/track", pixel_track)
    app.add_api_route("pixel/batch", pixel_batch)
