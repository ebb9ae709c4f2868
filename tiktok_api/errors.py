"""The one error taxonomy for TikTok Business API calls.

Every failure a caller can see is a `TikTokError` subclass, and the class is decided in exactly one
place: `error_for()` (from the envelope `code`, the HTTP status, or a transport failure). TikTok answers
almost everything with HTTP 200 and puts the outcome in the envelope `code`, so the code wins; the HTTP
status only matters when there is no envelope. A reply that is not an envelope at all (an HTML page, truncated
JSON, an empty body, JSON that is not an object with an integer `code`) under a status that does not say
what went wrong is a transport fault: `MalformedReplyError` (retryable), or `WriteOutcomeUnknown` for a
catalog write, which TikTok may have applied.

Reference: /work/shared/reference/tiktok-api.md §2.4 (auth codes) and §5 (throttling and retries); TikTok's
own code table (tiktok-openapi/README.md) for 60001 "maintenance" and 61000 "too many requests".
"""

from __future__ import annotations

import enum

# Codes listed in the reference; anything not listed falls through to PermanentError.
AUTH_CODES: dict[int, str] = {40105: "revoked", 40102: "expired", 40106: "invalid"}
MISSING_TOKEN_CODE = 40104
PERMISSION_CODE = 40001
# 61000 "too many requests" (TikTok's SDK code table).
THROTTLE_CODES = frozenset({40100, 40016, 40133, 40132, 61000})
WRITE_CONFLICT_CODE = 40202
# 60001 "maintenance" (TikTok's SDK code table; reference §5 lists it as retryable).
RETRYABLE_CODES = frozenset({40200, 40201, 40700, 60001})

# A per-minute (QPM) breach costs a pause of about five minutes at TikTok (reference §5).
MINUTE_BREACH_PAUSE_SECONDS = 300.0


class AuthReason(enum.StrEnum):
    REVOKED = "revoked"  # 40105: incorrect or revoked token (also what a suspended account answers)
    EXPIRED = "expired"  # 40102
    INVALID = "invalid"  # 40106: core user invalid / token no longer valid for the advertiser


class TikTokError(Exception):
    """Base class. `retryable` tells a caller whether sending the same request later may succeed."""

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        request_id: str = "",
        endpoint: str = "",
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.request_id = request_id
        self.endpoint = endpoint
        self.http_status = http_status

    def __str__(self) -> str:
        parts = [self.message]
        if self.code is not None:
            parts.append(f"code={self.code}")
        if self.http_status is not None:
            parts.append(f"http={self.http_status}")
        if self.endpoint:
            parts.append(f"endpoint={self.endpoint}")
        if self.request_id:
            parts.append(f"request_id={self.request_id}")
        return " ".join(parts)


