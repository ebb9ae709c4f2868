"""The Ads section's actions: *Refresh* and the campaign switch (with its confirmation). Thin: the
services do the work; both answer with a redirect back to the Ads section of the TikTok page."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core import http
from integration.selectors import connection_active_for_store
from store.access import store_for_request, store_member_required

from . import services
from .models import Campaign, RefreshTrigger
from .tasks import refresh_dispatch


def _section_url(account: str) -> str:
    return reverse("tiktok-page", kwargs={"account": account}) + "?open=ads#ads"


@require_POST
@store_member_required()
def ads_refresh(request: HttpRequest) -> HttpResponse:
    store = store_for_request(request)
    back = _section_url(store.account)
    connection = connection_active_for_store(store.pk)
    if connection is None:
        raise Http404
    try:
        services.manual_refresh_allowed(connection.pk)
    except services.AdsError as exc:
        return http.error_redirect(request, exc, back)
    refresh_dispatch(connection.pk, RefreshTrigger.MANUAL)
    messages.success(request, _("Refreshing the figures from TikTok. Reload the page in a moment."))
    return HttpResponseRedirect(back)


@require_http_methods(["GET", "POST"])
@store_member_required(admin=True)
def campaign_switch(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """GET: the confirmation page (also what the switch opens without JavaScript); POST: the switch."""
    store = store_for_request(request)
    back = _section_url(store.account)
    connection = connection_active_for_store(store.pk)
    if connection is None:
        raise Http404
    campaign = Campaign.objects.filter(account__connection=connection, campaign_id=campaign_id).first()
    if campaign is None:
        raise Http404
    enable = not campaign.enabled
    if request.method == "GET" or request.POST.get("confirm") != "1":
        return render(
            request,
            "tiktok_ads/switch_confirm.html",
            {"nav": "tiktok", "campaign": campaign, "enable": enable, "back": back},
        )
    try:
        services.campaign_switch(connection.pk, campaign_id, enabled=enable, actor=request.user)
    except services.AdsError as exc:
        return http.error_redirect(request, exc, back)
    if enable:
        messages.success(request, _("Campaign “%(name)s” is on.") % {"name": campaign.name})
    else:
        messages.success(request, _("Campaign “%(name)s” is off.") % {"name": campaign.name})
    return HttpResponseRedirect(back)
