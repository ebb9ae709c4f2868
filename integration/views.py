"""Marketplace > TikTok (also Apps > My apps > TikTok): setup, connect, manage, disconnect."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import http
from core.models import AuditAction, AuditEvent
from store.access import store_for_request, store_member_required
from store.app_catalog import app_listing

from . import selectors, services
from .destinations import available_destinations, destination_url
from .errors import IntegrationError
from .failures import ACCOUNT_SUSPENDED, failure_message, suspended_help_url
from .forms import SetupForm
from .models import DisconnectReason, TikTokConnection, TikTokSetup

logger = logging.getLogger(__name__)

MANUAL_REASONS = frozenset({DisconnectReason.MANUAL, DisconnectReason.OPS})


def _section(slot: str) -> str | None:
    """The template a channel app contributes to a slot of the page (`settings.TIKTOK_PAGE_SECTIONS`)."""
    return getattr(settings, "TIKTOK_PAGE_SECTIONS", {}).get(slot) or None


def _page_url(request: HttpRequest) -> str:
    return redirect("tiktok-page", account=store_for_request(request).account).url


def _setup_repeated_since(setup: object, connection: object) -> bool:
    """A reconnect repeats the setup: once confirmed again after the disconnect, *Connect account* is next."""
    confirmed = getattr(setup, "confirmed_at", None)
    ended = getattr(connection, "disconnected_at", None)
    return confirmed is not None and ended is not None and confirmed > ended


def _audit_summary(detail: dict[str, object]) -> str:
    """A short, translated line for an audit entry (the raw detail stays in the Django admin)."""
    parts: list[str] = []
    reason = detail.get("reason")
    if reason:
        labels = dict(DisconnectReason.choices)
        parts.append(str(labels.get(str(reason), reason)))
    if detail.get("detail"):
        parts.append(str(detail["detail"]))
    if detail.get("message"):
        parts.append(str(detail["message"]))
    if detail.get("remote_ok") is False:
        parts.append(_("TikTok could not confirm the disconnect"))
    elif detail.get("remote_ok") is True:
        parts.append(_("TikTok confirmed the disconnect"))
    if detail.get("affiliate_id") and not detail.get("connection_id"):
        parts.append(_("affiliate ID %(code)s") % {"code": detail["affiliate_id"]})
    if detail.get("catalog_id"):
        parts.append(_("catalog %(id)s") % {"id": detail["catalog_id"]})
    if isinstance(detail.get("products"), int):
        count = int(detail["products"])
        parts.append(ngettext("%(count)s product", "%(count)s products", count) % {"count": count})
    if detail.get("app"):
        listing = app_listing(str(detail["app"]))
        parts.append(listing.name if listing is not None else str(detail["app"]))
    code = detail.get("code")
    if isinstance(code, str) and code:
        # Our own codes are never shown: each reads as its sentence, before TikTok's words if any.
        parts.insert(0, str(failure_message(code)))
    elif code and not detail.get("message"):
        parts.append(_("TikTok code %(code)s") % {"code": code})
    return " · ".join(parts)


def _suspended_notice(audit: list[AuditEvent]) -> dict[str, str] | None:
    """The last connect attempt found the ad account suspended (and nothing happened since): what TikTok
    said, and where TikTok explains how to appeal."""
    last = audit[0] if audit else None
    if (
        last is None
        or last.action != AuditAction.CONNECT_FAILED
        or last.detail.get("code") != ACCOUNT_SUSPENDED
    ):
        return None
    return {
        "adv_id": str(last.detail.get("adv_id") or ""),
        "reason": str(last.detail.get("message") or ""),
        "help_url": suspended_help_url(),
    }


def _previous_pixel(connection: TikTokConnection | None) -> str:
    """The pixel the store's connection before this one used, when this one brought another."""
    if connection is None or not connection.pixel_code:
        return ""
    previous = selectors.connection_previous_for_store(connection.store_id, connection)
    code = previous.pixel_code if previous is not None else ""
    return code if code and code != connection.pixel_code else ""


def _catalog_rows(counts: selectors.CatalogCounts) -> list[dict[str, object]]:
    # The labels stay in English, as the seed keeps them; the explanations are translated.
    rows: list[dict[str, object]] = [
        {
            "key": "available",
            "label": "Products available",
            "value": counts.available,
            "help": _("Indicates the quantity of products in your catalog that are available on TikTok."),
        },
        {
            "key": "pending",
            "label": "Products pending",
            "value": counts.pending,
            "help": _(
                "Indicates the quantity of products in your catalog that are being processed on TikTok. This "
                "status is transitory and it means that TikTok is analyzing the information."
            ),
        },
        {
            "key": "needs_details",
            "label": "Products need additional details",
            "value": counts.needs_details,
            "help": _(
                "Indicates the number of products in your catalog that are missing some information in order "
                "to be synced with TikTok."
            ),
        },
    ]
    if counts.rejected is not None:
        rows.append(
            {
                "key": "rejected",
                # Beside the seed's three English labels, the fourth follows the same rule (docs/wording.md).
                "label": "Products rejected by TikTok",
                "value": counts.rejected,
                "help": _("Products TikTok reviewed and did not accept, with TikTok's reason in the list."),
            }
        )
    for row in rows:
        row["url"] = counts.urls.get(str(row["key"]), "")
    return rows


