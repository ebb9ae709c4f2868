from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.models import Heartbeat
from store.access import store_for_request, store_member_required
from store.app_catalog import app_listing
from store.forms import StoreSwitchForm
from store.models import Membership, Order, Product, Sku

from .celery import app as celery_app
from .throttle import THROTTLED_MESSAGE, ThrottledLoginForm, as_too_many_requests


class ThrottledLoginView(auth_views.LoginView):
    """The admin shell's login; throttling (per username + client address and per address) is the form's,
    shared with the Django admin's login (tiktok_admin.throttle)."""

    form_class = ThrottledLoginForm

    template_name = "shell/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form: ThrottledLoginForm) -> HttpResponse:
        if not form.throttled:
            return super().form_invalid(form)
        # The credentials were not even checked (no password oracle).
        response = self.render_to_response(self.get_context_data(form=form, throttled=THROTTLED_MESSAGE))
        return as_too_many_requests(response)


@login_required
def shell_home(request: HttpRequest) -> HttpResponse:
    """Land on the last store used, or the first one the user belongs to."""
    memberships = Membership.objects.for_user(request.user).order_by("store__name")
    current = request.session.get("current_store")
    chosen = memberships.filter(store__account=current).first() or memberships.first()
    if chosen is None:
        return render(request, "shell/no_store.html", status=403)
    return redirect("store-dashboard", account=chosen.store.account)


@require_POST
@login_required
def switch_store(request: HttpRequest) -> HttpResponse:
    form = StoreSwitchForm(request.POST)
    if not form.is_valid():
        # The switcher is a select: only a hand-made request gets here. Stay where the user was.
        for errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in errors))
        return redirect("shell-home")
    account = form.cleaned_data["account"]
    if not Membership.objects.for_user(request.user).filter(store__account=account).exists():
        raise Http404
    request.session["current_store"] = account
    return HttpResponseRedirect(reverse("store-dashboard", kwargs={"account": account}))


@store_member_required()
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    store = store_for_request(request)
    installed = store.installed_apps.values_list("app", flat=True)
    context = {
        "nav": "dashboard",
        "product_count": Product.objects.filter(store=store).count(),
        "sku_count": Sku.objects.filter(store=store).count(),
        "out_of_stock_count": Sku.objects.filter(store=store, is_active=True, stock=0).count(),
        "recent_orders": list(Order.objects.filter(store=store).order_by("-created_at", "-id")[:5]),
        "apps": [listing for listing in map(app_listing, installed) if listing],
    }
    return render(request, "shell/dashboard.html", context)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, broker and the canary's age (a worker that stopped consuming shows up here)."""
    checks: dict[str, object] = {}
    ok = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        checks["database"] = f"error: {exc.__class__.__name__}"
        ok = False
    started = time.monotonic()
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["broker"] = f"error: {exc.__class__.__name__}"
        ok = False
    checks["broker_latency_ms"] = round((time.monotonic() - started) * 1000, 1)
    beat = Heartbeat.objects.filter(name="canary").first()
    if beat is None:
        checks["canary_age_seconds"] = None
    else:
        age = (timezone.now() - beat.seen_at).total_seconds()
        checks["canary_age_seconds"] = round(age, 1)
        checks["canary_stale"] = age > 120
    return JsonResponse({"status": "ok" if ok else "error", "checks": checks}, status=200 if ok else 503)
