"""One way to read a phone number typed by a person: E.164 out (`+` country code and number), or a
`PhoneError` whose message can be shown next to the field.

The setup form (the store's phone sent to TikTok), the checkout (the shopper's phone stored on the order)
and the pixel's Advanced Matching hash all read phones here, so the number TikTok gets, the one stored and
the one hashed are the same string.

Only ASCII digits are accepted. `phonenumbers` reads Arabic-Indic, fullwidth and other Unicode digits as
if they were 0-9; converting them silently would store and send a number the person may not have meant
(several of those digits look like a different ASCII digit, ٥ looks like 0), so they are refused with a
message asking for 0-9 instead. Separators are only dropped, never read as digits, so any Unicode space or
dash is fine. Letters (vanity numbers, "ext. 12") and any other symbol are refused too.
"""

from __future__ import annotations

import unicodedata

import phonenumbers
from django.utils.translation import gettext as _

from .errors import ServiceError

ASCII_DIGITS = frozenset("0123456789")
SEPARATORS = frozenset("().-/")
MAX_LENGTH = 40


class PhoneError(ServiceError):
    """Not a phone number this project accepts."""

    default_code = "phone_invalid"


class PhoneCharactersError(PhoneError):
    """Something other than 0-9, separators and one leading `+`: refused rather than converted."""

    default_code = "phone_characters"


def phone_characters_check(raw: str) -> None:
    """Raises PhoneCharactersError unless `raw` holds only ASCII digits, separators (spaces, dashes, dots,
    brackets, slashes) and at most one `+` before the first digit."""
    seen_digit = False
    plus = 0
    for char in raw:
        if char in ASCII_DIGITS:
            seen_digit = True
        elif char == "+" and not seen_digit and plus == 0:
            plus += 1
        elif char in SEPARATORS or unicodedata.category(char) in ("Zs", "Pd"):
            continue
        else:
            raise PhoneCharactersError(
                _("Type the phone number with the digits 0 to 9 only (spaces, dashes and brackets are fine).")
            )


def phone_e164(raw: str, default_region: str | None) -> str:
    """The phone in E.164, e.g. "+5511912345678". A number without `+` is read in `default_region` (an ISO
    country code such as "BR"; None: the `+` and country code are required). Raises PhoneError unless it
    is a valid number of its country (right length and prefixes for that country)."""
    text = (raw or "").strip()
    if not text:
        raise PhoneError(_("Enter a phone number."))
    if len(text) > MAX_LENGTH:
        raise PhoneError(_("Enter a valid phone number."))
    phone_characters_check(text)
    try:
        number = phonenumbers.parse(text, default_region or None)
    except phonenumbers.NumberParseException as exc:
        raise PhoneError(_("Enter a valid phone number.")) from exc
    if not phonenumbers.is_valid_number(number):
        raise PhoneError(_("Enter a valid phone number."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
