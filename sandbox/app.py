"""Assembles the sandbox: the WSGI application (`sandbox.core`) with TikTok's API, the hosted pages, the admin
API, and the extensions in EXTENSIONS (modules exposing `register(app)`, loaded when present)."""

from __future__ import annotations

import importlib

from sandbox import admin, api_auth, api_catalog, api_pixel, pages
from sandbox.core import SandboxApp
from sandbox.storage import Storage

BUILT_IN = (api_auth, api_catalog, api_pixel, admin, pages)
EXTENSIONS = ("sandbox.shop",)


def create_app(storage: Storage, *, allow_http_images: bool = False) -> SandboxApp:
    app = SandboxApp(storage, allow_http_images=allow_http_images)
    for module in BUILT_IN:
        module.register(app)
    for name in EXTENSIONS:
        try:
            # By name: an extension is optional, and the sandbox runs without it.
            extension = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        extension.register(app)
    return app
