"""A logging filter that blanks OAuth and TikTok secrets out of any log line.

The OAuth callback arrives as `...?auth_code=...&state=...`, and a development server or a proxy logging the
request line would otherwise write both to the log. The same goes for `external_data` and tokens."""

from __future__ import annotations

import logging
import re

SECRET_PARAMS = ("auth_code", "state", "external_data", "access_token", "secret", "token")
_PARAM_RE = re.compile(r"(?i)([?&;\s\"']" + "(?:" + "|".join(SECRET_PARAMS) + r")=)[^&\s\"';]+")
# A bare `code` is an OAuth code only inside a query string; elsewhere (`code=40105` in the TikTok client's
# log lines) it is TikTok's envelope code, which the logs must keep.
_QUERY_CODE_RE = re.compile(r"(?i)([?&]code=)[^&\s\"';]+")


def redact(text: str) -> str:
    return _QUERY_CODE_RE.sub(r"\1[redacted]", _PARAM_RE.sub(r"\1[redacted]", text))


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = ()
        return True
