"""Both OAuth callbacks (TikTok Shop and TikTok for Business), opened while logged out: the single-use
`auth_code` and the `state` reach no page, no header, no hidden input and no log line, not even URL-encoded
inside the login page's `next=`. After sign-in the merchant lands on the bare callback, which sends them on
to start again."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, unquote, urlencode

import pytest
from django.core.servers.basehttp import WSGIRequestHandler
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

SECRETS = ("SECRETCODE123", "STATE456")
QUERY = {"auth_code": SECRETS[0], "state": SECRETS[1]}
# Every logger the callbacks' requests can write to: Django's (runserver's request lines, request errors),
# the apps' own and the TikTok clients'.
LOGGERS = (
    "django",
    "django.server",
    "django.request",
    "django.security",
    "integration",
    "tiktok_shop",
    "tiktok_api",
    "tiktok_admin",
    "store",
)
# What the bare callback says after sign-in: the answer could not be used, start again.
START_AGAIN = {
    "shop-callback": "The answer from TikTok Shop could not be verified. Start the connection again.",
    "tiktok-callback": "The answer from TikTok could not be verified. Start the connection again.",
}


def _forms(secret: str) -> set[str]:
    """The secret as written and URL-encoded once and twice."""
    once = quote(secret, safe="")
    return {secret, once, quote(once, safe="")}


def _leaks(text: str) -> list[str]:
    """The secrets found in `text`, whatever the case, as written or after undoing up to three levels of
    URL encoding and the HTML escaping (so `%53ECRET...` or `auth_code%253D...` counts too)."""
    decoded = [text]
    for _ in range(3):
        decoded.append(unquote(decoded[-1]))
    decoded.append(unescape(decoded[-1]))
    haystack = "\n".join(decoded).lower()
    return [secret for secret in SECRETS for form in _forms(secret) if form.lower() in haystack]


class _HiddenInputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "input" and (attributes.get("type") or "").lower() == "hidden":
            self.inputs.append((attributes.get("name") or "", attributes.get("value") or ""))


def _hidden_inputs(html: str) -> list[tuple[str, str]]:
    """(name, value) of every hidden input: the login form's `next`, the language switcher's own `next`
    (the page's full URL), the CSRF token..."""
    parser = _HiddenInputs()
    parser.feed(html)
    return parser.inputs


def _configured_stream_handlers() -> list[logging.StreamHandler[Any]]:
    """Every stream handler the loggers above write to (following propagation), pytest's own excepted."""
    found: list[logging.StreamHandler[Any]] = []
    for name in ("", *LOGGERS):
        logger: logging.Logger | None = logging.getLogger(name)
        while logger is not None:
            for handler in logger.handlers:
                ours = not type(handler).__module__.startswith("_pytest")
                if ours and isinstance(handler, logging.StreamHandler) and handler not in found:
                    found.append(handler)
            logger = logger.parent if logger.propagate else None
    return found


class _WebLog:
    """The web log as `make run` writes it: each request line goes through runserver's own request handler
    (`WSGIRequestHandler.log_request`, the `django.server` logger), and everything the configured handlers
    write (their filters and formatters included) is read back from their streams."""

    def __init__(self, streams: list[io.StringIO]) -> None:
        self.streams = streams

    def request(self, client: Client, method: str, path: str, data: dict[str, str] | None = None) -> Any:
        query = urlencode(data) if data and method == "GET" else ""
        target = f"{path}?{query}" if query else path
        if method == "GET":
            response = client.get(target)
        else:
            response = client.post(target, data or {})
        handler = WSGIRequestHandler.__new__(WSGIRequestHandler)  # no socket: only its logging is used
        handler.requestline = f"{method} {target} HTTP/1.1"
        handler.request = None
        handler.log_request(response.status_code, len(response.content))
        return response

    @property
    def text(self) -> str:
        return "".join(stream.getvalue() for stream in self.streams)


@pytest.fixture
def web_log(caplog: pytest.LogCaptureFixture) -> Iterator[_WebLog]:
    """Logging at DEBUG for every logger (pytest's capture included, also on `django.server`, which does
    not propagate), and every configured stream handler writing into a buffer."""
    caplog.set_level(logging.DEBUG)
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    handlers = _configured_stream_handlers()
    assert any(h.get_name() == "console" for h in handlers)
    streams = [io.StringIO() for _ in handlers]
    previous = [handler.setStream(stream) for handler, stream in zip(handlers, streams, strict=True)]
    # pytest >= 9 attaches its capture to non-propagating loggers itself (after the configured handler).
    server = logging.getLogger("django.server")
    attached = caplog.handler not in server.handlers
    if attached:
        server.addHandler(caplog.handler)
    try:
        yield _WebLog(streams)
    finally:
        if attached:
            server.removeHandler(caplog.handler)
        for handler, stream in zip(handlers, previous, strict=True):
            handler.setStream(stream)


def _everything_a_browser_sees(response: HttpResponse) -> str:
    """Status, headers (Location included), cookies and body of one response."""
    headers = "\n".join(f"{name}: {value}" for name, value in response.items())
    cookies = "\n".join(morsel.OutputString() for morsel in response.cookies.values())
    return f"{response.status_code}\n{headers}\n{cookies}\n{response.content.decode(errors='replace')}"


@pytest.mark.parametrize("callback", ["shop-callback", "tiktok-callback"])
def test_logged_out_callback_leaves_the_code_and_state_nowhere(
    callback: str,
    store: Any,
    admin_user_of_store: Any,
    web_log: _WebLog,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = Client()
    callback_path = reverse(callback, kwargs={"account": store.account})
    leaks: list[str] = []

    def check(where: str, text: str) -> None:
        leaks.extend(f"{secret} in {where}" for secret in _leaks(text))

    # TikTok sends the merchant back while the admin session is gone.
    answer = web_log.request(client, "GET", callback_path, QUERY)
    check("the callback's response", _everything_a_browser_sees(answer))
    assert answer.status_code == 302
    login_url = answer["Location"]
    assert login_url == f"{reverse('login')}?{urlencode({'next': callback_path}, safe='/')}"

    login_page = web_log.request(client, "GET", login_url)
    check("the login page", _everything_a_browser_sees(login_page))
    assert login_page.status_code == 200
    hidden = _hidden_inputs(login_page.content.decode())
    assert ("next", callback_path) in hidden  # the login form's
    for name, value in hidden:
        check(f"the hidden input {name!r}", value)

    # Signing in goes to `next`: the bare callback, which explains and lands on the channel's page.
    signed_in = web_log.request(
        client,
        "POST",
        login_url,
        {"username": admin_user_of_store.username, "password": "pass-1234-word", "next": callback_path},
    )
    check("the sign-in response", _everything_a_browser_sees(signed_in))
    assert signed_in.status_code == 302 and signed_in["Location"] == callback_path
    landing = web_log.request(client, "GET", signed_in["Location"])
    check("the bare callback", _everything_a_browser_sees(landing))
    assert landing.status_code == 302
    page = web_log.request(client, "GET", landing["Location"])
    check("the page after sign-in", _everything_a_browser_sees(page))
    assert page.status_code == 200
    assert START_AGAIN[callback] in page.content.decode()

    check("the session", repr(dict(client.session.items())))
    check("the web log", web_log.text)
    check("a captured log record", caplog.text)
    check("a captured log record", "\n".join(r.getMessage() for r in caplog.records))
    # The log did see these requests (the check is not vacuous): the callback's line, its values blanked.
    assert f"GET {callback_path}?auth_code=[redacted]&state=[redacted] HTTP/1.1" in web_log.text
    assert f"GET {login_url} HTTP/1.1" in web_log.text
    assert any(r.name == "django.server" for r in caplog.records)
    assert leaks == []
