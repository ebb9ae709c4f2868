"""Playwright on Debian's Chromium (no browser download here)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
OUTPUT_DIR = Path(os.environ.get("TEST_OUTPUT_DIR", "test-output"))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    # Sync Playwright keeps an event loop running in this thread for the rest of the session; Django's
    # ORM must stay usable here (and in every later test). Subprocesses that must not inherit the flag
    # (e.g. `check --deploy`) remove it from their environment.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    pg = context.new_page()
    pg.set_default_timeout(15000)
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture
def screenshot(page: Any, request: pytest.FixtureRequest) -> Any:
    """`screenshot("state-name")` saves a PNG under test-output/screenshots/<test>/."""

    def take(name: str) -> Path:
        folder = OUTPUT_DIR / "screenshots" / request.node.name.replace("/", "_")
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def login(page: Any, live_url: str, username: str, password: str = "pass-1234-word") -> None:
    page.goto(f"{live_url}/accounts/login/")
    page.fill("[data-testid=login-username]", username)
    page.fill("[data-testid=login-password]", password)
    page.click("[data-testid=login-submit]")
    page.wait_for_load_state()
