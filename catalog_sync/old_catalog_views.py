"""The merchant's choice for an earlier catalog (see `catalog_sync.old_catalogs`): a confirmation page,
then the POST that decides. Store admins only; viewers are refused."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from core import http
from store.access import store_for_request, store_member_required

from .models import OldCatalogStatus
from .old_catalogs import CHOICES, OldCatalogError, old_catalog_decide, old_catalogs_open


def _page_url(account: str) -> str:
    return reverse("tiktok-page", kwargs={"account": account}) + "#old-catalogs"


@require_http_methods(["GET", "POST"])
@store_member_required(admin=True)
def old_catalog_choose(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what the choice will do, with Confirm and Back. POST (from that page): decide."""
    store = store_for_request(request)
    choice = (request.POST if request.method == "POST" else request.GET).get("choice", "")
    notice = next((n for n in old_catalogs_open(store.pk) if n.id == pk), None)
    if notice is None or choice not in CHOICES:
        raise Http404
    if request.method == "GET":
        return render(
            request,
            "catalog_sync/old_catalog_confirm.html",
            {"nav": "tiktok", "notice": notice, "choice": choice, "page_url": _page_url(store.account)},
        )
    try:
        status = old_catalog_decide(store.pk, pk, choice, actor=request.user)
    except OldCatalogError as exc:
        return http.error_redirect(request, exc, _page_url(store.account))
    if status == OldCatalogStatus.REMOVING:
        messages.success(
            request,
            ngettext(
                "Removing our %(count)s product from the catalog %(catalog)s at TikTok. This page shows "
                "when it is done.",
                "Removing our %(count)s products from the catalog %(catalog)s at TikTok. This page shows "
                "when it is done.",
                notice.sku_count,
            )
            % {"count": notice.sku_count, "catalog": notice.catalog_id},
        )
    elif status == OldCatalogStatus.LEFT:
        messages.success(
            request,
            _("The products stay in the catalog %(catalog)s at TikTok; nothing was deleted.")
            % {"catalog": notice.catalog_id},
        )
    return redirect(_page_url(store.account))
