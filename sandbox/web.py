"""What every route module needs from a request: the API error and call context, JSON answers and bodies,
the loopback guard of the admin APIs, and the redirect helpers of TikTok's hosted pages."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from sqlite3 import Row
from typing import Any
from urllib.parse import quote, urlencode, urlparse

from werkzeug.wrappers import Request, Response

from sandbox.storage import Storage, dumps

# The only hosts this local emulator trusts: admin clients, redirect targets without a registered prefix,
# and the image URLs it fetches.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

MSG_TOKEN_MISSING = "Access token is null, you should set it in http header with key Access-Token."
MSG_TOKEN_INVALID = "Access token is incorrect or has been revoked."


class ApiError(Exception):
    """An API-level result other than success: answered as the envelope's `code` and `message`."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class ApiContext:
    """One API call as its handler sees it; the handler fills in what the journal should record."""

    storage: Storage
    config: dict[str, Any]
    request: Request
    endpoint: str
    version: str
    body: dict[str, Any] = field(default_factory=dict)
    token: Row | None = None
    app_id: str | None = None
    catalog_id: str | None = None
    sku_ids: list[str] = field(default_factory=list)
    feed_log_id: str | None = None

    def arg(self, name: str) -> Any:
        """A parameter from the JSON body (POST) or the query string (GET)."""
        if self.request.method == "GET":
            return self.request.args.get(name)
        return self.body.get(name)

    def json_arg(self, name: str) -> Any:
        """GET arrays/objects are JSON-encoded strings in the query (§1)."""
        raw = self.arg(name)
        if isinstance(raw, str) and self.request.method == "GET":
            try:
                return json.loads(raw)
            except ValueError as exc:
                raise ApiError(40002, f"{name}: Not a valid JSON value.") from exc
        return raw

    def require(self, name: str) -> str:
        value = self.arg(name)
        if value is None or value == "":
            raise ApiError(40002, f"{name}: Missing data for required field.")
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ApiError(40002, f"{name}: Not a valid string.")
        return str(value)

    @property
    def user_id(self) -> str:
        if self.token is None:
            raise RuntimeError(f"{self.endpoint} has no authenticated user (a route with auth='none')")
        return str(self.token["user_id"])


ApiHandler = Callable[[ApiContext], Any]
# A page or admin route: handler(app, request, **url_values) -> Response.
RawHandler = Callable[..., Response]
# An admin route before `admin_api` wraps it: it may answer a plain dict.
AdminHandler = Callable[..., Any]


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(dumps(payload), status=status, mimetype="application/json")


def json_body(request: Request) -> dict[str, Any]:
    """The admin APIs' JSON object body ({} when empty); ValueError when it is not one."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    body = json.loads(raw)
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    return body


def is_loopback(request: Request) -> bool:
    return request.remote_addr in LOOPBACK_HOSTS


def admin_api(handler: AdminHandler) -> RawHandler:
    """An admin route: loopback clients only, a malformed request is the client's mistake (HTTP 400), and a
    dict is answered as JSON."""

    @functools.wraps(handler)
    def guarded(app: object, request: Request, **values: Any) -> Response:
        if not is_loopback(request):
            return json_response({"error": "the admin API answers loopback clients only"}, 403)
        try:
            result = handler(app, request, **values)
        except (ValueError, KeyError, TypeError) as exc:
            return json_response({"error": str(exc)}, 400)
        if isinstance(result, Response):
            return result
        return json_response(result)

    return guarded


def redirect_allowed(app_row: Row, redirect_uri: str) -> bool:
    """Where a hosted page may send the merchant back to: under the app's registered prefix, or (no prefix)
    anywhere on loopback."""
    parsed = urlparse(redirect_uri)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return False
    prefix = app_row["redirect_uri_prefix"]
    if prefix:
        return redirect_uri.startswith(prefix)
    return parsed.hostname in LOOPBACK_HOSTS


def with_query(url: str, params: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params, quote_via=quote)
