"""Where the hosted pages redirect to: a login's `next` only to a path on the sandbox (never a 500, never
another host), an onboarding's `redirect_uri` only to a registered / loopback origin."""

from __future__ import annotations

import re
import time

import pytest
import requests

from sandbox import extdata

pytestmark = pytest.mark.slow

CREDENTIALS = {"email": "demo@tiktok.test", "password": "sandbox"}

# (the `next` exactly as it appears in the query string, the Location a successful login answers).
NEXT_TABLE = [
    # Control characters: a newline cannot go into a header (was a 500); browsers drop tab and newline, so
    # `/<TAB>/evil.com` is `//evil.com` (was answered as `Location: //evil.com`).
    ("/%0A/evil.com", "/"),
    ("/%09/evil.com", "/"),
    ("/%0D/evil.com", "/"),
    ("/%0D%0ASet-Cookie:%20x=1", "/"),
    ("/%00/evil.com", "/"),
    ("/%7F/evil.com", "/"),
    # Backslashes: browsers read `\` as `/`.
    ("/%5Cevil.com", "/"),
    ("/%5C%5Cevil.com", "/"),
    ("%5C%5Cevil.com", "/"),
    ("/%5C/evil.com", "/"),
    # Scheme-relative and absolute URLs.
    ("//evil.com", "/"),
    ("/%2F/evil.com", "/"),
    ("%2F%2Fevil.com", "/"),
    ("https://evil.com", "/"),
    ("https:evil.com", "/"),
    ("javascript:alert(1)", "/"),
    # Paths that decode to one of the above if a later hop decodes them once more.
    ("/%252F/evil.com", "/"),
    ("/%255Cevil.com", "/"),
    ("/%2509/evil.com", "/"),
    # Whitespace and non-ASCII anywhere.
    ("%20/x", "/"),
    ("/x%20", "/"),
    ("/x%20y", "/"),
    ("/%E2%80%8B/x", "/"),
    ("/%E3%80%80/x", "/"),
    # Nothing at all.
    ("", "/"),
    # Good relative targets are kept exactly.
    ("/ok/path", "/ok/path"),
    ("/bc/7100000000000000001/%3Flang%3Dpt", "/bc/7100000000000000001/?lang=pt"),
    ("/search%3Fq%3Da%2520b%23top", "/search?q=a%20b#top"),
    ("/business-extension/setup/abc_-123/", "/business-extension/setup/abc_-123/"),
]


def _hidden_next(html: str) -> str:
    return re.search(r'name="next" value="([^"]*)"', html).group(1)


@pytest.mark.parametrize(("query", "location"), NEXT_TABLE)
def test_login_next_in_the_query(sandbox, query, location):
    url = f"{sandbox.url}/login?next={query}"
    resp = requests.post(url, data=CREDENTIALS, allow_redirects=False, timeout=10)
    assert (resp.status_code, resp.headers.get("Location")) == (302, location)
    assert "tt_sandbox_sid" in resp.cookies  # the login itself succeeded
    page = requests.get(url, timeout=10)
    assert page.status_code == 200
    assert _hidden_next(page.text) == location
    failed = requests.post(url, data={**CREDENTIALS, "password": "nope"}, timeout=10)
    assert (failed.status_code, _hidden_next(failed.text)) == (400, location)


@pytest.mark.parametrize(
    ("value", "location"),
    [
        ("/\n/evil.com", "/"),
        ("/\t/evil.com", "/"),
        ("/\\evil.com", "/"),
        ("/\\\\evil.com", "/"),
        ("//evil.com", "/"),
        ("/%2F/evil.com", "/"),
        ("https://evil.com", "/"),
        (" /x", "/"),
        ("/ok/path", "/ok/path"),
    ],
)
def test_login_next_in_the_form(sandbox, value, location):
    """The login form posts `next` as a hidden field: the same rules apply to the body."""
    resp = requests.post(
        f"{sandbox.url}/login", data={**CREDENTIALS, "next": value}, allow_redirects=False, timeout=10
    )
    assert (resp.status_code, resp.headers.get("Location")) == (302, location)


