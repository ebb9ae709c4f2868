"""Replies that are not TikTok's envelope, and TikTok's codes 60001 / 61000.

A reply that is not the `{code, message, request_id, data}` envelope (an HTML page, truncated JSON, an
empty body, `[1,2,3]`, `"x"`, an object without an integer `code`) is a transport fault: a read is retried
inline like an HTTP 502 (bounded by the RetryPolicy) and then raised as `MalformedReplyError`, a
`RetryableError`; a catalog write is `WriteOutcomeUnknown` after one send, and the catalog lock stays held
until `write_ttl`. None of them is ever a `PermanentError` (which would be counted against the SKUs).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tiktok_api import (
    CatalogBusyError,
    FakeClock,
    MalformedReplyError,
    PermanentError,
    RetryableError,
    ThrottledError,
    TikTokClient,
    TikTokError,
    WriteOutcomeUnknown,
    error_class_for_code,
    error_for,
)
from tiktok_api.transport import Transport

from .conftest import BASE, TOKEN, envelope

OVERVIEW = f"{BASE}/open_api/v1.3/catalog/overview/"
UPLOAD = f"{BASE}/open_api/v1.3/catalog/product/upload/"
UPDATE = f"{BASE}/open_api/v1.3/catalog/product/update/"
DELETE = f"{BASE}/open_api/v1.3/catalog/product/delete/"
EVENT_TRACK = f"{BASE}/open_api/v1.3/event/track/"
ACCESS_TOKEN = f"{BASE}/open_api/v1.3/oauth2/access_token/"
CATALOG_CREATE = f"{BASE}/open_api/v1.3/catalog/create/"
CATALOG = "7300000000000000001"
MAX_ATTEMPTS = 5  # RetryPolicy() default: the client's existing bound

# The sandbox's `malformed` fault shapes (tests/sandbox/test_malformed_faults.py), byte for byte, plus the
# other non-envelope JSON the issue names. (body, content type); every one is sent with HTTP 200.
HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>502 Bad Gateway</h1><p>The upstream server returned an invalid response.</p></body></html>\n"
)
REAL_ENVELOPE = (
    b'{"code":0,"message":"OK","request_id":"202612030000000123abcdef","data":{"feed_log_id":"1"}}'
)
MALFORMED: dict[str, tuple[bytes, str]] = {
    "html_page": (HTML_PAGE, "text/html; charset=utf-8"),
    "truncated_json": (REAL_ENVELOPE[: len(REAL_ENVELOPE) // 2], "application/json"),
    "empty_body": (b"", "application/json"),
    "json_array": (b"[1,2,3]", "application/json"),
    "json_string": (b'"x"', "application/json"),
    "json_null": (b"null", "application/json"),
    "object_without_code": (b'{"message":"OK","request_id":"r-9","data":{}}', "application/json"),
    "code_not_an_integer": (b'{"code":"0","message":"OK","request_id":"r-9","data":{}}', "application/json"),
}
LOGID = "20261203000000000000malformed"
KINDS = sorted(MALFORMED)


def _reply(mocked: responses.RequestsMock, method: str, url: str, kind: str, status: int = 200) -> None:
    body, content_type = MALFORMED[kind]
    mocked.add(
        method, url, body=body, status=status, content_type=content_type, headers={"X-TT-LOGID": LOGID}
    )


def _overview(client: TikTokClient) -> Any:
    return client.catalog_overview(TOKEN, bc_id="7100000000000000001", catalog_id=CATALOG)


WRITES: dict[str, tuple[str, Callable[[TikTokClient], str]]] = {
    "upload": (
        UPLOAD,
        lambda c: c.product_upload(TOKEN, bc_id="1", catalog_id=CATALOG, products=[{"sku_id": "a"}]),
    ),
    "update": (
        UPDATE,
        lambda c: c.product_update(TOKEN, bc_id="1", catalog_id=CATALOG, products=[{"sku_id": "a"}]),
    ),
    "delete": (DELETE, lambda c: c.product_delete(TOKEN, bc_id="1", catalog_id=CATALOG, sku_ids=["a"])),
}


# ---------------------------------------------------------------- malformed replies to reads


@pytest.mark.parametrize("kind", KINDS)
def test_a_malformed_reply_to_a_read_is_retried_then_raised_as_retryable(
    client: TikTokClient, mocked: responses.RequestsMock, clock: FakeClock, kind: str
) -> None:
    _reply(mocked, "GET", OVERVIEW, kind)
    with pytest.raises(TikTokError) as info:
        _overview(client)
    error = info.value
    assert type(error) is MalformedReplyError
    assert isinstance(error, RetryableError) and error.retryable is True
    assert not isinstance(error, PermanentError | WriteOutcomeUnknown)
    assert (error.code, error.http_status, error.request_id) == (None, 200, LOGID)
    assert error.endpoint == "/open_api/v1.3/catalog/overview/"
    assert len(mocked.calls) == MAX_ATTEMPTS, "retried inline, bounded by the retry policy"
    assert len(clock.slept) == MAX_ATTEMPTS - 1
    for attempt, slept in enumerate(clock.slept, start=1):
        assert 2 ** (attempt - 1) / 2 <= slept <= 2 ** (attempt - 1), "the same backoff as a 502"


@pytest.mark.parametrize("kind", KINDS)
def test_a_malformed_reply_then_a_good_one_succeeds_with_exactly_two_calls(
    client: TikTokClient, mocked: responses.RequestsMock, clock: FakeClock, kind: str
) -> None:
    _reply(mocked, "GET", OVERVIEW, kind)
    mocked.get(OVERVIEW, json=envelope({"approved": 7}))
    assert _overview(client).approved == 7
    assert len(mocked.calls) == 2
    assert len(clock.slept) == 1


# (204 is left out: a 204 cannot carry a body; urllib3 reports one as a dropped transfer.)
@pytest.mark.parametrize("status", [201, 302])
def test_a_malformed_reply_under_another_non_failing_status_is_retryable_too(
    client: TikTokClient, mocked: responses.RequestsMock, status: int
) -> None:
    mocked.get(OVERVIEW, body="<html>proxy</html>", status=status, content_type="text/html")
    with pytest.raises(MalformedReplyError) as info:
        _overview(client)
    assert info.value.http_status == status
    assert len(mocked.calls) == MAX_ATTEMPTS


def test_an_idempotent_post_with_a_malformed_reply_is_retried_inline(
    client: TikTokClient, mocked: responses.RequestsMock
) -> None:
    _reply(mocked, "POST", EVENT_TRACK, "html_page")
    mocked.post(EVENT_TRACK, json=envelope())
    client.event_track(TOKEN, pixel_code="C" * 20, events=[{"event": "ViewContent"}], partner_name="P")
    assert len(mocked.calls) == 2, "event/track is deduplicated by TikTok: re-sending is safe"


@pytest.mark.parametrize(
    ("url", "call"),
    [
        (ACCESS_TOKEN, lambda c: c.oauth_access_token("single-use-auth-code")),
        (
            CATALOG_CREATE,
            lambda c: c.catalog_create(TOKEN, bc_id="1", name="Store", region_code="BR", currency="BRL"),
        ),
    ],
    ids=["oauth_access_token", "catalog_create"],
)
@pytest.mark.parametrize("kind", ["html_page", "truncated_json", "empty_body", "json_array"])
def test_a_malformed_reply_to_a_non_idempotent_call_is_retryable_but_not_resent(
    client: TikTokClient,
    mocked: responses.RequestsMock,
    url: str,
    call: Callable[[TikTokClient], object],
    kind: str,
) -> None:
    _reply(mocked, "POST", url, kind)
    with pytest.raises(MalformedReplyError):
        call(client)
    assert len(mocked.calls) == 1, "TikTok may have processed it (code consumed / catalog created)"


def test_a_malformed_reply_never_puts_the_body_in_the_error_or_the_log(
    client: TikTokClient, mocked: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    # A proxy page that echoes the request URL (whose query may carry the app secret).
    mocked.get(
        OVERVIEW,
        body=f"<html><body>Error for {OVERVIEW}?secret={TOKEN}</body></html>",
        status=200,
        content_type="text/html",
    )
    caplog.set_level("INFO", logger="tiktok_api")
    with pytest.raises(MalformedReplyError) as info:
        _overview(client)
    assert TOKEN not in str(info.value) and TOKEN not in caplog.text
    assert "not a TikTok envelope (not JSON, text/html)" in str(info.value)
    assert caplog.text.count("failure=malformed") == MAX_ATTEMPTS


# ---------------------------------------------------------------- malformed replies to catalog writes


@pytest.mark.parametrize("write", sorted(WRITES))
@pytest.mark.parametrize("kind", KINDS)
def test_a_malformed_reply_to_a_catalog_write_is_outcome_unknown_and_keeps_the_lock(
    client: TikTokClient, mocked: responses.RequestsMock, clock: FakeClock, kind: str, write: str
) -> None:
    url, send = WRITES[write]
    _reply(mocked, "POST", url, kind)
    with pytest.raises(TikTokError) as info:
        send(client)
    error = info.value
    assert type(error) is WriteOutcomeUnknown
    assert not isinstance(error, PermanentError), "never counted against the SKUs"
    assert error.retryable is False and (error.http_status, error.request_id) == (200, LOGID)
    assert "outcome unknown" in error.message
    assert len(mocked.calls) == 1, "a write TikTok may have applied is never re-sent blindly"
    holder = client.lock.holder(CATALOG)
    assert holder is not None and holder.feed_log_id is None, "lock kept (not released)"

    # Another write on the catalog waits for the lock and gives up without sending anything.
    with pytest.raises(CatalogBusyError):
        send(client)
    assert len(mocked.calls) == 1, "no second POST"
    assert [c.request.method for c in mocked.calls] == ["POST"]

    # The lock expires after write_ttl (counted from the first write's acquire).
    clock.advance(client.lock.write_ttl)
    assert client.lock.holder(CATALOG) is None


# ---------------------------------------------------------------- the one mapping and the transport


@pytest.mark.parametrize("status", [None, 200, 201, 204, 302])
def test_error_for_without_envelope_or_failing_status_is_malformed(status: int | None) -> None:
    assert type(error_for(http_status=status)) is MalformedReplyError
    assert type(error_for(http_status=status, write=True)) is WriteOutcomeUnknown


def _not_an_envelope() -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
    values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3), max_leaves=8)
    objects = st.dictionaries(st.sampled_from(["message", "request_id", "data", "codes"]), values, max_size=3)
    bad_code = (
        st.none() | st.booleans() | st.text(max_size=5) | st.floats(allow_nan=False) | st.lists(st.integers())
    )
    objects_with_bad_code = st.builds(lambda d, c: {**d, "code": c}, objects, bad_code)
    return values | objects | objects_with_bad_code


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=_not_an_envelope(), write=st.booleans(), status=st.sampled_from([200, 201, 302]))
def test_no_non_envelope_json_reply_is_ever_a_permanent_error(payload: Any, write: bool, status: int) -> None:
    transport = Transport(BASE, timeout=(1.0, 1.0))
    with responses.RequestsMock() as mocked:
        mocked.post(UPLOAD, json=payload, status=status)
        with pytest.raises(TikTokError) as info:
            transport.call("POST", "/open_api/v1.3/catalog/product/upload/", body={"a": 1}, write=write)
    assert type(info.value) is (WriteOutcomeUnknown if write else MalformedReplyError)


@settings(deadline=None, max_examples=60)
@given(body=st.binary(max_size=64).filter(lambda b: not b.strip().startswith((b"{", b"[", b'"'))))
def test_no_non_json_reply_is_ever_a_permanent_error(body: bytes) -> None:
    transport = Transport(BASE, timeout=(1.0, 1.0))
    with responses.RequestsMock() as mocked:
        mocked.get(OVERVIEW, body=body, status=200, content_type="application/json")
        with pytest.raises(TikTokError) as info:
            transport.call("GET", "/open_api/v1.3/catalog/overview/")
    assert isinstance(info.value, RetryableError) and not isinstance(info.value, PermanentError)


# ---------------------------------------------------------------- 60001 maintenance, 61000 too many requests


def test_code_60001_maintenance_is_retryable_and_61000_is_throttled() -> None:
    assert error_class_for_code(60001) is RetryableError
    assert error_class_for_code(61000) is ThrottledError
    assert type(error_for(code=60001, message="maintenance")) is RetryableError
    assert type(error_for(code=61000, message="too many requests")) is ThrottledError


def test_60001_maintenance_is_retried_then_raised_retryable(
    client: TikTokClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(OVERVIEW, json=envelope(code=60001, message="System maintenance", request_id="r-60001"))
    with pytest.raises(TikTokError) as info:
        _overview(client)
    assert type(info.value) is RetryableError
    assert not isinstance(info.value, PermanentError)
    assert (info.value.code, info.value.request_id) == (60001, "r-60001")
    assert len(mocked.calls) == MAX_ATTEMPTS


def test_60001_then_success_on_a_read(client: TikTokClient, mocked: responses.RequestsMock) -> None:
    mocked.get(OVERVIEW, json=envelope(code=60001, message="System maintenance"))
    mocked.get(OVERVIEW, json=envelope({"approved": 3}))
    assert _overview(client).approved == 3
    assert len(mocked.calls) == 2


def test_60001_on_a_write_is_a_refusal_retried_inline_and_the_lock_released(
    client: TikTokClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(UPLOAD, json=envelope(code=60001, message="System maintenance"))
    with pytest.raises(RetryableError) as info:
        WRITES["upload"][1](client)
    assert type(info.value) is RetryableError and info.value.code == 60001
    assert len(mocked.calls) == MAX_ATTEMPTS, "an envelope error means TikTok did not take the write"
    assert client.lock.holder(CATALOG) is None


def test_61000_too_many_requests_is_throttled_and_retried_inline(
    client: TikTokClient, mocked: responses.RequestsMock, clock: FakeClock
) -> None:
    mocked.get(OVERVIEW, json=envelope(code=61000, message="Too many requests"))
    with pytest.raises(TikTokError) as info:
        _overview(client)
    error = info.value
    assert type(error) is ThrottledError and not isinstance(error, PermanentError)
    assert error.code == 61000 and error.per_minute is False
    assert len(mocked.calls) == MAX_ATTEMPTS
    assert all(s >= 1.0 for s in clock.slept), "throttle waits are at least retry_after (1 s)"


def test_61000_then_success(client: TikTokClient, mocked: responses.RequestsMock) -> None:
    mocked.get(OVERVIEW, json=envelope(code=61000, message="Too many requests"))
    mocked.get(OVERVIEW, json=envelope({"approved": 2}))
    assert _overview(client).approved == 2
    assert len(mocked.calls) == 2


def test_61000_with_a_long_retry_after_header_is_raised_with_it(
    client: TikTokClient, mocked: responses.RequestsMock, clock: FakeClock
) -> None:
    mocked.get(
        OVERVIEW, json=envelope(code=61000, message="Too many requests"), headers={"Retry-After": "45"}
    )
    with pytest.raises(ThrottledError) as info:
        _overview(client)
    assert info.value.retry_after == 45.0
    assert len(mocked.calls) == 1, "45 s is over max_inline_wait: the caller schedules the retry"
    assert clock.slept == []


def test_61000_with_a_short_retry_after_waits_that_long_inline(
    client: TikTokClient, mocked: responses.RequestsMock, clock: FakeClock
) -> None:
    mocked.get(OVERVIEW, json=envelope(code=61000, message="Too many requests"), headers={"Retry-After": "7"})
    mocked.get(OVERVIEW, json=envelope({"approved": 1}))
    assert _overview(client).approved == 1
    assert clock.slept == [7.0]


def test_61000_with_an_http_date_retry_after(client: TikTokClient, mocked: responses.RequestsMock) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    mocked.get(
        OVERVIEW, json=envelope(code=61000, message="Too many requests"), headers={"Retry-After": when}
    )
    with pytest.raises(ThrottledError) as info:
        _overview(client)
    assert 100.0 <= info.value.retry_after <= 120.0


def test_http_429_without_envelope_keeps_its_retry_after(
    client: TikTokClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(OVERVIEW, body="Too Many Requests", status=429, headers={"Retry-After": "60"})
    with pytest.raises(ThrottledError) as info:
        _overview(client)
    assert info.value.retry_after == 60.0
    assert len(mocked.calls) == 1