@require_GET
@store_member_required()
def page(request: HttpRequest, via_apps: bool = False) -> HttpResponse:
    store = store_for_request(request)
    facts = selectors.store_facts(store)
    eligibility = services.store_eligibility(store, brl_policy_count=facts.brl_policies)
    setup = selectors.setup_for_store(store.pk)
    connection = selectors.connection_latest_for_store(store.pk)
    active = connection is not None and connection.is_active
    if not eligibility.eligible:
        state = "ineligible"
    elif active:
        state = "connected"
    elif connection is not None and not _setup_repeated_since(setup, connection):
        state = "disconnected"
    elif not facts.app_installed:
        state = "not_installed"
    elif setup is not None and setup.confirmed_at is not None:
        state = "ready_to_connect"
    else:
        state = "setup_needed"
    audit = selectors.audit_trail(store.pk)
    context = {
        "nav": "my-apps" if via_apps else "tiktok",
        "state": state,
        "open_section": request.GET.get("open", ""),
        # Without JavaScript the Disconnect button reloads the page with the confirmation open.
        "confirm_disconnect": request.GET.get("confirm") == "disconnect",
        "eligibility": eligibility,
        "app_installed": facts.app_installed,
        "setup": setup,
        "connection": connection,
        "active": active,
        "can_act": request.membership.is_admin,  # type: ignore[attr-defined]
        "catalog_rows": _catalog_rows(selectors.catalog_counts_for(connection if active else None)),
        "destinations": available_destinations(connection),
        "audit_events": [(event, _audit_summary(event.detail)) for event in audit],
        "suspended_notice": _suspended_notice(audit) if not active else None,
        "auto_disconnected": connection is not None
        and not active
        and connection.disconnect_reason not in MANUAL_REASONS,
        "manual_steps": connection is not None
        and not active
        and connection.disconnect_reason in MANUAL_REASONS
        and bool(connection.remote_disconnect_error),
        "area_tabs": _section("tabs") if eligibility.eligible else None,
        "catalog_panel": _section("catalog") if active else None,
        "old_catalog_section": _section("old_catalog") if active else None,
        "ads_section": _section("ads") if active else None,
        "previous_pixel": _previous_pixel(connection) if active else "",
    }
    response = render(request, "integration/page.html", context)
    if state == "ready_to_connect":
        # *Connect account* posts here and is redirected to TikTok's onboarding: browsers apply the page's
        # form-action to that redirect, so the onboarding origin (and only it) is allowed on this page.
        onboarding = urlsplit(settings.TIKTOK_ONBOARDING_URL)
        response._csp_update = {"form-action": [f"{onboarding.scheme}://{onboarding.netloc}"]}  # type: ignore[attr-defined]
    return response


def _posts_setup(data: QueryDict, setup: TikTokSetup) -> bool:
    """The posted fixed fields are the setup's own (what its first confirm posted)."""
    affiliate_id = str(data.get("affiliate_id", "")).strip().upper()
    return affiliate_id == setup.affiliate_id and str(data.get("website", "")).strip() == setup.website


@require_http_methods(["GET", "POST"])
@store_member_required(admin=True)
def setup(request: HttpRequest) -> HttpResponse:
    """Step 1 (form) and step 2 (review) of the setup. Nothing is saved before Confirm."""
    store = store_for_request(request)
    eligibility = services.store_eligibility(store)
    existing = selectors.setup_for_store(store.pk)
    if selectors.connection_active_for_store(store.pk) is not None:
        messages.info(request, _("This store is already connected to TikTok."))
        return redirect("tiktok-page", account=store.account)
    context: dict[str, object] = {"nav": "tiktok", "eligibility": eligibility, "existing": existing}
    if not eligibility.eligible:
        return render(
            request, "integration/setup.html", context, status=200 if request.method == "GET" else 400
        )
    if request.method == "GET":
        form = SetupForm(store=store, setup=existing, initial=SetupForm.initial_for(store, existing))
        return render(request, "integration/setup.html", {**context, "form": form, "step": "form"})

    action = request.POST.get("action", "review")
    form = SetupForm(request.POST, store=store, setup=existing)
    if action == "confirm" and existing is None and not form.is_valid():
        # Another click on Confirm may have created the setup since this request read it (the affiliate
        # ID is then "already used"): the same values are checked again as a confirm of that setup.
        existing = selectors.setup_for_store(store.pk)
        if existing is not None and _posts_setup(request.POST, existing):
            context["existing"] = existing
            form = SetupForm(request.POST, store=store, setup=existing)
    if action == "edit" or not form.is_valid():
        status = 200 if action == "edit" else 400
        return render(
            request, "integration/setup.html", {**context, "form": form, "step": "form"}, status=status
        )
    if action != "confirm":
        return render(request, "integration/setup.html", {**context, "form": form, "step": "review"})
    try:
        services.setup_confirm(store, form.cleaned_data, actor=request.user)
    except IntegrationError as exc:
        # Shown in the form, so the merchant can correct it in place (not a message on another page).
        form.add_error(None, exc.message)
        return render(
            request,
            "integration/setup.html",
            {**context, "form": form, "step": "form"},
            status=exc.http_status,
        )
    messages.success(request, _("Setup confirmed. Now connect your TikTok account."))
    return redirect("tiktok-page", account=store.account)


