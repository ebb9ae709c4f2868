"""Apps > My apps and the App Store, in the store's admin shell."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core import http

from . import services
from .access import store_for_request, store_member_required
from .app_catalog import LISTINGS, AppListing, app_listing
from .models import InstalledApp, Store


def _store_url(store: Store, url_name: str, fallback_path: str) -> str:
    try:
        return reverse(url_name, kwargs={"account": store.account})
    except NoReverseMatch:
        return reverse("store-dashboard", kwargs={"account": store.account}) + fallback_path


def app_settings_url(store: Store, listing: AppListing) -> str:
    return _store_url(store, listing.settings_url_name, listing.settings_path)


def app_page_url(store: Store, listing: AppListing) -> str:
    return _store_url(store, listing.apps_page_url_name, listing.apps_page_path)


@store_member_required()
@require_GET
def my_apps(request: HttpRequest) -> HttpResponse:
    store = store_for_request(request)
    rows = InstalledApp.objects.filter(store=store).select_related("installed_by").order_by("installed_at")
    confirm = request.GET.get("confirm-uninstall", "")
    installed = []
    for row in rows:
        listing = app_listing(row.app)
        if listing is not None:
            installed.append(
                {
                    "row": row,
                    "listing": listing,
                    "settings_url": app_settings_url(store, listing),
                    "page_url": app_page_url(store, listing),
                    # Without JavaScript the Uninstall link reloads with the confirmation dialog open.
                    "confirm": confirm == listing.slug,
                }
            )
    return render(request, "store/apps/my_apps.html", {"installed": installed, "nav": "my-apps"})


@store_member_required()
@require_GET
def app_store(request: HttpRequest) -> HttpResponse:
    store = store_for_request(request)
    installed = set(InstalledApp.objects.filter(store=store).values_list("app", flat=True))
    listings = [
        {
            "listing": listing,
            "installed": listing.slug in installed,
            "settings_url": app_settings_url(store, listing),
        }
        for listing in LISTINGS
    ]
    return render(request, "store/apps/app_store.html", {"listings": listings, "nav": "app-store"})


@store_member_required(admin=True)
@require_POST
def install(request: HttpRequest, app: str) -> HttpResponse:
    store = store_for_request(request)
    listing = app_listing(app)
    if listing is None:
        raise Http404
    try:
        services.app_install(store, app, actor=request.user)
    except services.StoreServiceError as exc:
        return http.error_redirect(request, exc, reverse("apps-app-store", kwargs={"account": store.account}))
    messages.success(request, _("%(app)s was installed.") % {"app": listing.name})
    return redirect("apps-my-apps", account=store.account)


@store_member_required(admin=True)
@require_POST
def uninstall(request: HttpRequest, app: str) -> HttpResponse:
    store = store_for_request(request)
    listing = app_listing(app)
    if listing is None:
        raise Http404
    try:
        services.app_uninstall(store, app, actor=request.user)
    except services.StoreServiceError as exc:
        return http.error_redirect(request, exc, reverse("apps-my-apps", kwargs={"account": store.account}))
    messages.success(request, _("%(app)s was uninstalled.") % {"app": listing.name})
    return redirect("apps-my-apps", account=store.account)
