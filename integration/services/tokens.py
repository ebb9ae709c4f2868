"""Key rotation of the stored access tokens."""

from __future__ import annotations

import logging

from django.db import connection as db

from ..crypto import encrypted_with_primary_key, rotate_str
from ..models import TikTokConnection

logger = logging.getLogger(__name__)


def tokens_rotate() -> tuple[int, int]:
    """Re-encrypt every stored token with the newest key of FIELD_ENCRYPTION_KEYS (the first one).
    Returns (rotated, already current). Running it twice is harmless."""
    rotated = current = 0
    for pk, raw in _raw_tokens():
        if encrypted_with_primary_key(raw):
            current += 1
            continue
        if _raw_token_write(pk, raw, rotate_str(raw)):
            rotated += 1
    if rotated:
        logger.info("tiktok tokens re-encrypted with the newest key count=%s", rotated)
    return rotated, current


def _raw_tokens() -> list[tuple[int, str]]:
    # Raw SQL: the ciphertext as stored, which the model field would decrypt.
    table = TikTokConnection._meta.db_table
    with db.cursor() as cursor:
        cursor.execute(f"SELECT id, access_token FROM {table} WHERE access_token <> ''")  # noqa: S608
        return [(int(pk), str(raw)) for pk, raw in cursor.fetchall()]


def _raw_token_write(pk: int, old: str, new: str) -> bool:
    table = TikTokConnection._meta.db_table
    with db.cursor() as cursor:
        # Compare-and-set on the old ciphertext: a connect/disconnect in between wins.
        cursor.execute(
            f"UPDATE {table} SET access_token = %s WHERE id = %s AND access_token = %s",  # noqa: S608
            [new, pk, old],
        )
        return cursor.rowcount == 1
