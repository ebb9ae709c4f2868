"""The file route's signed URL: its feed_token is blanked out of log lines, however the URL is written."""

from __future__ import annotations

import logging

import pytest

from integration.log_redaction import REDACTED, RedactSecrets, redact

TOKEN = "42:1tXyZa:Q2hhbmdlTWVQbGVhc2U-signature_value"
PATH = "/admin/lojademo/marketplace/tiktok/catalog/file-feed/42/products.csv"


@pytest.mark.parametrize(
    "line",
    [
        f'"GET {PATH}?feed_token={TOKEN} HTTP/1.1" 200',
        f"file_url=http://127.0.0.1:8000{PATH}%3Ffeed_token%3D{TOKEN}",
        f'{{"file_url": "http://127.0.0.1:8000{PATH}?feed_token={TOKEN}", "update_mode": "INCREMENTAL"}}',
        f"feed_token={TOKEN}",
    ],
)
def test_the_feed_token_is_redacted(line):
    out = redact(line)
    assert TOKEN not in out and "1tXyZa" not in out
    assert f"feed_token{'%3D' if '%3D' in line else '='}{REDACTED}" in out
    assert "file-feed/42/products.csv" in out or PATH not in line, "the rest of the line stays"


def test_the_filter_redacts_a_logged_file_request(caplog):
    logger = logging.getLogger("test.feed_token")
    logger.addFilter(RedactSecrets())
    with caplog.at_level(logging.INFO, logger="test.feed_token"):
        logger.info("fetching %s", f"http://127.0.0.1:8000{PATH}?feed_token={TOKEN}")
    assert caplog.messages == [f"fetching http://127.0.0.1:8000{PATH}?feed_token={REDACTED}"]
