"""The TikTok client the engine's steps use: the one built from settings, with the shared rate limiter.

Steps call `remote.tiktok_client()` through this module, never a copy of the name, so a test can replace
it once for every step."""

from __future__ import annotations

from integration import tiktok_client as tiktok
from tiktok_api import TikTokClient


def tiktok_client() -> TikTokClient:
    # Looked up on the module at each call: the fault tests' worker (tests/catalog_sync/worker_main.py)
    # swaps integration.tiktok_client.client after this module may already have been imported.
    return tiktok.client()
