"""What every route module needs from a request: the API error and call context, JSON answers and bodies,
the loopback guard of the admin APIs, and the redirect helpers of TikTok's hosted pages."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from sqlite3 import Row
from typing import Any
from urllib.parse import quote, unquote, urlencode, urlparse

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


def _plain_ascii(value: str) -> bool:
    """Printable ASCII without space or backslash: nothing a browser drops before it resolves a URL (tab,
    newline, leading spaces), reads as `/` (backslash), or an HTTP header cannot carry (newline)."""
    return all("!" <= ch <= "~" for ch in value) and "\\" not in value


def _origin(url: str) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) of an http(s) URL without user info; None for anything else."""
    try:
        parsed = urlparse(url)
        port = parsed.port
    except ValueError:  # "http://[::1", "http://127.0.0.1:99999/"
        return None
    if parsed.scheme not in ("http", "https") or not parsed.hostname or "@" in parsed.netloc:
        return None
    return parsed.scheme, parsed.hostname, port


def redirect_allowed(app_row: Row, redirect_uri: str) -> bool:
    """Where a hosted page may send the merchant back to: under the app's registered prefix (and on its
    scheme, host and port), or (no prefix) anywhere on loopback. Never with control characters, whitespace,
    backslashes or user info (`http://evil.com\\@127.0.0.1/` is evil.com to a browser)."""
    origin = _origin(redirect_uri) if _plain_ascii(redirect_uri) else None
    if origin is None:
        return False
    prefix = app_row["redirect_uri_prefix"]
    if prefix:
        return origin == _origin(prefix) and redirect_uri.startswith(prefix)
    return origin[1] in LOOPBACK_HOSTS


def safe_next(value: str | None, default: str = "/") -> str:
    """`value` (a `next=` of the login page) if it is a path on this host, else `default`.

    Refused: anything but printable ASCII (control characters and whitespace: browsers drop tab and newline,
    so `/<TAB>/evil.com` is `//evil.com`, and a newline cannot go into `Location`), backslashes (read as
    `/`), whatever does not start with exactly one `/` (`//evil.com`, `https://evil.com`, ` /x`), and a path
    that percent-decodes to one of those (`/%2F/evil.com`, `/%5Cevil.com`), in case a later hop decodes it.
    """
    if not value or not _plain_ascii(value) or not value.startswith("/") or value.startswith("//"):
        return default
    path = unquote(value.split("?", 1)[0].split("#", 1)[0])
    if path.startswith("//") or "\\" in path or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in path):
        return default
    return value


def with_query(url: str, params: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params, quote_via=quote)
