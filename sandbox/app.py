"""Assembles the sandbox: the WSGI application (`sandbox.core`) with TikTok's API, the hosted pages, the admin
API and TikTok Shop (`sandbox.shop`), each a module exposing `register(app)`."""

from __future__ import annotations

from sandbox import admin, api_ads, api_auth, api_catalog, api_pixel, pages, shop
from sandbox.core import SandboxApp
from sandbox.storage import Storage

MODULES = (api_auth, api_catalog, api_pixel, api_ads, admin, pages, shop)


def create_app(storage: Storage, *, allow_http_images: bool = False) -> SandboxApp:
    app = SandboxApp(storage, allow_http_images=allow_http_images)
    for module in MODULES:
        module.register(app)
    return app
