"""The storefront consent endpoint and the merchant's pixel settings form."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from store.access import store_member_required
from store.models import Store

from .forms import PixelSettingsForm
from .services import (
    CONSENT_DENIED,
    CONSENT_GRANTED,
    consent_apply_to_held,
    consent_record,
    pixel_settings_for_store,
    pixel_settings_update,
)


@require_POST
def consent(request: HttpRequest, account: str) -> HttpResponse:
    """The shopper's answer to the consent banner, kept in a cookie scoped to this store's storefront."""
    choice = request.POST.get("choice", "")
    store_id = Store.objects.filter(account=account).values_list("pk", flat=True).first()
    if choice not in (CONSENT_GRANTED, CONSENT_DENIED) or store_id is None:
        return HttpResponseBadRequest(_("Unknown choice."))
    consent_apply_to_held(request, store_id, choice)
    if "application/json" in request.headers.get("Accept", ""):
        response: HttpResponse = JsonResponse({"consent": choice})
    else:
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, {request.get_host()}, require_https=request.is_secure()
        ):
            target = f"/s/{account}/"
        response = redirect(target)
    consent_record(response, account, choice)
    return response


@require_POST
@store_member_required(admin=True)
def settings_update(request: HttpRequest) -> HttpResponse:
    store: Store = request.store  # type: ignore[attr-defined]
    account = store.account
    form = PixelSettingsForm(request.POST, instance=pixel_settings_for_store(store))
    if form.is_valid():
        pixel_settings_update(
            store,
            purchase_event=form.cleaned_data["purchase_event"],
            require_consent=form.cleaned_data["require_consent"],
        )
        messages.success(request, _("Pixel settings saved."))
    else:
        messages.error(
            request,
            " ".join(form.non_field_errors())
            or _("The pixel settings were not saved: choose one of the order events."),
        )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = f"/admin/{account}/"
    return redirect(target)
