"""A logging filter that blanks OAuth and TikTok secrets out of any log line.

The OAuth callback arrives as `...?auth_code=...&state=...`, and a development server or a proxy logging the
request line would otherwise write both to the log. The same goes for `external_data` and tokens."""

from __future__ import annotations

import logging
import re

SECRET_PARAMS = ("auth_code", "code", "state", "external_data", "access_token", "secret", "token")
_PARAM_RE = re.compile(r"(?i)([?&;\s\"']" + "(?:" + "|".join(SECRET_PARAMS) + r")=)[^&\s\"';]+")


def redact(text: str) -> str:
    return _PARAM_RE.sub(r"\1[redacted]", text)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = ()
        return True
