"""Advanced Matching normalisation and hashing, as TikTok's Events API 2.0 documents it:
e-mail trimmed and lower-cased, phone in E.164, then SHA-256 as lower-case hex
(reference/tiktok-api.md §4.3). Brazilian numbers typed the way shoppers type them ("(11) 98765-4321",
"011 98765 4321", "5511987654321", an old 8-digit mobile) are brought to +55 and 11 digits first."""

from __future__ import annotations

import hashlib
import re

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NON_DIGITS = re.compile(r"\D")
BRAZIL = "55"


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def normalize_email(raw: str | None) -> str | None:
    """Trim and lower-case; None when it is not an address (TikTok needs `@` and a domain)."""
    if not raw:
        return None
    email = raw.strip().lower()
    return email if _EMAIL_RE.match(email) else None


def _brazil_national(digits: str) -> str | None:
    """A Brazilian number without the country code (area code + subscriber) as 10 or 11 digits, or None."""
    if len(digits) in (13, 14) and digits.startswith("0"):
        # 0 + carrier selection code (2 digits) + area code + subscriber, e.g. 0 21 11 98765 4321.
        digits = digits[3:]
    elif len(digits) in (11, 12) and digits.startswith("0"):
        digits = digits[1:]  # trunk prefix 0
    if len(digits) not in (10, 11):
        return None
    area, subscriber = digits[:2], digits[2:]
    if "0" in area:
        return None  # area codes are 11..99 without a zero digit
    if len(subscriber) == 9:
        return digits if subscriber.startswith("9") else None
    if subscriber[0] in "6789":
        # A mobile saved before the ninth digit was added (2012-2016): mobiles now start with 9.
        return area + "9" + subscriber
    if subscriber[0] in "2345":
        return digits  # landline
    return None


def normalize_phone(raw: str | None, default_country: str = BRAZIL) -> str | None:
    """E.164 (`+` country code and number, no spaces or symbols), or None when it cannot be one."""
    if not raw:
        return None
    text = raw.strip()
    # "(+1)2133734253" is how TikTok's own example writes an international number.
    international = text.lstrip("( ").startswith("+")
    digits = _NON_DIGITS.sub("", text)
    if not digits:
        return None
    if not international and digits.startswith("00") and len(digits) >= 12:
        international, digits = True, digits[2:]
    if not international and default_country == BRAZIL:
        national = _brazil_national(digits)
        if national is None and len(digits) in (12, 13) and digits.startswith(BRAZIL):
            international = True
        elif national is None:
            return None
        else:
            return f"+{BRAZIL}{national}"
    if not international:
        digits = default_country + digits.lstrip("0")
    if digits.startswith(BRAZIL):
        national = _brazil_national(digits[2:])
        return f"+{BRAZIL}{national}" if national else None
    if not 8 <= len(digits) <= 15 or digits.startswith("0"):
        return None
    return "+" + digits


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
