"""Who may see and act in a store's admin. Non-members get 404 (never a hint the store exists)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from store.models import Membership, Store


def membership_for(request: HttpRequest, account: str) -> Membership:
    if not request.user.is_authenticated:
        raise Http404
    membership = Membership.objects.for_user(request.user).filter(store__account=account).first()
    if membership is None:
        raise Http404
    return membership


def store_member_required(*, admin: bool = False) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
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
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def store_for_request(request: HttpRequest) -> Store:
    return request.store  # type: ignore[attr-defined,no-any-return]
