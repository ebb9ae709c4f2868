"""The log redaction filter (integration.log_redaction) and the LOGGING that runs it: OAuth codes, states,
tokens and secrets are blanked in every log line, as written, URL-encoded (once or twice, the `next=` of
a login URL, a referrer) or in JSON-ish text, and innocent words are left alone."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.core.servers.basehttp import WSGIRequestHandler

from integration.log_redaction import RedactSecrets, redact

ROOT = Path(__file__).resolve().parents[2]
R = "[redacted]"

REDACT_TABLE = [
    # The callback's request line, as runserver logs it.
    (
        '"GET /admin/lojademo/marketplace/tiktok/shop/callback/?auth_code=SECRETCODE123&state=STATE456 '
        'HTTP/1.1" 302 0',
        f'"GET /admin/lojademo/marketplace/tiktok/shop/callback/?auth_code={R}&state={R} HTTP/1.1" 302 0',
    ),
    # The login URL the Shop callback used to redirect to: the callback's query, URL-encoded in `next=`.
    (
        "GET /accounts/login/?next=/admin/x/marketplace/tiktok/shop/callback/%3Fauth_code%3DSECRETCODE123"
        "%26state%3DSTATE456 HTTP/1.1",
        f"GET /accounts/login/?next=/admin/x/marketplace/tiktok/shop/callback/%3Fauth_code%3D{R}"
        f"%26state%3D{R} HTTP/1.1",
    ),
    # Lower-case escapes, and a fully encoded `next` (`/` as %2F).
    (
        "/accounts/login/?next=%2Fcb%2F%3fauth_code%3dSECRETCODE123%26state%3dSTATE456",
        f"/accounts/login/?next=%2Fcb%2F%3fauth_code%3d{R}%26state%3d{R}",
    ),
    # Encoded twice (a login URL inside another URL).
    (
        "/x/?r=%252Fcb%253Fauth_code%253DSECRETCODE123%2526state%253DSTATE456&lang=pt",
        f"/x/?r=%252Fcb%253Fauth_code%253D{R}%2526state%253D{R}&lang=pt",
    ),
    # A value that itself holds escapes keeps being blanked up to the next (encoded) `&`.
    ("?state=abc%2Bdef%3D%3D&x=1", f"?state={R}&x=1"),
    ("%3Fstate%3Dabc%252Bdef%26x%3D1", f"%3Fstate%3D{R}%26x%3D1"),
    # `code` (the OAuth 2 name) in a query string, plain or encoded.
    ("https://x.test/cb?code=OAUTHCODE&scope=a", f"https://x.test/cb?code={R}&scope=a"),
    ("next=%2Fcb%3Fcode%3DOAUTHCODE%26x%3D1", f"next=%2Fcb%3Fcode%3D{R}%26x%3D1"),
    # Every secret key; case does not matter.
    (
        "?access_token=A1&refresh_token=R1&token=T1&secret=S1&app_secret=S2&client_secret=S3&external_data=E1",
        f"?access_token={R}&refresh_token={R}&token={R}&secret={R}&app_secret={R}&client_secret={R}"
        f"&external_data={R}",
    ),
    ("?AUTH_CODE=X1&State=X2&Access_Token=X3", f"?AUTH_CODE={R}&State={R}&Access_Token={R}"),
    # `key=value` in free text and in a dict's repr / kwargs-like text.
    ("exchange auth_code=X1 secret=X2 done", f"exchange auth_code={R} secret={R} done"),
    ("call(state='a b', auth_code=\"c d\")", f"call(state={R}, auth_code={R})"),
    # The hidden `next` input of a login page (`&` HTML-escaped).
    (
        '<input type="hidden" name="next" value="/cb/?auth_code=X1&amp;state=X2">',
        f'<input type="hidden" name="next" value="/cb/?auth_code={R}&amp;state={R}">',
    ),
    # JSON-ish text: quoted values of the secret keys, double or single quotes, escaped JSON in JSON.
    (
        '{"access_token": "act.X1", "advertiser_ids": ["7200"], "secret":"S1"}',
        f'{{"access_token": "{R}", "advertiser_ids": ["7200"], "secret":"{R}"}}',
    ),
    (
        "{'auth_code': 'X1', 'state': 'X2', 'shop': 'Loja'}",
        f"{{'auth_code': '{R}', 'state': '{R}', 'shop': 'Loja'}}",
    ),
    ('{"body": "{\\"app_secret\\": \\"S1\\"}"}', f'{{"body": "{{\\"app_secret\\": \\"{R}\\"}}"}}'),
    ('{"auth_code": "X\\"Y", "n": 1}', f'{{"auth_code": "{R}", "n": 1}}'),
    # A JSON `code` is blanked only when it is a string (an OAuth code), not TikTok's numeric envelope code.
    ('{"code": 40105, "message": "x"}', '{"code": 40105, "message": "x"}'),
    ('{"code": "OAUTHCODE"}', f'{{"code": "{R}"}}'),
    # `&`/`?` escaped in JSON.
    ('"url": "/cb/\\u003fauth_code=X1\\u0026state=X2"', f'"url": "/cb/\\u003fauth_code={R}\\u0026state={R}"'),
    # Innocent words stay: other keys that end or start with a secret word, prose, TikTok's envelope code.
    ("https://x.test/?country_code=BR&statement=ok&estate=1&my_state=2&tokens=3", None),
    ("tiktok GET /open_api/v1.3/bc/get/ http=200 tiktok_code=40105 request_id=r1 latency_ms=3.0", None),
    ("catalog sync: auth error, disconnecting connection=7 code=40105", None),
    ("the shop state: CONNECTED; a secret handshake; token bucket empty; barcode=789", None),
    ('{"state_hash": "abc", "codes": "x", "encode": "y"}', None),
    ("nothing to hide here", None),
    ("", None),
]


@pytest.mark.parametrize(("line", "expected"), REDACT_TABLE)
def test_redact(line: str, expected: str | None) -> None:
    assert redact(line) == (line if expected is None else expected)


def _console() -> logging.StreamHandler[io.StringIO]:
    handler = next(h for h in logging.getLogger("django.server").handlers if h.get_name() == "console")
    assert isinstance(handler, logging.StreamHandler)
    return handler


def _written_by_console(record: logging.LogRecord) -> str:
    """What the configured console handler (filters, then formatter) writes for `record`."""
    handler = _console()
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        handler.handle(record)
    finally:
        handler.setStream(previous)
    return stream.getvalue()


def test_runserver_request_line_with_an_encoded_next_is_written_redacted() -> None:
    """The web log of `make run` is runserver's `django.server` logger, handled by `console` (filter
    `redact_secrets`, formatter `plain`). Its line for the login page the Shop callback used to redirect to,
    made by runserver's own request handler, comes out with both values blanked."""
    server = logging.getLogger("django.server")
    assert server.propagate is False
    configured = [h for h in server.handlers if not type(h).__module__.startswith("_pytest")]
    assert [h.get_name() for h in configured] == ["console"]
    assert any(isinstance(f, RedactSecrets) for f in _console().filters)
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    keep = Keep()
    server.addHandler(keep)
    try:
        handler = WSGIRequestHandler.__new__(WSGIRequestHandler)  # no socket: only its logging is used
        handler.requestline = (
            "GET /accounts/login/?next=/admin/lojademo/marketplace/tiktok/shop/callback/"
            "%3Fauth_code%3DSECRETCODE123%26state%3DSTATE456 HTTP/1.1"
        )
        handler.request = None
        handler.log_request(200, 2385)
    finally:
        server.removeHandler(keep)
    (record,) = records
    written = _written_by_console(record)
    assert "SECRETCODE123" not in written and "STATE456" not in written
    assert written.endswith(
        ' INFO django.server "GET /accounts/login/?next=/admin/lojademo/marketplace/tiktok/shop/callback/'
        f'%3Fauth_code%3D{R}%26state%3D{R} HTTP/1.1" 200 2385\n'
    )


