"""The error taxonomy: exact TikTok payloads through the client, and properties of the one mapping."""

from __future__ import annotations

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from tiktok_api import (
    NO_RETRY,
    AuthError,
    AuthReason,
    MalformedReplyError,
    MissingTokenError,
    PermanentError,
    RetryableError,
    ThrottledError,
    TikTokError,
    TikTokPermissionError,
    WriteConflictError,
    WriteOutcomeUnknown,
    error_class_for_code,
    error_for,
)
from tiktok_api.errors import AUTH_CODES, THROTTLE_CODES

from .conftest import BASE, TOKEN, envelope, fixture

CATALOG_GET = f"{BASE}/open_api/v1.3/catalog/get/"
UPLOAD = f"{BASE}/open_api/v1.3/catalog/product/upload/"
LEAF_CLASSES = {
    AuthError,
    MissingTokenError,
    TikTokPermissionError,
    ThrottledError,
    WriteConflictError,
    RetryableError,
    PermanentError,
}


def _catalog_get(client) -> None:
    client.catalog_get(TOKEN, bc_id="7100000000000000001")


def _raise_for(client, mocked, body: dict, status: int = 200) -> TikTokError:
    mocked.get(CATALOG_GET, json=body, status=status)
    with pytest.raises(TikTokError) as info:
        _catalog_get(client)
    return info.value


# ---------------------------------------------------------------- exact payloads


def test_revoked_token_payload_is_an_auth_error_that_says_revoked(make_client, mocked):
    client = make_client(retry=NO_RETRY)
    error = _raise_for(client, mocked, fixture("error_token_revoked.json")["response"])
    assert type(error) is AuthError
    assert error.reason is AuthReason.REVOKED
    assert error.code == 40105
    assert error.message == "Access token is incorrect or has been revoked."
    assert error.request_id == "202608131200000101..."
    assert error.endpoint == "/open_api/v1.3/catalog/get/"
    assert error.retryable is False


@pytest.mark.parametrize(("code", "reason"), [(40102, AuthReason.EXPIRED), (40106, AuthReason.INVALID)])
def test_expired_and_invalid_tokens_are_auth_errors_with_their_reason(client, mocked, code, reason):
    error = _raise_for(client, mocked, envelope(code=code, message="token trouble", request_id="r-7"))
    assert type(error) is AuthError
    assert error.reason is reason
    assert (error.code, error.message, error.request_id) == (code, "token trouble", "r-7")
    assert len(mocked.calls) == 1, "auth errors are never retried"


def test_missing_token_is_a_programming_error_not_an_auth_error(client, mocked):
    error = _raise_for(client, mocked, fixture("error_token_missing.json")["response"])
    assert type(error) is MissingTokenError
    assert not isinstance(error, AuthError)
    assert error.code == 40104
    assert error.message.startswith("Access token is null")
    assert len(mocked.calls) == 1


def test_permission_error_names_the_catalog_and_is_not_retried(client, mocked):
    error = _raise_for(client, mocked, fixture("error_permission_catalog.json")["response"])
    assert type(error) is TikTokPermissionError
    assert error.code == 40001
    assert error.message == "You don't have permission to operate this catalog:7300000000000000001."
    assert len(mocked.calls) == 1


def test_throttle_payload_is_retried_then_raised_as_throttled(client, mocked, clock):
    error = _raise_for(client, mocked, fixture("error_throttled.json")["response"])
    assert type(error) is ThrottledError
    assert error.code == 40100
    assert error.message == "App reaches the QPS limit."
    assert error.per_minute is False
    assert len(mocked.calls) == 5, "bounded: five tries in all"
    assert len(clock.slept) == 4


@pytest.mark.parametrize("code", [50000, 50002, 51305, 40200, 40201, 40700])
def test_server_and_not_ready_codes_are_retryable(client, mocked, code):
    error = _raise_for(client, mocked, envelope(code=code, message="busy", request_id="r-9"))
    assert type(error) is RetryableError
    assert (error.code, error.request_id) == (code, "r-9")
    assert len(mocked.calls) == 5


def test_write_conflict_is_its_own_retryable_class(make_client, mocked):
    client = make_client(retry=NO_RETRY)
    mocked.post(UPLOAD, json=envelope(code=40202, message="Write or update entity conflict"))
    with pytest.raises(WriteConflictError) as info:
        client.product_upload(TOKEN, bc_id="1", catalog_id="2", products=[{"sku_id": "a"}])
    assert info.value.retryable is True
    assert info.value.code == 40202
    assert client.lock.holder("2") is None, "a refused write releases our catalog lock"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (40002, "bc_id: Missing data for required field."),
        (40110, "The auth_code is canceled. Please re-authorize."),
        (40007, "object doesn't exist"),
        (40101, "app_id/secret mismatch"),
    ],
)
def test_other_codes_are_permanent_and_keep_code_message_request_id(client, mocked, code, message):
    error = _raise_for(client, mocked, envelope(code=code, message=message, request_id="r-2"))
    assert type(error) is PermanentError
    assert (error.code, error.message, error.request_id) == (code, message, "r-2")
    assert len(mocked.calls) == 1


def test_http_404_page_not_found_is_permanent(client, mocked):
    mocked.get(CATALOG_GET, body="404 page not found", status=404, content_type="text/plain")
    with pytest.raises(PermanentError) as info:
        _catalog_get(client)
    assert info.value.http_status == 404
    assert info.value.code is None
    assert info.value.message == "404 page not found"
    assert len(mocked.calls) == 1


def test_http_500_without_envelope_is_retryable(client, mocked):
    mocked.get(CATALOG_GET, body="Internal Server Error", status=500, content_type="text/plain")
    with pytest.raises(RetryableError) as info:
        _catalog_get(client)
    assert type(info.value) is RetryableError
    assert info.value.http_status == 500
    assert len(mocked.calls) == 5