def test_a_good_relative_next_still_takes_the_merchant_back(sandbox):
    page = "/bc/7100000000000000001/"
    s = requests.Session()
    anonymous = s.get(sandbox.url + page, allow_redirects=False, timeout=10)
    assert (anonymous.status_code, anonymous.headers["Location"]) == (
        302,
        "/login?next=%2Fbc%2F7100000000000000001%2F",
    )
    login_page = s.get(sandbox.url + anonymous.headers["Location"], timeout=10)
    nxt = _hidden_next(login_page.text)
    assert nxt == page
    done = s.post(
        f"{sandbox.url}/login", data={**CREDENTIALS, "next": nxt}, allow_redirects=False, timeout=10
    )
    assert (done.status_code, done.headers["Location"]) == (302, page)
    assert s.get(sandbox.url + page, timeout=10).status_code == 200


# redirect_uri values of an onboarding's external_data (app without a registered prefix: loopback only).
REDIRECT_URI_TABLE = [
    ("http://evil.com\\@127.0.0.1:8000/cb", False),  # a browser goes to evil.com
    ("http://127.0.0.1:8000\\@evil.com/cb", False),
    ("http://127.0.0.1:8000@evil.com/cb", False),
    ("http://user@127.0.0.1:8000/cb", False),
    ("http://127.0.0.1:8000/c\tb", False),
    ("http://127.0.0.1:8000/c\nb", False),
    (" http://127.0.0.1:8000/cb", False),
    ("http://127.0.0.1:8000/c b", False),
    ("http://[::1", False),  # was a 500 (urlparse raises)
    ("http://127.0.0.1:99999/cb", False),  # port out of range
    ("//127.0.0.1:8000/cb", False),
    ("javascript://127.0.0.1/%0Aalert(1)", False),
    ("https://evil.example/steal", False),
    ("http://127.0.0.1:8000/callback/", True),
    ("http://localhost:9/cb?x=1", True),
    ("http://[::1]:8000/cb", True),
]


def _entry(sandbox, external_data: str) -> requests.Response:
    return requests.get(
        f"{sandbox.url}/business-extension/auth",
        params={"external_data": external_data},
        allow_redirects=False,
        timeout=10,
    )


@pytest.mark.parametrize(("redirect_uri", "allowed"), REDIRECT_URI_TABLE)
def test_onboarding_redirect_uri_without_prefix(sandbox, redirect_uri, allowed):
    resp = _entry(sandbox, sandbox.external_data(redirect_uri=redirect_uri))
    if allowed:
        assert resp.status_code == 302
        assert resp.headers["Location"].startswith("/login?next=%2Fbusiness-extension%2Fsetup%2F")
    else:
        assert resp.status_code == 400
        assert "redirect_uri is missing or not registered" in resp.text


PREFIX_APP = {
    "app_id": "7400000000000000077",
    "secret": "prefix-secret",
    "external_data_key": "prefix-external-data-key",
    "business_platform": "QA_PREFIX",
    "platform_name": "QA Prefix",
    "redirect_uri_prefix": "http://127.0.0.1:8000",
}


@pytest.mark.parametrize(
    ("redirect_uri", "allowed"),
    [
        ("http://127.0.0.1:8000/callback/", True),
        ("http://127.0.0.1:8000", True),
        ("http://127.0.0.1:8000.evil.com/cb", False),  # starts with the prefix, another host
        ("http://127.0.0.1:80001/cb", False),
        ("http://127.0.0.1:8000@evil.com/cb", False),
        ("http://127.0.0.1:8000\\@evil.com/cb", False),
        ("http://127.0.0.1:8000/cb\t", False),
        ("https://127.0.0.1:8000/cb", False),
        ("http://localhost:8000/cb", False),
    ],
)
def test_onboarding_redirect_uri_under_a_prefix(sandbox, redirect_uri, allowed):
    requests.post(f"{sandbox.url}/_sandbox/provision", json=PREFIX_APP, timeout=10).raise_for_status()
    fields = {
        "version": "1.0",
        "timestamp": str(int(time.time() * 1000)),
        "locale": "en",
        "business_platform": PREFIX_APP["business_platform"],
        "external_business_id": "prefixstore",
        "app_id": PREFIX_APP["app_id"],
        "redirect_uri": redirect_uri,
    }
    resp = _entry(sandbox, extdata.encode(fields, PREFIX_APP["external_data_key"]))
    assert resp.status_code == (302 if allowed else 400), resp.text