@require_POST
@store_member_required(admin=True)
def connect(request: HttpRequest) -> HttpResponse:
    """*Connect account*: off to TikTok's onboarding with a signed `external_data` and a fresh `state`."""
    store = store_for_request(request)
    try:
        url = services.connect_start(
            store, user=request.user, session=request.session, language_code=get_language()
        )
    except IntegrationError as exc:
        return http.error_redirect(request, exc, _page_url(request))
    return HttpResponseRedirect(url)


@require_GET
def callback(request: HttpRequest, account: str) -> HttpResponse:
    if not request.user.is_authenticated:
        # Back to login without the query: a login page must not carry the auth_code or the state (the
        # answer is unusable anyway: the state belongs to the session that started the connection).
        return redirect_to_login(request.path)
    return _callback(request, account)


@store_member_required(admin=True)
def _callback(request: HttpRequest) -> HttpResponse:
    """TikTok sends the merchant back here with `auth_code` and `state` (or `error` when cancelled). The
    answer always lands on the page without the query string, so the code is not left in the address bar."""
    store = store_for_request(request)
    state = request.GET.get("state", "")
    auth_code = request.GET.get("auth_code", "") or request.GET.get("code", "")
    error = request.GET.get("error", "")
    try:
        if error or not auth_code:
            services.connect_cancelled(
                store, user=request.user, session=request.session, state=state, error=error or "no_code"
            )
            messages.warning(request, _("The connection with TikTok was cancelled. Nothing was saved."))
        else:
            services.connect_complete(
                store, user=request.user, session=request.session, state=state, auth_code=auth_code
            )
            messages.success(
                request, _("Your store is connected to TikTok. The first catalog sync has started.")
            )
    except IntegrationError as exc:
        http.error_message(request, exc)
    return redirect("tiktok-page", account=store.account)


@require_POST
@store_member_required(admin=True)
def disconnect(request: HttpRequest) -> HttpResponse:
    store = store_for_request(request)
    connection = selectors.connection_active_for_store(store.pk)
    if connection is None:
        messages.info(request, _("TikTok is already disconnected from this store."))
        return redirect("tiktok-page", account=store.account)
    result = services.connection_disconnect(connection.pk, reason=DisconnectReason.MANUAL, actor=request.user)
    if result.manual_steps_needed:
        messages.warning(
            request,
            _(
                "TikTok was disconnected from your store, but TikTok could not confirm it. Follow the steps "
                "on this page to make sure the integration is disabled at TikTok."
            ),
        )
    else:
        messages.success(request, _("TikTok was disconnected from your store."))
    return redirect("tiktok-page", account=store.account)


@require_POST
@store_member_required(admin=True)
def advanced_matching(request: HttpRequest) -> HttpResponse:
    store = store_for_request(request)
    connection = selectors.connection_active_for_store(store.pk)
    if connection is None:
        messages.error(request, _("This store is not connected to TikTok."))
        return redirect("tiktok-page", account=store.account)
    enabled = request.POST.get("enabled", "") in ("1", "on", "true")
    try:
        services.advanced_matching_set(connection.pk, enabled=enabled, actor=request.user)
    except IntegrationError as exc:
        http.error_message(request, exc)
    else:
        if enabled:
            messages.success(
                request, _("Advanced Matching is on: hashed e-mail and phone are shared with TikTok.")
            )
        else:
            messages.success(request, _("Advanced Matching is off: no personal data is shared with TikTok."))
    # Back on the page with the Data Sharing section still open, where the toggle was.
    return redirect(_page_url(request) + "?open=data-sharing#data-sharing")


@require_GET
@store_member_required()
def go(request: HttpRequest, destination: str) -> HttpResponse:
    """A *Manage* / *Create an ad* button: redirect to TikTok for this store's connection, or 404."""
    store = store_for_request(request)
    url = destination_url(destination, selectors.connection_latest_for_store(store.pk))
    if url is None:
        raise Http404
    return HttpResponseRedirect(url)