def test_tracebacks_and_stacks_are_redacted_too() -> None:
    try:
        raise ValueError("bad answer from /cb/?auth_code=SECRETCODE123&state=STATE456")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "tiktok_shop", logging.ERROR, __file__, 1, "callback failed: %s", ("%3Fstate%3DSTATE456",), exc_info
    )
    record.stack_info = "Stack (most recent call last):\n  next=%2Fcb%3Fauth_code%3DSECRETCODE123"
    written = _written_by_console(record)
    assert "ValueError: bad answer from /cb/?auth_code=" in written and "Stack (most recent" in written
    assert "SECRETCODE123" not in written and "STATE456" not in written


def _run_fresh(code: str, *, keep_redis: bool) -> subprocess.CompletedProcess[str]:
    """`code` in a fresh Python process with the development settings (the test runner's own settings and
    database left out; the worker case keeps REDIS_URL so its app loads the Redis broker)."""
    drop = {"PYTEST_VERSION", "DATABASE_URL", "DJANGO_SETTINGS_MODULE", "LOG_LEVEL"}
    if not keep_redis:
        drop.add("REDIS_URL")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update({"DEBUG": "1", "DJANGO_SETTINGS_MODULE": "tiktok_admin.settings"})
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


_STARTED_APP = textwrap.dedent(
    """
    import datetime, json, logging, sys, types

    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    # A gunicorn master run with --access-logfile - sets up its loggers first...
    cfg = Config()
    cfg.set("accesslog", "-")
    gunicorn_log = Logger(cfg)

    # ...then a worker loads the app, and Django applies LOGGING.
    import django

    django.setup()
    import integration.views, tiktok_shop.views, catalog_sync.services, pixel.cache, tiktok_api.transport  # noqa

    from integration.log_redaction import RedactSecrets

    unfiltered = {}
    for name in ["", "gunicorn.access", *logging.root.manager.loggerDict]:
        logger = logging.getLogger(name)
        if name.startswith("gunicorn.error"):
            continue  # gunicorn's own error log, not the web log
        while logger is not None:
            for handler in logger.handlers:
                if isinstance(handler, logging.NullHandler):
                    continue  # libraries' "no output unless configured": writes nothing
                if not any(isinstance(f, RedactSecrets) for f in handler.filters):
                    unfiltered.setdefault(name or "root", []).append(f"{logger.name}: {handler!r}")
            logger = logger.parent if logger.propagate else None

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/admin/lojademo/marketplace/tiktok/shop/callback/?auth_code=SECRETCODE123&state=STATE456",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.1",
        "HTTP_REFERER": "https://x.test/accounts/login/?next=%2Fcb%3Fauth_code%3DSECRETCODE123%26state%3DSTATE456",
    }
    response = types.SimpleNamespace(status="302 Found", sent=0, headers=[])
    gunicorn_log.access(response, types.SimpleNamespace(headers=[]), environ, datetime.timedelta(microseconds=1500))
    logging.getLogger("django.request").warning("Not Found: %s", "/x/?next=%2Fcb%3Fstate%3DSTATE456")
    sys.stdout.flush()
    sys.stderr.flush()
    print("UNFILTERED " + json.dumps(unfiltered), flush=True)
    """
)


