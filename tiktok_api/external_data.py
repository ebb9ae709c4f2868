"""`external_data`: the signed, base64-encoded JSON the TikTok Business Extension onboarding takes.

Reference §2.1 (TBP README, src/crypto.ts; WOO/PS/MAG plugins):
- hmac = hex(HMAC-SHA256(key, "version={v}&timestamp={ts}&locale={l}&business_platform={bp}&
  external_business_id={id}")) — exactly these five fields, in this order;
- `hmac` is added to the object, which is JSON-encoded (UTF-8, slashes unescaped) and standard-base64'd;
- `timestamp` is milliseconds since the epoch as a string; results longer than 1,950 characters are
  rejected (they must fit in a URL); the reference decoder refuses timestamps older than 30 minutes.

The value is a credential: never log it or put it in task arguments.

Reconnecting: `PREVIOUS_ASSET_FIELDS` are the IDs of the Business Center, ad account, pixel and catalog the
store used before, sent so the onboarding offers them first instead of *Create new*. Their names are the
business profile's (§2.5); the reference shows no onboarding field for them (§2.1 lists none), so they are
UNVERIFIED: TikTok may ignore them, and the onboarding then works as for a new merchant.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

SIGNED_FIELDS = ("version", "timestamp", "locale", "business_platform", "external_business_id")
MAX_LENGTH = 1950
DEFAULT_MAX_AGE_SECONDS = 30 * 60
# Tolerated clock skew for timestamps from the future.
FUTURE_SKEW_SECONDS = 5 * 60
# Unverified field names (see the module docstring), in the order the onboarding's steps ask for them.
PREVIOUS_ASSET_FIELDS = ("bc_id", "adv_id", "pixel_code", "catalog_id")


class ExternalDataError(ValueError):
    """The value cannot be built or does not verify. `reason` is one of: missing_field, too_long,
    malformed, bad_hmac, stale, future."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"external_data {reason}{': ' + detail if detail else ''}")
        self.reason = reason
        self.detail = detail


def _now_ms() -> int:
    return int(time.time() * 1000)


def external_data_signature(fields: Mapping[str, Any], key: str) -> str:
    """Hex HMAC-SHA256 over the five signed fields."""
    missing = [name for name in SIGNED_FIELDS if fields.get(name) in (None, "")]
    if missing:
        raise ExternalDataError("missing_field", ",".join(missing))
    message = "&".join(f"{name}={fields[name]}" for name in SIGNED_FIELDS)
    return hmac.new(key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def previous_assets(ids: Mapping[str, str | None]) -> dict[str, str]:
    """The `PREVIOUS_ASSET_FIELDS` to add to `external_data` for a returning merchant: each ID given and not
    empty, under its field name (unknown keys are dropped, so nothing else slips into the signed value)."""
    return {name: str(ids[name]) for name in PREVIOUS_ASSET_FIELDS if ids.get(name)}


def external_data_build(fields: Mapping[str, Any], key: str, *, now_ms: int | None = None) -> str:
    """Sign and encode. `timestamp` defaults to now (ms, as a string); any `hmac` given is replaced."""
    if not key:
        raise ExternalDataError("missing_field", "key")
    payload = {name: value for name, value in fields.items() if name != "hmac"}
    if payload.get("timestamp") in (None, ""):
        payload["timestamp"] = str(_now_ms() if now_ms is None else now_ms)
    payload["timestamp"] = str(payload["timestamp"])
    payload["hmac"] = external_data_signature(payload, key)
    encoded = base64.b64encode(
        json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    ).decode("ascii")
    if len(encoded) > MAX_LENGTH:
        raise ExternalDataError("too_long", f"{len(encoded)} > {MAX_LENGTH} characters")
    return encoded


def external_data_decode(encoded: str) -> dict[str, Any]:
    """Decode without verifying (for display/debugging of our own values only)."""
    try:
        raw = base64.b64decode(encoded.encode("ascii"), validate=True)
        payload = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeError, binascii.Error) as exc:
        raise ExternalDataError("malformed", type(exc).__name__) from None
    if not isinstance(payload, dict):
        raise ExternalDataError("malformed", "not a JSON object")
    return payload


def external_data_verify(
    encoded: str,
    key: str,
    *,
    max_age_seconds: float = DEFAULT_MAX_AGE_SECONDS,
    now_ms: int | None = None,
) -> dict[str, Any]:
    """Decode and check: all five fields present, hmac matches, timestamp fresh. Returns the fields
    (without `hmac`) or raises ExternalDataError."""
    if len(encoded) > MAX_LENGTH:
        raise ExternalDataError("too_long", f"{len(encoded)} > {MAX_LENGTH} characters")
    payload = external_data_decode(encoded)
    for name in SIGNED_FIELDS:
        if not isinstance(payload.get(name), str) or payload[name] == "":
            raise ExternalDataError("missing_field", name)
    given = payload.pop("hmac", None)
    expected = external_data_signature(payload, key)
    if not isinstance(given, str) or not hmac.compare_digest(given.encode("utf-8"), expected.encode("ascii")):
        raise ExternalDataError("bad_hmac")
    timestamp = payload["timestamp"]
    if not timestamp.isdigit():
        raise ExternalDataError("malformed", "timestamp")
    now = _now_ms() if now_ms is None else now_ms
    age_ms = now - int(timestamp)
    if age_ms > max_age_seconds * 1000:
        raise ExternalDataError("stale", f"{age_ms // 1000}s old")
    if -age_ms > FUTURE_SKEW_SECONDS * 1000:
        raise ExternalDataError("future", f"{-age_ms // 1000}s ahead")
    return payload
