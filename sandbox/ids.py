"""Identifier formats as TikTok emits them: 19-digit numeric strings, 20-char pixel codes, request ids."""

from __future__ import annotations

import hashlib
import secrets
import string
from datetime import UTC, datetime

_PIXEL_ALPHABET = string.ascii_uppercase + string.digits


def numeric_id() -> str:
    return "7" + str(secrets.randbelow(10**18)).zfill(18)


def pixel_code() -> str:
    return "C" + "".join(secrets.choice(_PIXEL_ALPHABET) for _ in range(19))


def request_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%d%H%M%S") + secrets.token_hex(10).upper()


def access_token() -> str:
    return secrets.token_hex(20)


def auth_code() -> str:
    return secrets.token_hex(20)


def token_sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_fp(token: str) -> str:
    """What the journal and the admin API show instead of a token."""
    return token_sha(token)[:16]


def fmt_time(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")
