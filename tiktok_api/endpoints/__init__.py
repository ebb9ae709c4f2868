"""Endpoint groups of `TikTokClient`, one mixin per area of the API; each builds on `ClientBase`."""

from .ads import AdsEndpoints
from .auth import AuthEndpoints
from .business import BusinessEndpoints
from .catalog import CatalogEndpoints
from .catalog_file import CatalogFileEndpoints
from .events import EventEndpoints

__all__ = [
    "AdsEndpoints",
    "AuthEndpoints",
    "BusinessEndpoints",
    "CatalogEndpoints",
    "CatalogFileEndpoints",
    "EventEndpoints",
]
