"""One HTTP transport for every TikTok Business API call.

Wire conventions (reference §1): `Access-Token` header (not `Authorization`), JSON POST bodies, GET
array/object parameters as JSON strings, trailing slash on `open_api` paths, and the
`{code, message, request_id, data}` envelope with HTTP 200 even for errors. A reply that is not that envelope
(an HTML page, truncated JSON, an empty body, `[1,2,3]`, an object without an integer `code`) is handed to
`error_for()` as such; it decides (MalformedReplyError, or WriteOutcomeUnknown for a catalog write).

Logging: one line per call with endpoint, HTTP status, envelope code, request_id and latency. Never the
query string, body, headers or exception text — they may hold the token, the app secret, an auth_code,
a state or an external_data value.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import orjson
import requests
from urllib3.exceptions import NewConnectionError

from .errors import TikTokError, error_for

logger = logging.getLogger("tiktok_api")


@dataclass(frozen=True, slots=True)
class Envelope:
    code: int
    message: str
    request_id: str
    data: Any


def open_api_path(version: str, path: str) -> str:
    """`open_api_path("v1.3", "catalog/get")` -> `/open_api/v1.3/catalog/get/` (TikTok 404s without the
    trailing slash)."""
    return f"/open_api/{version}/{path.strip('/')}/"


def encode_params(params: Mapping[str, Any]) -> dict[str, str]:
    """GET parameters: lists and objects travel as JSON strings (`sku_ids=["a","b"]`), None is dropped."""
    encoded: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, list | tuple | dict | bool):
            encoded[key] = json.dumps(
                list(value) if isinstance(value, tuple) else value, separators=(",", ":")
            )
        else:
            encoded[key] = str(value)
    return encoded


def encode_body(body: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON, as TikTok's examples are sent. orjson is ~10x faster on 5,000-product uploads;
    the standard library takes what orjson refuses (e.g. integers beyond 64 bits) with identical output."""
    try:
        return orjson.dumps(body)
    except TypeError:
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _transport_failure_kind(exc: requests.RequestException) -> str:
    """ "connect" when the request certainly never reached the server (safe to re-send), "timeout" or
    "dropped" when it may have."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "connect"
    if isinstance(exc, requests.exceptions.Timeout):
        return "timeout"
    if isinstance(exc, requests.exceptions.ConnectionError):
        reason: object = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)
        if isinstance(reason, NewConnectionError | ConnectionRefusedError):
            return "connect"
    return "dropped"


def _envelope_problem(payload: object, content: bytes) -> str | None:
    """None when `payload` (the parsed body) is TikTok's envelope: a JSON object with an integer `code`.
    Otherwise what is wrong with it, for the error message (never the body itself: it may echo a URL)."""
    if isinstance(payload, dict):
        code = payload.get("code")
        if isinstance(code, int) and not isinstance(code, bool):
            return None
        return "JSON object without an integer code"
    if payload is not None:
        return f"JSON {type(payload).__name__}, not an object"
    if not content.strip():
        return "empty body"
    return "not JSON"


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """The `Retry-After` header in seconds (delta-seconds or an HTTP date), or None when absent or unusable.
    TikTok is not known to send one (reference §5); a proxy in front of it may."""
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


class Transport:
    """Sends one request and returns the parsed envelope, or raises the taxonomy's error."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: tuple[float, float],
        session: requests.Session | None = None,
    ) -> None:
        if (
            not isinstance(timeout, tuple)
            or len(timeout) != 2
            or any(not isinstance(t, int | float) or t <= 0 for t in timeout)
        ):
            # A call without a timeout can hang a worker forever; refuse to build one.
            raise ValueError("timeout must be a (connect, read) tuple of positive seconds")
        self.base_url = base_url.rstrip("/")
        self.timeout = (float(timeout[0]), float(timeout[1]))
        self.session = session or requests.Session()

    def call(
        self,
        method: str,
        path: str,
        *,
        access_token: str | None = None,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | bytes | None = None,
        write: bool = False,
    ) -> Envelope:
        """`path` is the endpoint as logged (no query string). `body` is a mapping or already-encoded
        JSON bytes. `write` marks catalog writes, whose timeouts become WriteOutcomeUnknown instead of
        RetryableError."""
        headers = {"Accept": "application/json"}
        if access_token is not None:
            headers["Access-Token"] = access_token
        kwargs: dict[str, Any] = {"headers": headers, "timeout": self.timeout}
        if params:
            kwargs["params"] = encode_params(params)
        if body is not None:
            kwargs["data"] = body if isinstance(body, bytes) else encode_body(body)
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            response = self.session.request(method, self.base_url + path, **kwargs)
        except requests.RequestException as exc:
            kind = _transport_failure_kind(exc)
            self._log(method, path, started, http_status=None, code=None, request_id="", failure=kind)
            # `from None`: the original exception text names the URL, whose query may carry secrets.
            raise error_for(
                endpoint=path,
                transport_failure=kind,
                message=f"{type(exc).__name__} calling TikTok",
                write=write,
            ) from None
        return self._parse(method, path, started, response, write=write)

    def _parse(
        self, method: str, path: str, started: float, response: requests.Response, *, write: bool
    ) -> Envelope:
        header_request_id = response.headers.get("X-TT-LOGID", "")
        try:
            payload: object = response.json()
        except ValueError:  # not JSON: HTML, truncated, empty, undecodable bytes
            payload = None
        problem = _envelope_problem(payload, response.content)
        if problem is None and isinstance(payload, dict):
            envelope = Envelope(
                code=payload["code"],
                message=str(payload.get("message") or ""),
                request_id=str(payload.get("request_id") or header_request_id),
                data=payload.get("data"),
            )
            self._log(method, path, started, response.status_code, envelope.code, envelope.request_id)
            if envelope.code != 0 and envelope.code != 20001:
                raise error_for(
                    code=envelope.code,
                    http_status=response.status_code,
                    message=envelope.message,
                    request_id=envelope.request_id,
                    endpoint=path,
                    write=write,
                    retry_after=retry_after_seconds(response.headers),
                )
            return envelope
        failed_status = response.status_code >= 400
        self._log(
            method,
            path,
            started,
            response.status_code,
            None,
            header_request_id,
            failure=None if failed_status else "malformed",
        )
        if failed_status:
            # The status is the verdict (e.g. TikTok's `404 page not found`); its text says why.
            message = response.text[:200].strip()
        else:
            content_type = response.headers.get("Content-Type", "")[:60]
            message = f"reply is not a TikTok envelope ({problem}" + (
                f", {content_type})" if content_type else ")"
            )
        error: TikTokError = error_for(
            http_status=response.status_code,
            message=message,
            request_id=header_request_id,
            endpoint=path,
            write=write,
            retry_after=retry_after_seconds(response.headers),
        )
        raise error

    def _log(
        self,
        method: str,
        path: str,
        started: float,
        http_status: int | None,
        code: int | None,
        request_id: str,
        failure: str | None = None,
    ) -> None:
        latency_ms = (time.perf_counter() - started) * 1000
        level = logging.INFO if failure is None and code in (0, 20001) else logging.WARNING
        # "tiktok_code", not "code": log redaction filters blank any `code=` value (an OAuth code).
        logger.log(
            level,
            "tiktok %s %s http=%s tiktok_code=%s request_id=%s latency_ms=%.1f%s",
            method,
            path,
            http_status,
            code,
            request_id,
            latency_ms,
            f" failure={failure}" if failure else "",
            extra={
                "tiktok_endpoint": path,
                "tiktok_code": code,
                "tiktok_request_id": request_id,
                "tiktok_latency_ms": round(latency_ms, 1),
            },
        )
