"""Who may see and act in a store's admin. Non-members get 404 (never a hint the store exists)."""

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

from store.models import Membership, Store


def membership_for(request: HttpRequest, account: str) -> Membership:
    if not request.user.is_authenticated:
        raise Http404
    membership = Membership.objects.for_user(request.user).filter(store__account=account).first()
    if membership is None:
        raise Http404
    return membership


def store_member_required(
    *, admin: bool = False
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """View decorator: resolves `account` to request.store / request.membership.

    Anonymous users go to login; users of another store get 404; viewers get 403 on admin-only views.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
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
    store: Store, view: Callable[..., HttpResponse], request: HttpRequest, *args: Any, **kwargs: Any
) -> HttpResponse:
    """Every time on the store's pages is shown in the store's time zone. An override (not a bare
    activate) so the zone cannot leak into the next request served by this thread; lazy template
    responses are rendered inside it for the same reason."""
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
    return request.store  # type: ignore[attr-defined,no-any-return]
