"""Settings > Accounts and the TikTok Shop overview. Thin: the services do the work."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tiktok_admin.access import store_for_request, store_member_required

from . import remote, selectors, services
from .models import ShopConnection


def _connect_error_message(error: services.ShopConnectError) -> str:
    detail = error.detail
    messages_by_reason = {
        "bad_state": _("The answer from TikTok Shop could not be verified. Start the connection again."),
        "expired_state": _(
            "The connection took longer than 60 minutes and expired. Start the connection again."
        ),
        "access_denied": _("The authorization was cancelled at TikTok Shop. Nothing was connected."),
        "not_shop_owner": _(
            "Only the TikTok Shop owner account can connect a shop. Sign in to TikTok Shop with the shop "
            "owner's account and try again. Nothing was connected."
        ),
        "shop_already_connected": _(
            "This TikTok Shop is already connected to another store. A TikTok Shop can be connected to one "
            "store at a time. Nothing was connected."
        ),
        "store_already_connected": _(
            "This store is already connected to a TikTok Shop. Disconnect it first to connect another shop."
        ),
        "region_mismatch": _(
            "The TikTok Shop's region does not match the store's country. Connect a TikTok Shop registered "
            "in the same country as the store. Nothing was connected."
        ),
        "bad_auth_code": _("TikTok Shop did not accept the authorization. Start the connection again."),
        "tiktok_unavailable": _(
            "TikTok Shop could not be reached. Nothing was connected; try again in a few minutes."
        ),
    }
    if error.reason in messages_by_reason:
        message = messages_by_reason[error.reason]
        if error.reason == "region_mismatch" and detail.get("region"):
            message += " " + _("(Shop region: %(region)s; store country: %(country)s.)") % detail
        return message
    return _("TikTok Shop refused the connection. Nothing was connected.")


@require_GET
@store_member_required()
def settings_page(request: HttpRequest) -> HttpResponse:
    store = store_for_request(request)
    overview = selectors.shop_overview(store)
    return render(
        request,
        "tiktok_shop/settings.html",
        {
            "nav": "tiktok",
            "tab": "settings",
            "overview": overview,
            "ads": selectors.ads_account(store),
            "audit": selectors.shop_audit(store),
            "can_act": request.membership.is_admin,  # type: ignore[attr-defined]
        },
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@require_GET
@store_member_required()
def shop_overview(request: HttpRequest) -> HttpResponse:
    store = store_for_request(request)
    response = render(
        request,
        "tiktok_shop/overview.html",
        {
            "nav": "tiktok",
            "tab": "shop",
            "overview": selectors.shop_overview(store),
            "seller_center_url": settings.TIKTOK_SELLER_CENTER_URL,
            "can_act": request.membership.is_admin,  # type: ignore[attr-defined]
        },
    )
    # The Connect form posts here and is redirected to TikTok's authorization page; browsers apply
    # `form-action` to that redirect, so this page (only) allows TikTok's origin.
    response._csp_update = {"form-action": [_origin(remote.authorize_base_url())]}  # type: ignore[attr-defined]
    return response


@require_POST
@store_member_required(admin=True)
def shop_connect(request: HttpRequest) -> HttpResponse:
    store = store_for_request(request)
    try:
        url = services.shop_connect_start(
            store, user=request.user, session=request.session, language_code=get_language()
        )
    except services.ShopConnectError as error:
        messages.error(request, _connect_error_message(error))
        return redirect("shop-overview", account=store.account)
    return HttpResponseRedirect(url)


@require_GET
@store_member_required(admin=True)
def shop_callback(request: HttpRequest) -> HttpResponse:
    store = store_for_request(request)
    try:
        connection = services.shop_connect_complete(
            store,
            user=request.user,
            session=request.session,
            state=request.GET.get("state", ""),
            auth_code=request.GET.get("auth_code", ""),
            error=request.GET.get("error", "")[:60],
        )
    except services.ShopConnectError as error:
        messages.error(request, _connect_error_message(error))
        return redirect("shop-overview", account=store.account)
    messages.success(
        request,
        _("TikTok Shop %(shop)s is connected. Its orders will appear in your store's orders.")
        % {"shop": connection.shop_name},
    )
    return redirect("shop-overview", account=store.account)


@require_http_methods(["GET", "POST"])
@store_member_required(admin=True)
def shop_disconnect(request: HttpRequest) -> HttpResponse:
    """GET: the warning (the page the dialog on Settings falls back to without JavaScript).
    POST: disconnect, then land on the TikTok Shop overview, as the seed describes."""
    store = store_for_request(request)
    connection = ShopConnection.objects.live().for_store(store.pk).first()
    if request.method == "GET":
        if connection is None:
            return redirect("shop-overview", account=store.account)
        return render(
            request,
            "tiktok_shop/disconnect_confirm.html",
            {"nav": "tiktok", "tab": "settings", "connection": connection},
        )
    if connection is None:
        messages.info(request, _("No TikTok Shop is connected to this store."))
        return redirect("shop-overview", account=store.account)
    result = services.shop_disconnect(connection.pk, actor=request.user)
    if result.remote_error:
        messages.warning(
            request,
            _(
                "TikTok Shop %(shop)s was disconnected from this store, but TikTok did not confirm it "
                "(%(error)s). Check the connection in TikTok Seller Center."
            )
            % {"shop": connection.shop_name, "error": result.remote_error},
        )
    else:
        messages.success(
            request, _("TikTok Shop %(shop)s was disconnected.") % {"shop": connection.shop_name}
        )
    return redirect("shop-overview", account=store.account)
