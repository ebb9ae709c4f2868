"""Thin views: the lists behind the page's numbers, CSV export, Sync now, Resync, exclusions."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.spreadsheet import cell_safe
from integration.models import TikTokConnection, TikTokSetup
from integration.selectors import connection_active_for_store
from store.access import store_for_request, store_member_required

from . import selectors, services
from .forms import ExclusionForm, ListFiltersForm
from .models import BUCKET_OF, CatalogExclusion, SyncStatus
from .validation import FIELD_LABELS, problem_message

# The filters as the list's form names them (a refused value's message says which one).
FILTER_LABELS = {
    "q": _lazy("SKU ID or product ID"),
    "field": _lazy("Missing or invalid field"),
    "status": _lazy("Status"),
}

BUCKET_TITLES = {
    "available": "Products available",
    "pending": "Products pending",
    "needs_details": "Products need additional details",
}


def connection_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The catalog exists only while the store is connected. A list bookmarked (or a tab left open) from
    before a disconnect leads back to the TikTok page, which says why and offers to connect again."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        store = store_for_request(request)
        conn = connection_active_for_store(store.pk)
        if conn is None:
            messages.info(
                request, _("This store is not connected to TikTok, so there is no TikTok catalog to show.")
            )
            return redirect(reverse("tiktok-page", kwargs={"account": store.account}))
        request.tiktok_connection = conn  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


def _connection(request: HttpRequest) -> TikTokConnection:
    return request.tiktok_connection  # type: ignore[attr-defined]


def _page_url(request: HttpRequest) -> str:
    return reverse("tiktok-page", kwargs={"account": store_for_request(request).account}) + "#catalog"


def _filters(request: HttpRequest, *, say: bool = True) -> tuple[selectors.ListFilters, int, bool]:
    """The list's filters and keyset cursor from the query string; a refused value is dropped, with its
    message shown on the page when `say` (False: some value was refused)."""
    form = ListFiltersForm(request.GET)
    valid = form.is_valid()
    if not valid and say:
        for name, errors in form.errors.items():
            label = FILTER_LABELS.get(name)
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else str(error))
    data = form.cleaned_data
    filters = selectors.ListFilters(
        q=data.get("q", ""), field=data.get("field", ""), status=data.get("status", "")
    )
    return filters, data.get("after") or 0, valid


def _title(key: str) -> str:
    # The seed keeps these three labels in English on every language's page.
    return BUCKET_TITLES.get(key) or "Products rejected by TikTok"


@require_GET
@store_member_required()
@connection_required
def sku_list(request: HttpRequest, bucket: str) -> HttpResponse:
    if bucket not in selectors.BUCKET_KEYS:
        raise Http404
    conn = _connection(request)
    filters, after, valid = _filters(request)
    page = selectors.list_page(conn, selectors.BUCKET_KEYS[bucket], filters, after=after)
    if request.membership.is_admin:  # type: ignore[attr-defined]
        # Each row links to the store's catalog form, on the field to fix; saving comes back here.
        setup = TikTokSetup.objects.filter(store_id=conn.store_id)
        policy = (
            setup.values_list("trade_policy_id", flat=True).first()
            if any(r.fix_field == "price" for r in page.rows)
            else None
        )
        for row in page.rows:
            row.fix_url = selectors.row_fix_url(row, conn.store.account, policy, request.get_full_path())
    counts = selectors.catalog_counts(conn)
    query = request.GET.copy()
    query.pop("after", None)
    return render(
        request,
        "catalog_sync/list.html",
        {
            "nav": "tiktok",
            "bucket": bucket,
            "title": _title(bucket),
            "total": getattr(counts, bucket),
            "page": page,
            "filters": filters,
            "field_choices": sorted(((k, str(v)) for k, v in FIELD_LABELS.items()), key=lambda kv: kv[1]),
            "status_choices": [
                (s.value, s.label)
                for s in SyncStatus
                if selectors_bucket(s.value) == selectors.BUCKET_KEYS[bucket]
            ],
            "base_query": query.urlencode(),
            "can_act": request.membership.is_admin,  # type: ignore[attr-defined]
            "page_url": _page_url(request),
        },
        status=200 if valid else 400,
    )


def selectors_bucket(status: str) -> int:
    return int(BUCKET_OF[status])


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_GET
@store_member_required()
@connection_required
def sku_export(request: HttpRequest, bucket: str) -> HttpResponse:
    if bucket not in selectors.BUCKET_KEYS:
        raise Http404
    conn = _connection(request)
    filters, _after, valid = _filters(request, say=False)
    if not valid:
        # The list with the same query says what was refused.
        account = store_for_request(request).account
        return HttpResponseRedirect(
            f"{reverse('catalog-list', args=[account, bucket])}?{request.GET.urlencode()}"
        )
    writer = csv.writer(_Echo())

    def rows() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(
            [
                _("SKU ID"),
                _("Product ID"),
                _("Product"),
                _("SKU"),
                _("Status"),
                _("Missing or invalid"),
                _("Reason"),
            ]
        )
        for row in selectors.iter_states(conn, selectors.BUCKET_KEYS[bucket], filters):
            if filters.field and not any(p.get("field") == filters.field for p in row.state.problems or []):
                continue
            yield writer.writerow(
                [
                    row.state.sku_id,
                    row.state.product_id or "",
                    cell_safe(row.name),
                    cell_safe(row.sku_name),
                    row.state.get_status_display(),
                    "; ".join(row.fields),
                    cell_safe(" | ".join(row.reasons)),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="tiktok-{bucket}.csv"'
    return response


@require_POST
@store_member_required(admin=True)
@connection_required
def sync_now(request: HttpRequest) -> HttpResponseRedirect:
    conn = _connection(request)
    try:
        services.connection_request_sync(conn.pk, actor=request.user)
    except services.SyncRateLimited as exc:
        # A warning, not an error: nothing is wrong, the sync asked for a minute ago is running.
        messages.warning(request, exc.message)
    else:
        messages.success(
            request, _("Catalog sync started. The numbers update as TikTok processes the products.")
        )
    return redirect(_page_url(request))


@require_POST
@store_member_required(admin=True)
@connection_required
def resync(request: HttpRequest, sku_id: int) -> HttpResponseRedirect:
    conn = _connection(request)
    result = services.sku_resync(conn.pk, sku_id)
    reasons = " ".join(problem_message(p) for p in result.blockers)
    if not result.found:
        messages.error(request, _("This SKU is not part of the TikTok catalog."))
    elif result.ineligible:
        messages.warning(
            request,
            _("SKU %(sku)s is not sent to TikTok: %(reasons)s") % {"sku": sku_id, "reasons": reasons},
        )
    elif result.blockers:
        messages.warning(
            request,
            _(
                "SKU %(sku)s cannot be sent to TikTok yet: %(reasons)s It will be sent as soon as this is fixed."  # noqa: E501
            )
            % {"sku": sku_id, "reasons": reasons},
        )
    else:
        messages.success(request, _("SKU %(sku)s will be sent to TikTok again.") % {"sku": sku_id})
    back = request.POST.get("next", "")
    if back.startswith("/admin/") and "//" not in back:
        return HttpResponseRedirect(back)
    return redirect(_page_url(request))


@require_http_methods(["GET", "POST"])
@store_member_required()
@connection_required
def exclusions(request: HttpRequest) -> HttpResponse:
    store = store_for_request(request)
    conn = _connection(request)
    can_act = request.membership.is_admin  # type: ignore[attr-defined]
    form = ExclusionForm(store, request.POST or None)
    if request.method == "POST":
        if not can_act:
            raise Http404
        if form.is_valid():
            services.exclusion_add(store, product=form.product, category=form.cleaned_data.get("category"))
            # The same answer whether this request excluded it or found it excluded (a second click).
            messages.success(request, _("Excluded from TikTok. Products already there will be removed."))
            return redirect("catalog-exclusions", account=store.account)
    rows = (
        CatalogExclusion.objects.filter(store=store)
        .select_related("product", "category")
        .order_by("-created_at")
    )
    return render(
        request,
        "catalog_sync/exclusions.html",
        {
            "nav": "tiktok",
            "form": form,
            "rows": rows,
            "can_act": can_act,
            "connection": conn,
            "page_url": _page_url(request),
        },
    )


@require_POST
@store_member_required(admin=True)
def exclusion_delete(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    store = store_for_request(request)
    # Already removed (a second click, or two at once) is answered as the first.
    services.exclusion_remove(store, pk)
    messages.success(request, _("The exclusion was removed; these products will be sent to TikTok again."))
    return redirect("catalog-exclusions", account=store.account)
