"""Settings > Accounts and the TikTok Shop overview. Thin: the services do the work."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import http
from store.access import store_for_request, store_member_required
from store.models import Store

from . import remote, selectors, services
from .models import ShopConnection
from .services import ShopConnectError


def _refused(request: HttpRequest, store: Store, error: ShopConnectError) -> HttpResponse:
    """The one answer to a refused connect (start or callback): its message, on the TikTok Shop overview."""
    return http.error_redirect(request, error, reverse("shop-overview", kwargs={"account": store.account}))


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
            "ads_ever_connected": selectors.ads_account_ever_connected(store),
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
    except ShopConnectError as error:
        return _refused(request, store, error)
    return HttpResponseRedirect(url)


@require_GET
def shop_callback(request: HttpRequest, account: str) -> HttpResponse:
    if not request.user.is_authenticated:
        # Back to login with the bare path, never the query (as the TikTok for Business callback does). The
        # `auth_code` is single-use: its one destination is TikTok Shop, in the body of the connection
        # request `services.shop_connect_complete` sends (`remote.connection_create`), and only from the
        # signed-in session that started the connection. It must not be replayed through `next`: there it
        # would sit in the login page's hidden input, the address bar, the browser history and the access
        # log of every request to the login page. It is unusable anyway: the state belongs to the session
        # that started the connection. After sign-in the bare callback says so and the merchant starts again.
        return redirect_to_login(request.path)
    return _shop_callback(request, account)


@store_member_required(admin=True)
def _shop_callback(request: HttpRequest) -> HttpResponse:
    """TikTok Shop sends the merchant back here with `auth_code` and `state` (or `error` when refused). The
    answer always lands on the overview, so the code is not left in the address bar."""
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
    except ShopConnectError as error:
        return _refused(request, store, error)
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