def test_envelope_code_wins_over_http_status(client, mocked):
    error = _raise_for(client, mocked, envelope(code=40105, message="revoked"), status=500)
    assert type(error) is AuthError


def test_connection_refused_is_retryable(client, mocked):
    mocked.get(CATALOG_GET, body=requests.exceptions.ConnectionError("refused"))
    with pytest.raises(RetryableError):
        _catalog_get(client)
    assert len(mocked.calls) == 5


def test_read_timeout_on_a_read_is_retryable(client, mocked):
    mocked.get(CATALOG_GET, body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(RetryableError):
        _catalog_get(client)
    assert len(mocked.calls) == 5


def test_read_timeout_on_a_catalog_write_is_outcome_unknown_and_not_resent(client, mocked):
    mocked.post(UPLOAD, body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(WriteOutcomeUnknown) as info:
        client.product_upload(TOKEN, bc_id="1", catalog_id="2", products=[{"sku_id": "a"}])
    assert not isinstance(info.value, RetryableError)
    assert info.value.retryable is False
    assert len(mocked.calls) == 1, "a timed-out write is never blindly re-sent"
    holder = client.lock.holder("2")
    assert holder is not None and holder.feed_log_id is None, "lock kept until it expires"


def test_success_with_partial_code_20001_is_not_an_error(client, mocked):
    mocked.get(CATALOG_GET, json=envelope({"list": [], "page_info": {}}, code=20001, message="partial"))
    page = client.catalog_get(TOKEN, bc_id="1")
    assert page.catalogs == ()


def test_not_json_http_200_is_a_retryable_malformed_reply(client, mocked):
    # Was PermanentError; a mangled reply is a transport fault (see test_malformed_replies.py).
    mocked.get(CATALOG_GET, body="<html>proxy</html>", status=200, content_type="text/html")
    with pytest.raises(MalformedReplyError) as info:
        _catalog_get(client)
    assert not isinstance(info.value, PermanentError)
    assert len(mocked.calls) == 5


# ---------------------------------------------------------------- properties of the mapping


@settings(deadline=None)
@given(st.integers(min_value=1, max_value=10**6))
def test_every_code_maps_to_exactly_one_leaf_class(code):
    cls = error_class_for_code(code)
    assert cls in LEAF_CLASSES
    error = error_for(code=code, message="m")
    assert type(error) is cls


@settings(deadline=None)
@given(st.sampled_from(sorted(AUTH_CODES)), st.text(max_size=40), st.integers(100, 599))
def test_auth_codes_are_never_retryable_whatever_the_http_status(code, message, status):
    error = error_for(code=code, message=message, http_status=status)
    assert isinstance(error, AuthError)
    assert error.retryable is False


@settings(deadline=None)
@given(st.integers(min_value=1, max_value=10**6).filter(lambda c: c not in AUTH_CODES))
def test_only_auth_codes_give_auth_errors(code):
    assert not isinstance(error_for(code=code), AuthError)


@settings(deadline=None)
@given(st.integers(min_value=50000, max_value=59999))
def test_all_5xxxx_codes_are_retryable(code):
    assert error_for(code=code).retryable is True


@settings(deadline=None)
@given(st.sampled_from(sorted(THROTTLE_CODES)), st.text(max_size=60))
def test_throttle_codes_are_throttled_and_minute_breaches_pause_five_minutes(code, message):
    error = error_for(code=code, message=message)
    assert isinstance(error, ThrottledError)
    minute = "minute" in message.lower() or "qpm" in message.lower()
    assert error.per_minute is minute
    if minute:
        assert error.retry_after == 300.0


@settings(deadline=None)
@given(st.integers(min_value=400, max_value=499).filter(lambda s: s != 429))
def test_http_4xx_without_envelope_is_permanent(status):
    assert type(error_for(http_status=status)) is PermanentError


@settings(deadline=None)
@given(st.integers(min_value=500, max_value=599))
def test_http_5xx_without_envelope_is_retryable_for_reads(status):
    assert type(error_for(http_status=status)) is RetryableError


@settings(deadline=None)
@given(st.sampled_from(["timeout", "dropped", "connect"]), st.booleans())
def test_transport_failures(kind, write):
    error = error_for(transport_failure=kind, write=write)
    if write and kind != "connect":
        assert type(error) is WriteOutcomeUnknown
    else:
        assert type(error) is RetryableError


def test_minute_breach_pauses_the_endpoint_for_every_caller(client, mocked, clock):
    mocked.post(
        UPLOAD, json=envelope(code=40100, message="Requests per minute limit reached for current path")
    )
    with pytest.raises(ThrottledError) as info:
        client.product_upload(TOKEN, bc_id="1", catalog_id="2", products=[{"sku_id": "a"}])
    assert info.value.per_minute is True
    assert info.value.retry_after == 300.0
    assert len(mocked.calls) == 1, "not retried inline"
    wait = client.rate_limiter.try_acquire("catalog/product/upload", "other-catalog")
    assert 299.0 < wait <= 300.1
    assert client.rate_limiter.try_acquire("catalog/get", "other-catalog") == 0.0, (
        "other endpoints unaffected"
    )
    clock.advance(300.1)
    assert client.rate_limiter.try_acquire("catalog/product/upload", "other-catalog") == 0.0


def test_error_str_carries_code_and_request_id_but_no_url():
    error = error_for(code=40002, message="bad", request_id="r-1", endpoint="/open_api/v1.3/catalog/get/")
    assert str(error) == "bad code=40002 endpoint=/open_api/v1.3/catalog/get/ request_id=r-1"
