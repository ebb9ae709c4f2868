"""Injects the TikTok Pixel into storefront pages of VTEX IO stores with an active connection.

Order in MIDDLEWARE: below csp.middleware.CSPMiddleware (our response hook runs first, so the nonce we
read is put in the CSP header) and below GZip/ConditionalGet if those are ever added (the body must
be final before it is compressed or hashed into an ETag). Rules follow django-debug-toolbar's
injection: skip streaming, already-encoded and non-HTML responses; insert before the last `</body>`
(any case); fix Content-Length.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponseBase
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse

from . import events
from .cache import PixelConfig, pixel_config_for_account
from .services import (
    CONSENT_PENDING,
    consent_allows_browser,
    consent_allows_server,
    consent_state,
    marker_cookie_update,
    shopper_state_pull,
    ttclid_remember,
)
from .services.attribution import ad_click_landed

STOREFRONT_PREFIX = "/s/"
HTML_TYPES = ("text/html", "application/xhtml+xml")
DATA_ELEMENT_ID = "tiktok-pixel-data"
_BODY_END = b"</body>"


def _account(request: HttpRequest) -> str | None:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    account = match.kwargs.get("account")
    return account if isinstance(account, str) else None


def _injectable(request: HttpRequest, response: HttpResponseBase) -> bool:
    if request.method != "GET" or response.status_code != 200 or response.streaming:
        return False
    if response.get("Content-Encoding"):
        return False
    content_type = response.get("Content-Type", "").split(";", 1)[0].strip().lower()
    return content_type in HTML_TYPES


def _nonce(request: HttpRequest) -> str:
    # Reading it makes django-csp add 'nonce-…' to the header it writes after us.
    nonce = getattr(request, "csp_nonce", None)
    return str(nonce) if nonce is not None else ""


@functools.cache
def _script_url() -> str:
    # Static URLs do not change while a process runs; resolving one costs more than the rest of the
    # injection (storage lookup, urljoin).
    return static("js/pixel-tiktok.js")


# The escapes of django.utils.html.json_script: "<", ">" and "&" never appear raw, so no store text
# can close the element or open a new one.
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def _json_block(data: dict[str, Any]) -> str:
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=True).translate(_JSON_ESCAPES)
    return f'<script id="{DATA_ELEMENT_ID}" type="application/json">{payload}</script>'


def pixel_markup(request: HttpRequest, config: PixelConfig, consent: str) -> str:
    """The JSON data block, the pixel script and (when consent is pending) the banner."""
    events_pulled, identity = shopper_state_pull(request, config.store_id)
    view_props = getattr(request, "_tt_pixel_view", None) or {}
    page_events = [
        {"event": events.VIEW_CONTENT, "properties": view_props, "event_id": events.new_event_id()}
    ]
    page_events.extend(events_pulled)
    data: dict[str, Any] = {
        "pixelCode": config.pixel_code,
        "sdkUrl": settings.TIKTOK_PIXEL_SDK_URL,
        "consent": consent,
        "identify": identity if (config.advanced_matching and identity) else None,
        "events": page_events,
    }
    parts: list[str] = []
    if consent == CONSENT_PENDING:
        # Before the script: it wires the banner's buttons when it runs.
        parts.append(
            render_to_string(
                "pixel/_consent_banner.html",
                {
                    "action": reverse("pixel-consent", kwargs={"account": config.account}),
                    "next": request.get_full_path(),
                    "csrf_token": get_token(request),
                    "stylesheet": static("css/pixel-consent.css"),
                },
            )
        )
    parts.append(_json_block(data))
    parts.append(f'<script nonce="{_nonce(request)}" src="{_script_url()}"></script>')
    return "".join(parts)


def body_end_index(response: HttpResponseBase) -> int:
    """Where the last `</body>` (any case) starts, or -1."""
    return response.content.lower().rfind(_BODY_END)  # type: ignore[attr-defined]


def inject_at(response: HttpResponseBase, index: int, markup: str) -> None:
    content: bytes = response.content  # type: ignore[attr-defined]
    charset = getattr(response, "charset", None) or settings.DEFAULT_CHARSET
    response.content = content[:index] + markup.encode(charset) + content[index:]  # type: ignore[attr-defined]
    if response.has_header("Content-Length"):
        response["Content-Length"] = str(len(response.content))  # type: ignore[attr-defined]
    # A per-request nonce is now in the body: an ETag computed before would describe another body.
    if response.has_header("ETag"):
        del response["ETag"]


class PixelMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not request.path_info.startswith(STOREFRONT_PREFIX):
            return response
        account = _account(request)
        if account is None:
            return response
        if _injectable(request, response):
            config = pixel_config_for_account(account)
            if config is not None:
                consent = consent_state(request, config)
                index = body_end_index(response) if consent_allows_browser(consent) else -1
                if index >= 0:
                    inject_at(response, index, pixel_markup(request, config, consent))
                if consent_allows_server(consent):
                    ttclid_remember(request, response, account)
                    ad_click_landed(config.store_id, request.GET.get("ttclid", ""))
        marker_cookie_update(request, response, account)
        return response
