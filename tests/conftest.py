"""Suite-wide set-up. Service-backed tests (marker `services`) need DATABASE_URL on PostgreSQL and
REDIS_URL; browser tests (marker `e2e`) need /usr/bin/chromium. Under STRICT_TESTS=1 (CI) a skipped
service-backed or browser test fails the run instead of passing silently."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

pytest_plugins = [
    "tests.plugins.store",
    "tests.plugins.browser",
    "tests.plugins.processes",
    "tests.plugins.sandbox",
    "tests.plugins.pixel",
]

STRICT = os.environ.get("STRICT_TESTS") == "1"
STRICT_MARKERS = ("services", "e2e")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.skipped and any(item.get_closest_marker(m) for m in STRICT_MARKERS):
        report.outcome = "failed"
        report.longrepr = f"STRICT_TESTS=1: {item.nodeid} was skipped: {report.longrepr}"


@pytest.fixture(autouse=True)
def _english_by_default(settings: object) -> None:
    """Tests assert exact strings; each test picks its language explicitly when it matters."""
    settings.LANGUAGE_CODE = "en"  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: object) -> None:
    """PBKDF2's deliberate slowness costs about a second per user; tests only need a valid hash."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _project_celery_app_is_current() -> Iterator[None]:
    """Tests that build their own Celery app (fault tests on a private redis-server) must not leave it
    as the current app, or later `.delay()` calls would go to a broker that no longer exists."""
    yield
    from tiktok_admin.celery import app

    app.set_current()
    app.set_default()
