"""Login throttling for every login form: the admin shell (/accounts/login/) and the Django admin
(/django-admin/login/).

Two counters in the shared cache (Redis in production, local memory in development), each over
`LOGIN_FAILURE_WINDOW_SECONDS`:

- per (username, client address), up to `LOGIN_FAILURE_LIMIT` failures: the username is the very value
  `AuthenticationForm` hands to `authenticate()` (stripped by the form field and NFKC-normalised by
  `UsernameField`), so "victim   " and "ｖｉctim" are the same key as "victim". Its case is kept:
  `ModelBackend` finds the user with `get_by_natural_key`, an exact `=` (case-sensitive on SQLite and
  PostgreSQL), so "Victim" is another account and cannot sign in as "victim" anyway;
- per client address, up to `LOGIN_ADDRESS_FAILURE_LIMIT` failures over all usernames, so rotating names
  does not buy more guesses.

There is no per-username counter on its own: an attacker elsewhere cannot lock a merchant out by name. The
client address is REMOTE_ADDR, or with `TRUSTED_PROXY_COUNT` = N > 0 the Nth entry from the right of
X-Forwarded-For (the one our outermost trusted proxy wrote); entries further left are whatever the client
sent and are never read. IPv6 addresses count per /64 (what one subscriber usually gets).

Every attempt whose credentials are going to be checked first takes one unit of both counters (an atomic
`incr`), and is refused, with nothing checked, when that goes over a limit: parallel requests cannot slip
past the limit between a check and a count. A failure keeps its units, a success gives the address unit back
and clears its (username, address) counter, and a refused attempt gives back what it took.

Why not django-axes (8.3 installs and has a cache handler): it compares every counter with one
AXES_FAILURE_LIMIT (the max over its lockout parameters), so the per-address limit could not be higher than
the per-(username, address) one without a merchant's typos locking out the whole office; it counts after the
failure (a burst of parallel guesses all get checked); and it needs an app with migrations, a middleware and
an authentication backend wired in. This module is the whole of it, in the cache the rest of the app uses.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from .django_wording import LoginForm, OpsLoginForm

THROTTLED_MESSAGE = _("Too many failed attempts. Try again in a few minutes.")

_KEY_PREFIX = "login-throttle"


def client_address(request: HttpRequest) -> str:
    """The client's address as seen past `TRUSTED_PROXY_COUNT` proxies (X-Forwarded-For is never trusted
    beyond the entries those proxies appended)."""
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [hop for hop in hops if hop]
        # Fewer entries than proxies: the request did not come through all of them (or one is misconfigured);
        # the nearest peer is then the only address we know.
        if len(hops) >= proxies:
            address = hops[-proxies]
    return _canonical_address(address)


def _canonical_address(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


def _key(kind: str, *parts: str) -> str:
    # Hashed: any username is a valid cache key, and none is stored in the cache in clear.
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()
    return f"{_KEY_PREFIX}:{kind}:{digest}"


def _take(key: str) -> int:
    """Add one to a counter that lives for the window from its first unit; returns the new value."""
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    for _attempt in range(3):
        if cache.add(key, 1, timeout=window):
            return 1
        try:
            value = cache.incr(key)
        except ValueError:  # expired between add() and incr(): start a new window
            continue
        if value == 1:
            # An empty counter (everything given back), or one Redis re-created without an expiry because
            # it expired between the backend's EXISTS and INCR: make sure it ends.
            cache.touch(key, timeout=window)
        return value
    return cache.incr(key)


def _give_back(key: str) -> None:
    try:
        value = cache.decr(key)
    except ValueError:  # the window ended meanwhile: nothing to give back
        return
    if value < 0:  # re-created by Redis after it expired (no expiry on it): drop it
        cache.delete(key)


@dataclass(frozen=True)
class Attempt:
    """One login attempt that holds a unit of its (username, address) and address counters."""

    user_key: str
    address_key: str

    def failed(self) -> None:
        """The units stay: they are the failure."""

    def succeeded(self) -> None:
        cache.delete(self.user_key)
        _give_back(self.address_key)


def begin_attempt(request: HttpRequest, username: str) -> Attempt | None:
    """Take a unit of both counters for an attempt about to check `username`'s password; None (and nothing
    taken) when either is over its limit, then the credentials must not be checked."""
    address = client_address(request)
    address_key = _key("address", address)
    user_key = _key("user", address, username)
    if _take(address_key) > settings.LOGIN_ADDRESS_FAILURE_LIMIT:
        _give_back(address_key)
        return None
    if _take(user_key) > settings.LOGIN_FAILURE_LIMIT:
        _give_back(user_key)
        _give_back(address_key)
        return None
    return Attempt(user_key=user_key, address_key=address_key)


class ThrottledAuthenticationMixin:
    """For an `AuthenticationForm`: count the attempt before `clean()` checks the credentials, and refuse
    without checking them when over a limit (the form then has `throttled = True`)."""

    request: HttpRequest | None
    cleaned_data: dict[str, Any]
    throttled: bool = False

    @sensitive_variables("password")
    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        # The same condition as AuthenticationForm.clean(): otherwise no credentials are checked at all
        # (and both login views always pass the request).
        if username is None or not password or self.request is None:
            return super().clean()
        attempt = begin_attempt(self.request, username)
        if attempt is None:
            self.throttled = True
            raise ValidationError(THROTTLED_MESSAGE, code="throttled")
        try:
            cleaned = super().clean()
        except ValidationError:
            attempt.failed()
            raise
        attempt.succeeded()
        return cleaned


class ThrottledLoginForm(ThrottledAuthenticationMixin, LoginForm):
    """The admin shell's login."""


class ThrottledOpsLoginForm(ThrottledAuthenticationMixin, OpsLoginForm):
    """The Django admin's login (superusers and staff)."""


def as_too_many_requests(response: HttpResponse) -> HttpResponse:
    """429 with Retry-After when the login form in the response refused the attempt."""
    context = getattr(response, "context_data", None) or {}
    if getattr(context.get("form"), "throttled", False):
        response.status_code = 429
        # An upper bound: the window started with the first counted failure.
        response["Retry-After"] = str(settings.LOGIN_FAILURE_WINDOW_SECONDS)
    return response


def ops_login(request: HttpRequest) -> HttpResponse:
    """The Django admin's own login view (its template, context and redirects) with the status set."""
    response = admin.site.login(request)
    if isinstance(response, TemplateResponse):
        return as_too_many_requests(response)
    return response
