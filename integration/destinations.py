"""Where each *Manage* / *Create an ad* button leads at TikTok, built from the connection's own IDs.

The destination is never taken from the request: a view asks for one of a fixed set of names, the URL is
built from `TIKTOK_WEB_BASE_URL` and the connection's IDs, and it is followed only when its host is in
`TIKTOK_REDIRECT_HOSTS`. So the redirect view cannot be turned into an open redirect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from django.conf import settings

from .models import TikTokConnection

ID_RE = re.compile(r"^[0-9A-Za-z_-]{1,64}$")


@dataclass(frozen=True)
class Destination:
    name: str
    # Path template under TIKTOK_WEB_BASE_URL; placeholders are connection fields.
    path: str
    needs: tuple[str, ...]


DESTINATIONS: dict[str, Destination] = {
    d.name: d
    for d in (
        Destination("business-center", "/bc/{bc_id}/", ("bc_id",)),
        Destination("ads-manager", "/ads/{adv_id}/", ("adv_id",)),
        Destination("create-ad", "/ads/{adv_id}/create/", ("adv_id",)),
        Destination("pixel", "/events-manager/pixel/{pixel_code}/", ("pixel_code",)),
        Destination("catalog", "/catalog-manager/{bc_id}/{catalog_id}/", ("bc_id", "catalog_id")),
        Destination("authorizations", "/ac/page/authorizations", ()),
    )
}


def host_allowed(url: str) -> bool:
    """True when `url` is an absolute http(s) URL whose host (or host:port) is allow-listed."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return False
    if parts.username is not None or parts.password is not None:
        return False
    allowed = {h.strip().lower() for h in settings.TIKTOK_REDIRECT_HOSTS if h.strip()}
    host = parts.hostname.lower()
    if port is not None and f"{host}:{port}" in allowed:
        return True
    # A bare host name (TikTok's own web apps) allows https on its default port only; http is for a
    # local sandbox, which the list names with its port.
    return parts.scheme == "https" and host in allowed and port in (None, 443)


def destination_url(name: str, connection: TikTokConnection | None) -> str | None:
    """The URL of destination `name` for this connection, or None when it cannot be built safely (unknown
    name, a missing or malformed ID, or a host outside the allow-list)."""
    destination = DESTINATIONS.get(name)
    if destination is None:
        return None
    values: dict[str, str] = {}
    for field in destination.needs:
        value = getattr(connection, field, "") if connection is not None else ""
        if not value or not ID_RE.match(value):
            return None
        values[field] = quote(value, safe="")
    # TikTok's own deep-link formats are not in our reference; the defaults are the sandbox's paths and ops
    # set TikTok's current ones in TIKTOK_MANAGE_PATHS (same placeholders). The host check still applies.
    template = settings.TIKTOK_MANAGE_PATHS.get(destination.name) or destination.path
    try:
        path = template.format(**values)
    except (KeyError, IndexError, ValueError):
        return None
    url = path if path.startswith("https://") else settings.TIKTOK_WEB_BASE_URL.rstrip("/") + path
    return url if host_allowed(url) else None


def available_destinations(connection: TikTokConnection | None) -> dict[str, bool]:
    """Which buttons can lead somewhere for this connection, keyed for templates (`create_ad`)."""
    return {name.replace("-", "_"): destination_url(name, connection) is not None for name in DESTINATIONS}
