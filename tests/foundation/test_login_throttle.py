"""Login throttling that cannot be side-stepped (tiktok_admin.throttle): the username is counted the way
Django authenticates it, limits hold per (username, client address) and per client address, the client
address is read past exactly TRUSTED_PROXY_COUNT proxies, and the Django admin's login is covered too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.signals import user_login_failed
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client, RequestFactory

from tiktok_admin.throttle import begin_attempt, client_address

pytestmark = pytest.mark.django_db

SHELL = "/accounts/login/"
OPS = "/django-admin/login/"
THROTTLED = {
    "en": "Too many failed attempts. Try again in a few minutes.",
    "pt-br": "Muitas tentativas sem sucesso. Tente novamente em alguns minutos.",
    "es": "Demasiados intentos fallidos. Inténtalo de nuevo en unos minutos.",
}


@pytest.fixture(autouse=True)
def _limits(settings: Any) -> Iterator[None]:
    settings.LOGIN_FAILURE_LIMIT = 5
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 10
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 900
    settings.TRUSTED_PROXY_COUNT = 0
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def checked() -> Iterator[list[str]]:
    """The usernames whose password was actually checked and refused (Django's user_login_failed)."""
    seen: list[str] = []

    def record(sender: object, credentials: dict[str, str], **kwargs: object) -> None:
        seen.append(credentials.get("username"))

    user_login_failed.connect(record, dispatch_uid="test-login-throttle")
    yield seen
    user_login_failed.disconnect(dispatch_uid="test-login-throttle")


@pytest.fixture
def victim(make_user):
    return make_user(None, username="victim", password="victim-right-1")


def post(client: Client, path: str, username: str, password: str, **meta: str) -> HttpResponse:
    return client.post(path, {"username": username, "password": password}, **meta)


def assert_refused(client: Client, response: HttpResponse, language: str = "en") -> None:
    assert response.status_code == 429
    assert THROTTLED[language] in response.content.decode()
    # No session was started or logged in (`client.session` itself would create one, so ask the table).
    assert django_settings.SESSION_COOKIE_NAME not in response.cookies
    assert not any("_auth_user_id" in session.get_decoded() for session in Session.objects.all())
    assert response["Retry-After"] == "900"


def test_padded_and_fullwidth_usernames_count_against_the_same_key(client, victim, checked):
    variants = ["victim", "victim   ", "   victim", "ｖｉctim", "\u3000ｖｉｃｔｉｍ "]
    for username in variants:
        assert post(client, SHELL, username, "wrong-guess").status_code == 200
    # Every variant was checked as "victim": the value Django hands to authenticate().
    assert checked == ["victim"] * 5
    for username in ("victim   ", "ｖｉctim", "victim"):
        assert_refused(client, post(client, SHELL, username, "victim-right-1"))
    # 60 more guesses with leading spaces: refused, and not one password checked.
    for n in range(60):
        response = post(client, SHELL, " " * (n + 1) + "victim", f"guess-{n}")
        assert response.status_code == 429
    assert len(checked) == 5
    victim.refresh_from_db()
    assert victim.last_login is None


def test_a_username_with_control_characters_is_refused_before_any_check(client, victim, checked):
    # Tab and newline are control characters in a single-line field: the form refuses the value before
    # authenticate() is called, so it is neither checked nor a way around the throttle's key.
    response = post(client, SHELL, "\tvictim\n", "victim-right-1")
    assert response.status_code == 200
    assert "Remove the invisible control characters from this field." in response.content.decode()
    assert checked == []
    victim.refresh_from_db()
    assert victim.last_login is None


def test_the_case_is_kept_as_the_user_model_compares_it(client, victim, checked):
    # "VICTIM" is not victim's username (an exact lookup), so its failures are another key and it never
    # signs in as victim.
    for _ in range(5):
        assert post(client, SHELL, "VICTIM", "victim-right-1").status_code == 200
    assert post(client, SHELL, "victim", "victim-right-1").status_code == 302


def test_the_address_limit_holds_across_many_usernames(client, make_user, checked):
    make_user(None, username="bia", password="bia-right-1")
    for n in range(10):
        assert post(client, SHELL, f"guess{n}", "wrong-guess", REMOTE_ADDR="203.0.113.9").status_code == 200
    # A real account with its right password, from the same address: refused, nothing checked.
    assert_refused(client, post(client, SHELL, "bia", "bia-right-1", REMOTE_ADDR="203.0.113.9"))
    assert_refused(client, post(client, SHELL, "guess11", "x", REMOTE_ADDR="203.0.113.9"))
    assert len(checked) == 10
    # The same account from another address is not affected.
    assert post(client, SHELL, "bia", "bia-right-1", REMOTE_ADDR="198.51.100.7").status_code == 302


def test_an_attacker_cannot_lock_the_victim_out_from_another_address(client, victim, settings, checked):
    # Behind one proxy: every request has the proxy's REMOTE_ADDR, the clients differ in X-Forwarded-For.
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    for username in ("victim", " victim", "victim ", "ｖｉctim", "victim\t"):
        assert post(client, SHELL, username, "wrong-guess", **attacker).status_code == 200
    for n in range(20):  # the attacker's address limit too
        post(client, SHELL, f"guess{n}", "wrong-guess", **attacker)
    assert_refused(client, post(client, SHELL, "victim", "victim-right-1", **attacker))
    assert len(checked) == 10
    own = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    response = post(client, SHELL, "victim", "victim-right-1", **own)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(victim.pk)


def test_x_forwarded_for_is_ignored_without_trusted_proxies(client, victim, checked):
    # TRUSTED_PROXY_COUNT=0: a forged header per request buys no fresh address.
    for n in range(10):
        forged = {"REMOTE_ADDR": "203.0.113.9", "HTTP_X_FORWARDED_FOR": f"192.0.2.{n}"}
        assert post(client, SHELL, f"guess{n}", "wrong-guess", **forged).status_code == 200
    forged = {"REMOTE_ADDR": "203.0.113.9", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    assert_refused(client, post(client, SHELL, "victim", "victim-right-1", **forged))
    assert len(checked) == 10


def test_the_trusted_proxys_entry_is_used_with_one_proxy(client, victim, settings, checked):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client may put anything on the left; the proxy appends the address it saw on the right.
    for n in range(5):
        spoofed = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": f"198.51.100.{n}, 203.0.113.9"}
        assert post(client, SHELL, "victim", "wrong-guess", **spoofed).status_code == 200
    # The victim, whose own address the attacker wrote on the left, is not locked out...
    own = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    assert post(client, SHELL, "victim", "victim-right-1", **own).status_code == 302
    client.logout()
    # ...while the attacker's address (the proxy's entry) is, whatever it puts on the left.
    spoofed = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.7, 203.0.113.9"}
    assert_refused(client, post(client, SHELL, "victim", "victim-right-1", **spoofed))
    assert len(checked) == 5


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "198.51.100.7", "203.0.113.9"),
        (1, "10.0.0.2", "192.0.2.1, 198.51.100.7", "198.51.100.7"),
        (1, "10.0.0.2", " 192.0.2.1 ,198.51.100.7 ", "198.51.100.7"),
        (2, "10.0.0.3", "192.0.2.1, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        # Fewer entries than proxies: the request skipped a proxy; only the peer's address is known.
        (2, "10.0.0.3", "198.51.100.7", "10.0.0.3"),
        (1, "10.0.0.2", "", "10.0.0.2"),
        # IPv6 counts per /64 (one subscriber's prefix); IPv4-mapped addresses are the IPv4 address.
        (0, "2001:db8:1:2:aaaa::1", "", "2001:db8:1:2::/64"),
        (1, "10.0.0.2", "2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
        (0, "::ffff:203.0.113.9", "", "203.0.113.9"),
    ],
)
def test_client_address(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    meta = {"REMOTE_ADDR": remote}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_address(RequestFactory().post(SHELL, **meta)) == expected


def test_attempts_in_flight_count_before_their_passwords_are_checked():
    # Parallel guesses cannot all pass a check made before any of them has failed.
    request = RequestFactory().post(SHELL, REMOTE_ADDR="203.0.113.9")
    held = [begin_attempt(request, "victim") for _ in range(5)]
    assert all(held)
    assert begin_attempt(request, "victim") is None


@pytest.mark.parametrize("language", ["pt-br", "es", "en"])
def test_the_django_admin_login_is_throttled_the_same_way(client, make_user, checked, language):
    ops = make_user(None, username="ops", password="ops-right-1", is_staff=True, is_superuser=True)
    client.cookies["tta_language"] = language
    statuses = [post(client, OPS, "ops", f"wrong-{n}").status_code for n in range(12)]
    assert statuses == [200] * 5 + [429] * 7
    response = client.post(OPS, {"username": "ops", "password": "ops-right-1", "next": "/django-admin/"})
    assert_refused(client, response, language)
    assert len(checked) == 5
    ops.refresh_from_db()
    assert ops.last_login is None
    # Its own template and links still work: the page is the admin's login, with the error on it.
    assert 'id="login-form"' in response.content.decode()
    assert client.get(OPS).status_code == 200


def test_failures_count_across_both_login_forms(client, make_user, checked):
    make_user(None, username="ops", password="ops-right-1", is_staff=True, is_superuser=True)
    for _ in range(3):
        assert post(client, SHELL, "ops ", "wrong-guess").status_code == 200
    for _ in range(2):
        assert post(client, OPS, "ｏｐｓ", "wrong-guess").status_code == 200
    assert_refused(client, post(client, OPS, "ops", "ops-right-1"))
    assert_refused(client, post(client, SHELL, "ops", "ops-right-1"))
    assert len(checked) == 5


def test_a_success_clears_its_own_count_but_not_the_address_count(client, make_user, checked):
    make_user(None, username="bia", password="bia-right-1")
    for n in range(4):
        assert post(client, SHELL, "bia", f"wrong-{n}").status_code == 200
    assert post(client, SHELL, "bia", "bia-right-1").status_code == 302
    client.logout()
    # bia has 5 fresh tries again, but her address keeps its 4 failures: 6 more of anyone's reach its 10.
    for n in range(5):
        assert post(client, SHELL, f"guess{n}", "wrong-guess").status_code == 200
    assert post(client, SHELL, "bia", "wrong-again").status_code == 200
    assert post(client, SHELL, "bia", "bia-right-1").status_code == 429