def test_every_log_handler_of_the_started_app_redacts_and_gunicorn_access_lines_too() -> None:
    """In a fresh process started as a gunicorn worker with its access log on: every handler any logger
    writes to carries the filter (Django's own default handlers on `django` included), and gunicorn's
    access line for the callback (request line and an encoded referrer) comes out redacted."""
    result = _run_fresh(_STARTED_APP, keep_redis=False)
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "UNFILTERED {}" in result.stdout, output
    assert "SECRETCODE123" not in output and "STATE456" not in output, output
    assert (
        f'"GET /admin/lojademo/marketplace/tiktok/shop/callback/?auth_code={R}&state={R} HTTP/1.1" 302 0 '
        f'"https://x.test/accounts/login/?next=%2Fcb%3Fauth_code%3D{R}%26state%3D{R}"'
    ) in result.stderr
    assert f"WARNING django.request Not Found: /x/?next=%2Fcb%3Fstate%3D{R}" in result.stderr


_STARTED_WORKER = textwrap.dedent(
    """
    import logging, sys

    # What `celery -A tiktok_admin worker` does before it consumes: load the app (Django is set up), then
    # set up the worker's logging (WorkController.setup_logging calls app.log.setup).
    from tiktok_admin.celery import app

    app.loader.init_worker()
    app.log.setup(loglevel="INFO", redirect_stdouts=True)

    from integration.log_redaction import RedactSecrets

    root = logging.getLogger()
    print("ROOT " + ",".join(str(any(isinstance(f, RedactSecrets) for f in h.filters)) for h in root.handlers),
          file=sys.__stdout__, flush=True)
    logging.getLogger("integration.oauth").warning("callback /cb/?auth_code=SECRETCODE123&state=STATE456")
    logging.getLogger("celery.worker").warning("next=%2Fcb%3Fauth_code%3DSECRETCODE123")
    # A stray print in a task: the worker redirects stdout to a logger.
    print("/cb/?state=STATE456")
    sys.stderr.flush()
    """
)


def test_a_celery_worker_keeps_the_redacting_handler() -> None:
    """Celery replaces the root logger's handlers when a worker starts unless told not to: the worker's
    log lines (task logs, celery's own, redirected prints) must go through the same filter."""
    result = _run_fresh(_STARTED_WORKER, keep_redis=True)
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "ROOT True" in result.stdout, output
    assert "SECRETCODE123" not in output and "STATE456" not in output, output
    assert f"WARNING integration.oauth callback /cb/?auth_code={R}&state={R}" in result.stderr
    assert f"next=%2Fcb%3Fauth_code%3D{R}" in result.stderr
    assert f"/cb/?state={R}" in result.stderr
