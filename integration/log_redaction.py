"""A logging filter that blanks OAuth and TikTok secrets out of any log line.

The OAuth callbacks arrive as `...?auth_code=...&state=...`, and a development server or a proxy logging the
request line would otherwise write both to the log. A URL that carries another URL (`next=`, a referrer)
holds them URL-encoded (`%3Fauth_code%3D...%26state%3D...`), or encoded twice (`auth_code%253D...`) when
that URL was itself encoded. The same goes for `external_data`, tokens and the app secret, and for the same
keys in JSON-ish text (`{"access_token": "..."}`, a dict's repr).

Two patterns, not a parser: a log line is not a URL, and a parser would stop at the first thing it does not
expect. Only the value is blanked; the key stays, so the line still says what was there."""

from __future__ import annotations

import logging
import re

SECRET_PARAMS = (
    "auth_code",
    "state",
    "external_data",
    "access_token",
    "refresh_token",
    "token",
    "app_secret",
    "client_secret",
    "secret",
    # The signed URL TikTok fetches a catalog product file from (catalog_sync/views_feed.py).
    "feed_token",
)
_KEYS = "|".join(SECRET_PARAMS)
REDACTED = "[redacted]"

# A percent sign URL-encoded any number of times: `%`, `%25`, `%2525`...
_PCT = r"%(?:25)*"
# `=` as written, URL-encoded or double-encoded.
_EQ = rf"(?:=|{_PCT}3D)"
# Where a query parameter starts: `?`, `&`, `;` (also the end of `&amp;` in HTML), any of them URL-encoded,
# or `&`/`?` escaped in JSON.
_PARAM_START = rf"(?:[?&;]|{_PCT}(?:3F|26)|\\u00(?:26|3F))"
# A value runs to the end of its parameter: `&`, whitespace, a quote, `;`, `<`/`>`, an encoded `&`, or a
# JSON-escaped `&` or quote. A quoted value (`state='...'`) is blanked whole.
_VALUE = rf"(?:\"[^\"]*\"|'[^']*'|(?:(?!{_PCT}26|\\u0026|\\[\"'])[^&\s\"';<>])+)"

# `key=value` for the secret keys: after a parameter start, at the start of the text, or after whitespace,
# a quote or an opening bracket or comma (`key=value` in free text). A bare `code` is an OAuth code only
# inside a query string; elsewhere (`code=40105` in the TikTok clients' log lines) it is TikTok's envelope
# code, which the logs must keep. Neither matches inside a longer word (`country_code=`, `statement=`).
_PARAM_RE = re.compile(
    rf"((?:(?:^|(?<=[\s\"'(\[{{,])|{_PARAM_START})(?:{_KEYS})|{_PARAM_START}code){_EQ})({_VALUE})",
    re.IGNORECASE,
)
# `"key": "value"` (also single-quoted, and `\"key\": \"value\"` inside a JSON string). Only quoted values:
# secrets are strings, and `"code": 40105` is TikTok's envelope code while `"code": "..."` is an OAuth code.
_JSON_RE = re.compile(
    rf"((\\?[\"'])(?:{_KEYS}|code)\2\s*:\s*)(\\?[\"'])((?:(?!\3)(?:\\.|[^\\]))*)\3",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """`text` with the value of every secret parameter or key replaced by `[redacted]`."""
    text = _PARAM_RE.sub(rf"\1{REDACTED}", text)
    return _JSON_RE.sub(rf"\1\3{REDACTED}\3", text)


class RedactSecrets(logging.Filter):
    """Redacts the message, and the traceback and stack of the record, before any handler formats them."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = ()
        if record.exc_info and not record.exc_text:
            # Formatters reuse `exc_text` when it is set, so the traceback is written redacted.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
