"""Advanced Matching normalisation and hashing, as TikTok's Events API 2.0 documents it:
e-mail trimmed and lower-cased, phone in E.164 with its `+` ("(+1)2133734253" -> "+12133734253"), then
SHA-256 as lower-case hex (reference/tiktok-api.md §4.3). Phones are read by `core.phones.phone_e164`,
with Brazil as the region of a number typed without `+` ("(11) 98765-4321", "011 98765 4321"); what it
refuses (Unicode digits, an 8-digit mobile from before the ninth digit, letters) is not hashed at all."""

from __future__ import annotations

import hashlib
import re

from core.phones import PhoneError, phone_e164

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
BRAZIL = "BR"


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def normalize_email(raw: str | None) -> str | None:
    """Trim and lower-case; None when it is not an address (TikTok needs `@` and a domain)."""
    if not raw:
        return None
    email = raw.strip().lower()
    return email if _EMAIL_RE.match(email) else None


def normalize_phone(raw: str | None, default_region: str = BRAZIL) -> str | None:
    """E.164 (`+` country code and number, no spaces or symbols), or None when it cannot be one. The
    checkout stores the shopper's phone through the same `core.phones.phone_e164`, so the hash of an
    order's phone is the hash of exactly what was stored."""
    if not raw:
        return None
    try:
        return phone_e164(raw, default_region)
    except PhoneError:
        return None


def hash_email(raw: str | None) -> str | None:
    email = normalize_email(raw)
    return sha256_hex(email) if email else None


def hash_phone(raw: str | None) -> str | None:
    phone = normalize_phone(raw)
    return sha256_hex(phone) if phone else None


def hash_external_id(value: str | None) -> str | None:
    return sha256_hex(value) if value else None


def identity_hashes(email: str | None, phone: str | None) -> dict[str, str]:
    """The Advanced Matching identity to keep in the session and pass to the pixel: hashes only."""
    out: dict[str, str] = {}
    if (h := hash_email(email)) is not None:
        out["email"] = h
    if (h := hash_phone(phone)) is not None:
        out["phone_number"] = h
    return out
