from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from store.models import Membership


def shell(request: HttpRequest) -> dict[str, object]:
    """The admin shell's top bar: the current store, the stores this user can switch to, languages."""
    store = getattr(request, "store", None)
    if store is None or not request.user.is_authenticated:
        return {"LANGUAGES_SHELL": settings.LANGUAGES}
    memberships = list(Membership.objects.for_user(request.user).order_by("store__name"))
    return {
        "current_store": store,
        "current_membership": getattr(request, "membership", None),
        "switchable_memberships": memberships,
        "LANGUAGES_SHELL": settings.LANGUAGES,
    }
