"""`external_data` as TikTok's Business Extension checks it (§2.1): base64 JSON, HMAC over five fields."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from sqlite3 import Row
from typing import Any

from sandbox.storage import Storage

REQUIRED = ("version", "timestamp", "locale", "business_platform", "external_business_id")
FUTURE_SKEW_SECONDS = 300


class ExternalDataError(ValueError):
    pass


@dataclass
class Verified:
    data: dict[str, Any]
    app: Row


def sign(fields: dict[str, Any], key: str) -> str:
    message = "&".join(f"{name}={fields[name]}" for name in REQUIRED)
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def encode(fields: dict[str, Any], key: str) -> str:
    """Build a signed external_data (used by the tests and the admin shortcuts)."""
    payload = dict(fields)
    payload["hmac"] = sign(payload, key)
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.b64encode(raw).decode()


def decode(raw: str) -> dict[str, Any]:
    if not raw:
        raise ExternalDataError("external_data is missing")
    text = raw.strip().replace(" ", "+")  # a '+' that arrived unencoded in a query string
    try:
        decoded = base64.b64decode(
            text + "=" * (-len(text) % 4),
            altchars=b"-_" if "-" in text or "_" in text else None,
            validate=False,
        )
        data = json.loads(decoded)
    except (binascii.Error, ValueError) as exc:
        raise ExternalDataError("external_data is not base64-encoded JSON") from exc
    if not isinstance(data, dict):
        raise ExternalDataError("external_data is not a JSON object")
    return data


def verify(storage: Storage, raw: str, *, max_age_seconds: float | None) -> Verified:
    data = decode(raw)
    missing = [name for name in REQUIRED if data.get(name) in (None, "")]
    if missing:
        raise ExternalDataError("missing required field: " + ", ".join(missing))
    if data.get("app_id"):
        app = storage.one("SELECT * FROM apps WHERE app_id = ?", (str(data["app_id"]),))
    else:
        app = storage.one("SELECT * FROM apps WHERE business_platform = ?", (str(data["business_platform"]),))
    if app is None or app["business_platform"] != data["business_platform"]:
        raise ExternalDataError("unknown app or business_platform")
    given = str(data.get("hmac") or "")
    if not given or not hmac.compare_digest(given.lower(), sign(data, app["external_data_key"])):
        raise ExternalDataError("hmac does not match")
    if max_age_seconds is not None:
        try:
            ts = int(str(data["timestamp"])) / 1000
        except ValueError as exc:
            raise ExternalDataError("timestamp is not milliseconds since the epoch") from exc
        now = time.time()
        if ts < now - max_age_seconds:
            raise ExternalDataError("timestamp is too old")
        if ts > now + FUTURE_SKEW_SECONDS:
            raise ExternalDataError("timestamp is in the future")
    return Verified(data=data, app=app)


# The IDs a returning merchant's platform sends so the onboarding offers its assets first. The field names
# are the business profile's; TikTok's documentation of the onboarding does not list them (unverified).
PREVIOUS_ASSET_FIELDS = ("bc_id", "adv_id", "pixel_code", "catalog_id")


def previous_assets(data: dict[str, Any]) -> dict[str, str]:
    """The previous asset IDs in a verified external_data, each a plain string when present."""
    return {
        name: str(data[name])
        for name in PREVIOUS_ASSET_FIELDS
        if isinstance(data.get(name), str | int) and data[name]
    }
