"""Encryption at rest for tokens: MultiFernet over FIELD_ENCRYPTION_KEYS (first key encrypts, every key
decrypts), so keys can be rotated with `manage.py rotate_tokens`."""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty.")
    return MultiFernet([Fernet(k.encode()) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt_str(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt_str(value: str) -> str:
    return fernet().decrypt(value.encode()).decode()


def encrypted_with_primary_key(value: str) -> bool:
    """True when `value` already decrypts with the newest key alone (nothing to rotate)."""
    keys = tuple(settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty.")
    try:
        Fernet(keys[0].encode()).decrypt(value.encode())
    except InvalidToken:
        return False
    return True


def rotate_str(value: str) -> str:
    return fernet().rotate(value.encode()).decode()


class EncryptedTextField(models.TextField):
    """Stores ciphertext; Python code only ever sees plaintext. Empty stays empty."""

    def from_db_value(self, value: str | None, expression: object, connection: object) -> str | None:
        if not value:
            return value
        try:
            return decrypt_str(value)
        except InvalidToken as exc:
            raise ImproperlyConfigured(
                "A stored secret cannot be decrypted with FIELD_ENCRYPTION_KEYS (was a key removed?)."
            ) from exc

    def get_prep_value(self, value: object) -> str | None:
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt_str(str(value))
