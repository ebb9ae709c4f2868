"""pixel/list, Events API 2.0 (validation, dedup within 48 h) and the legacy pixel/track and pixel/batch."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.slow


def _event(event_id="order_1001", **overrides):
    item = {
        "event": "Purchase",
        "event_time": int(time.time()),
        "event_id": event_id,
        "user": {"email": "848a7714", "ip": "203.0.113.1", "user_agent": "Mozilla/5.0"},
        "properties": {
            "currency": "BRL",
            "value": 40.0,
            "contents": [{"content_id": "A-1", "quantity": 2, "price": 20.0}],
        },
        "page": {"url": "https://loja.example/checkout/obrigado"},
    }
    item.update(overrides)
    return item


def _track(api, conn, data, **extra):
    body = {
        "event_source": "web",
        "event_source_id": conn["pixel_code"],
        "partner_name": "VTEX",
        "data": data,
        **extra,
    }
    return api("POST", "event/track", token=conn["access_token"], body=body)


def test_pixel_list_reports_advanced_matching(sandbox, api):
    conn = sandbox.admin.connect("am-store", advanced_matching=True)
    result = api(
        "GET",
        "pixel/list",
        token=conn["access_token"],
        params={"advertiser_id": conn["adv_id"], "code": conn["pixel_code"]},
    )
    assert result["code"] == 0
    (pixel,) = result["data"]["pixels"]
    assert pixel["pixel_code"] == conn["pixel_code"]
    assert len(pixel["pixel_code"]) == 20 and pixel["pixel_code"].isalnum() and pixel["pixel_code"].isupper()
    assert pixel["advanced_matching_fields"] == {"email": True, "phone_number": True}
    assert pixel["activity_status"] == "ACTIVE"
    foreign = api(
        "GET", "pixel/list", token=conn["access_token"], params={"advertiser_id": "7299999999999999999"}
    )
    assert foreign["code"] == 40001


def test_event_track_dedups_on_pixel_event_and_event_id(sandbox, api, conn):
    first = _track(api, conn, [_event("o1"), _event("o2")])
    assert (first["code"], first["message"], first["data"]) == (0, "OK", {})
    assert _track(api, conn, [_event("o3")])["code"] == 0
    assert _track(api, conn, [_event("o1")])["code"] == 0
    _track(api, conn, [_event("o1", event="AddToCart")])
    events = sandbox.admin.events(conn["pixel_code"])
    summary = [(e["event"], e["event_id"], e["deduplicated"]) for e in events]
    assert summary == [
        ("Purchase", "o1", False),
        ("Purchase", "o2", False),
        ("Purchase", "o3", False),
        ("Purchase", "o1", True),
        ("AddToCart", "o1", False),
    ]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ([_event(event_time=int(time.time() * 1000))], "event_time"),
        ([_event(page={})], "page.url"),
        ([_event(page={"url": "not a url"})], "page.url"),
        ([{k: v for k, v in _event().items() if k != "event"}], "event"),
        ([], "data"),
        ([_event(f"e{i}") for i in range(1001)], "data"),
    ],
)
def test_event_track_rejects_whole_request(sandbox, api, conn, data, fragment):
    result = _track(api, conn, data)
    assert result["code"] == 40002
    assert fragment in result["message"]
    assert sandbox.admin.events() == []


def test_event_track_on_foreign_pixel_is_permission_error(sandbox, api, conn):
    body = {"event_source": "web", "event_source_id": "CZZZZZZZZZZZZZZZZZZZ", "data": [_event()]}
    result = api("POST", "event/track", token=conn["access_token"], body=body)
    assert (result["code"], result["message"]) == (
        40001,
        "You don't have permission to operate this pixel:CZZZZZZZZZZZZZZZZZZZ.",
    )
    assert sandbox.admin.events() == []


def test_legacy_pixel_track_and_batch(sandbox, api, conn):
    token = conn["access_token"]
    one = {
        "pixel_code": conn["pixel_code"],
        "event": "ViewContent",
        "event_id": "v1",
        "timestamp": "2026-08-01T12:00:00Z",
        "context": {"page": {"url": "https://loja.example/p/1"}},
    }
    assert api("POST", "pixel/track", token=token, body=one)["code"] == 0
    batch = {
        "pixel_code": conn["pixel_code"],
        "batch": [
            {"type": "track", "event": "ViewContent", "event_id": "v1", "timestamp": "2026-08-01T12:00:01Z"},
            {"type": "track", "event": "AddToCart", "event_id": "a1", "timestamp": "2026-08-01T12:00:02Z"},
        ],
    }
    assert api("POST", "pixel/batch", token=token, body=batch)["code"] == 0
    events = sandbox.admin.events(conn["pixel_code"])
    assert [(e["source"], e["event"], e["deduplicated"]) for e in events] == [
        ("pixel_track", "ViewContent", False),
        ("pixel_batch", "ViewContent", True),
        ("pixel_batch", "AddToCart", False),
    ]
    bad = api("POST", "pixel/track", token=token, body={**one, "timestamp": "yesterday"})
    assert bad["code"] == 40002


def test_dedup_window_is_48_hours_and_configurable(sandbox, api, conn):
    assert sandbox.admin.config()["event_dedup_seconds"] == 48 * 3600
    sandbox.admin.config(event_dedup_seconds=0)
    _track(api, conn, [_event("late")])
    _track(api, conn, [_event("late")])
    assert [e["deduplicated"] for e in sandbox.admin.events(conn["pixel_code"])] == [False, False]
