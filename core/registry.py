"""Dotted paths to callables read from settings (the change-notification subscribers, the page's
sections): one way to check them, for the system checks of every registry."""

from __future__ import annotations

import importlib
import importlib.util


def dotted_path_problem(path: str) -> tuple[str, str] | None:
    """Why `path` does not name a callable, as (kind, message) with kind "import" or "callable"; None when
    it does. A missing module is found without importing it (so without catching ImportError); a module
    that exists but fails to import is a bug in it, and its error propagates."""
    module_path, _dot, attribute = path.rpartition(".")
    if not module_path or not attribute:
        return "import", f"{path!r} is not a dotted path"
    parts = module_path.split(".")
    for depth in range(1, len(parts) + 1):
        name = ".".join(parts[:depth])
        if importlib.util.find_spec(name) is None:
            return "import", f"cannot import {path!r}: no module named {name!r}"
    target = getattr(importlib.import_module(module_path), attribute, None)
    if target is None:
        return "import", f"cannot import {path!r}: {module_path!r} has no {attribute!r}"
    if not callable(target):
        return "callable", f"{path!r} is not callable"
    return None
