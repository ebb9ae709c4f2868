"""Who may see and act in a store's admin pages, and in which time zone they render.

Every admin page is under `/admin/<account>/` and wrapped in `store_member_required`: anonymous users go
to the login page, users who are not members of the store get 404 (never a hint the store exists), and
viewers get 403 on admin-only views. The channel apps' pages use the same decorator, so the rule is here
once. The storefront, which is public, shares only `call_in_store_time_zone`.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import SimpleTemplateResponse
from django.utils import timezone

from .models import Membership, Store

View = Callable[..., HttpResponse]


def membership_for(request: HttpRequest, account: str) -> Membership:
    """The request user's membership of the store `account`; 404 for anyone who has none (anonymous
    users included), whether or not the store exists."""
    if not request.user.is_authenticated:
        raise Http404
    membership = Membership.objects.for_user(request.user).filter(store__account=account).first()
    if membership is None:
        raise Http404
    return membership


def store_member_required(*, admin: bool = False) -> Callable[[View], View]:
    """View decorator for a URL with `account`: the view is called without it, with `request.store` and
    `request.membership` set (read them with `store_for_request`), in the store's time zone.

    Anonymous users go to login; users of another store get 404; with `admin=True`, viewers get 403.
    The store becomes the session's current store: the shell's home page lands there next time.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, account: str, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = membership_for(request, account)
            if admin and not membership.is_admin:
                raise PermissionDenied
            request.store = membership.store  # type: ignore[attr-defined]
            request.membership = membership  # type: ignore[attr-defined]
            request.session["current_store"] = membership.store.account
            return call_in_store_time_zone(membership.store, view, request, *args, **kwargs)

        return wrapped

    return decorator


def call_in_store_time_zone(
    store: Store, view: View, request: HttpRequest, *args: Any, **kwargs: Any
) -> HttpResponse:
    """`view(request, *args, **kwargs)` with every time shown in the store's time zone (the default one
    if the store's is unknown). An override (not a bare activate) so the zone cannot leak into the next
    request served by this thread; lazy template responses are rendered inside it for the same reason."""
    try:
        tz: zoneinfo.ZoneInfo | None = zoneinfo.ZoneInfo(store.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = None
    with timezone.override(tz):
        response = view(request, *args, **kwargs)
        if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
            response.render()
    return response


def store_for_request(request: HttpRequest) -> Store:
    """The store `store_member_required` resolved for this request (only inside a view it wraps)."""
    return request.store  # type: ignore[attr-defined,no-any-return]