class AuthError(TikTokError):
    """The access token is revoked, expired or invalid: callers turn this into an automatic disconnect
    (`integration.services.connection_auto_disconnect`). Never retried."""

    def __init__(self, message: str, *, reason: AuthReason, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.reason = reason


class MissingTokenError(TikTokError):
    """40104: no Access-Token was sent. A programming error on our side, never a disconnect."""


class TikTokPermissionError(TikTokError):
    """40001: the token is valid but cannot operate this object. On the connection's own catalog or
    pixel it means setup must be re-run; retrying will not help."""


class RetryableError(TikTokError):
    """Server-side or transport trouble: the same request may succeed later (5xxxx codes, 40200/40201/
    40700, HTTP 5xx, connection errors before the request was sent)."""

    retryable = True


class MalformedReplyError(RetryableError):
    """The reply was not TikTok's envelope (an HTML page, truncated JSON, an empty body, JSON that is not an
    object with an integer `code`) although its HTTP status did not report a failure: a proxy or transport
    fault, retried like an HTTP 502. Only for calls that may safely be sent again; a catalog write answered
    this way is `WriteOutcomeUnknown` instead."""


class ThrottledError(RetryableError):
    """TikTok (or our own limiter) says slow down. `per_minute` marks a QPM breach, which TikTok punishes
    with a pause of about five minutes; `retry_after` is the suggested wait in seconds."""

    def __init__(
        self, message: str, *, per_minute: bool = False, retry_after: float = 1.0, **kwargs: object
    ) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.per_minute = per_minute
        self.retry_after = MINUTE_BREACH_PAUSE_SECONDS if per_minute else retry_after


class WriteConflictError(RetryableError):
    """40202: another write is in progress on this catalog (TikTok allows one at a time)."""


class CatalogBusyError(RetryableError):
    """Raised locally, before sending: our own catalog lock is held by another write whose feed log is
    still WAITING/PROCESSING. Nothing was sent; retry after `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: float = 5.0, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class WriteOutcomeUnknown(TikTokError):
    """A catalog write (upload/update/delete) timed out or the connection dropped after the request was
    sent: TikTok may or may not have accepted it. It is NOT retryable as-is: the caller must check the
    catalog (product get / the feed log) before writing again. The catalog lock stays held until its TTL
    runs out so a blind re-send cannot collide with a write TikTok is still processing."""


class PermanentError(TikTokError):
    """Everything else: bad parameters, unknown objects, bad auth_code, HTTP 4xx. Not retryable."""


def _auth_reason(code: int) -> AuthReason:
    return AuthReason(AUTH_CODES[code])


def _is_minute_breach(message: str) -> bool:
    lowered = message.lower()
    return "minute" in lowered or "qpm" in lowered


def error_class_for_code(code: int) -> type[TikTokError]:
    """The class an envelope `code` (non-zero) maps to. Total: every int maps to exactly one class."""
    if code in AUTH_CODES:
        return AuthError
    if code == MISSING_TOKEN_CODE:
        return MissingTokenError
    if code == PERMISSION_CODE:
        return TikTokPermissionError
    if code in THROTTLE_CODES:
        return ThrottledError
    if code == WRITE_CONFLICT_CODE:
        return WriteConflictError
    if code in RETRYABLE_CODES or 50000 <= code <= 59999:
        return RetryableError
    return PermanentError


def error_for(
    *,
    code: int | None = None,
    http_status: int | None = None,
    message: str = "",
    request_id: str = "",
    endpoint: str = "",
    transport_failure: str | None = None,
    write: bool = False,
    retry_after: float | None = None,
) -> TikTokError:
    """Decide the error for one failed call. The single place the taxonomy lives.

    - `code`: the envelope code when the body was a TikTok envelope (wins over the HTTP status).
    - `http_status`: used only when there was no envelope.
    - `transport_failure`: "connect" (request never left: safe to retry), "timeout" or "dropped"
      (request may have reached TikTok). For a catalog `write` the latter two are WriteOutcomeUnknown.
    - `retry_after`: the reply's `Retry-After`, in seconds, if it had one; used for throttles only.

    With neither a non-zero `code` nor a failing (>= 400) `http_status`, the reply was not an envelope
    (malformed): MalformedReplyError, or WriteOutcomeUnknown for a catalog `write`.
    """
    common = {"code": code, "request_id": request_id, "endpoint": endpoint, "http_status": http_status}
    throttle_wait = {"retry_after": retry_after} if retry_after is not None else {}
    if transport_failure is not None:
        if transport_failure != "connect" and write:
            return WriteOutcomeUnknown(message or f"write outcome unknown ({transport_failure})", **common)
        return RetryableError(message or f"transport failure ({transport_failure})", **common)
    if code is not None and code != 0:
        cls = error_class_for_code(code)
        if cls is AuthError:
            return AuthError(message, reason=_auth_reason(code), **common)
        if cls is ThrottledError:
            return ThrottledError(message, per_minute=_is_minute_breach(message), **throttle_wait, **common)
        return cls(message, **common)
    if http_status is not None and http_status >= 400:
        # No envelope, but the HTTP status itself says what went wrong.
        if http_status == 429:
            return ThrottledError(message or "HTTP 429", **throttle_wait, **common)
        if http_status == 504 and write:
            # The gateway gave up waiting; the write may still be applied behind it.
            return WriteOutcomeUnknown(message or "HTTP 504", **common)
        if http_status >= 500:
            return RetryableError(message or f"HTTP {http_status}", **common)
        return PermanentError(message or f"HTTP {http_status}", **common)
    # Something arrived, but not TikTok's envelope (and no failing status): a transport fault.
    if write:
        # TikTok may have taken the write (the reply was mangled on the way back): never re-send blindly.
        return WriteOutcomeUnknown(
            f"{message or 'malformed reply'} to a catalog write: outcome unknown", **common
        )
    return MalformedReplyError(message or "reply is not a TikTok envelope", **common)
