"""The merchant's side: the panel on the TikTok page, the lists behind the numbers, CSV export,
Sync now (rate-limited), Resync, exclusions, and who may do what."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog_sync import services
from catalog_sync.models import CatalogExclusion, SkuState, SyncRun
from catalog_sync.state import states_update
from integration.models import TikTokConnection
from store.models import InstalledApp, Role
from store.services import products_set_active
from tests.catalog_sync.conftest import connect

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(catalog, make_user, client):
    InstalledApp.objects.get_or_create(store=catalog.store, app="tiktok")
    conn = connect(catalog.store)
    user = make_user(catalog.store, Role.ADMIN)
    client.force_login(user)
    catalog.page_admin = user
    return catalog, conn, client


def url(name, catalog, **kw):
    return reverse(name, kwargs={"account": catalog.store.account, **kw})


def needs_details_states(catalog, conn, n):
    states = []
    for _ in range(n):
        sku = catalog.sku(image=None)
        states.append(
            SkuState.objects.create(connection=conn, sku_id=sku.pk, product_id=sku.product_id, dirty=False)
        )
    states_update(
        conn.pk,
        [s.pk for s in states],
        status="needs_details",
        problems=[{"field": "image", "code": "image_missing", "params": {}}],
    )
    return states


def test_tiktok_page_shows_numbers_linking_to_lists_and_the_sync_panel(page):
    catalog, conn, client = page
    needs_details_states(catalog, conn, 2)
    SyncRun.objects.create(
        connection=conn,
        trigger="connect",
        status="succeeded",
        started_at=timezone.now(),
        finished_at=timezone.now(),
        uploaded=7,
    )
    html = client.get(url("tiktok-page", catalog)).content.decode()
    assert 'data-testid="catalog-sync-panel"' in html
    assert 'data-testid="sync-now"' in html
    list_url = url("catalog-list", catalog, bucket="needs_details")
    assert re.search(rf'href="{re.escape(list_url)}" data-testid="count-needs_details">2<', html)
    assert 'data-testid="sync-chart"' in html and "chart-bar--succeeded" in html
    assert " style=" not in html.split('data-testid="catalog-sync-panel"')[1]


def test_list_keyset_pagination_reasons_and_edit_link(page, django_assert_max_num_queries):
    catalog, conn, client = page
    states = needs_details_states(catalog, conn, 55)
    list_url = url("catalog-list", catalog, bucket="needs_details")
    with django_assert_max_num_queries(20):
        first = client.get(list_url)
    html = first.content.decode()
    assert html.count('data-testid="sku-row"') == 50
    assert "The SKU has no image." in html and 'data-testid="missing-fields">Images<' in html
    # Each row links the store admin to the admin shell's SKU form, on the field to fix (the image).
    assert 'data-testid="edit-product"' not in html
    sku_form = f"/admin/{catalog.store.account}/catalog/products/skus/{states[0].sku_id}/"
    assert f'href="{sku_form}?focus=image&amp;next=' in html and 'data-testid="fix-link"' in html
    after = re.search(r'after=(\d+)" data-testid="next-page"', html).group(1)
    assert int(after) == states[49].pk
    second = client.get(list_url + f"?after={after}").content.decode()
    assert second.count('data-testid="sku-row"') == 5 and 'data-testid="next-page"' not in second
    wanted = states[3].sku_id
    only = client.get(list_url + f"?q={wanted}").content.decode()
    # The search matches a SKU ID or a product ID: another row's product may carry the same number.
    matching = [s for s in states if wanted in (s.sku_id, s.product_id)]
    assert only.count('data-testid="sku-row"') == len(matching) >= 1


def test_csv_export_neutralises_formulas(page):
    catalog, conn, client = page
    [state] = needs_details_states(catalog, conn, 1)
    from store.models import Product

    Product.objects.filter(pk=state.product_id).update(name='=HYPERLINK("http://evil")')
    resp = client.get(url("catalog-export", catalog, bucket="needs_details"))
    body = b"".join(resp.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] == "SKU ID" and rows[1][0] == str(state.sku_id)
    assert rows[1][2].startswith("'=") and rows[1][5] == "Images"


def test_sync_now_is_rate_limited_and_admin_only(
    page, dispatched, make_user, django_capture_on_commit_callbacks
):
    catalog, conn, client = page
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(url("catalog-sync-now", catalog), follow=True)
    assert "Catalog sync started" in resp.content.decode()
    assert [d[0] for d in dispatched] == ["catalog_sync.tasks.full_sync"]
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(url("catalog-sync-now", catalog), follow=True)
    assert "You can ask again in" in resp.content.decode()
    assert len(dispatched) == 1
    viewer = make_user(catalog.store, Role.VIEWER)
    client.force_login(viewer)
    assert client.post(url("catalog-sync-now", catalog)).status_code == 403
    assert len(dispatched) == 1


def test_resync_forgets_the_accepted_hash(page, dispatched, django_capture_on_commit_callbacks):
    catalog, conn, client = page
    sku = catalog.sku()
    state = SkuState.objects.create(connection=conn, sku_id=sku.pk, dirty=False, accepted_hash="abc")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("catalog-resync", catalog, sku_id=sku.pk))
    state.refresh_from_db()
    assert state.dirty and state.accepted_hash == ""
    assert ("catalog_sync.tasks.sweep_catalog", (conn.pk, "resync"), None) in dispatched


def toasts(resp) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in resp.context["messages"]]


def test_resync_tells_the_merchant_what_still_keeps_a_sku_back(page, dispatched):
    """QA: Resync on a SKU without an image promised a send that could not happen until the image was added."""
    catalog, conn, client = page
    ready = catalog.sku()
    no_image = catalog.sku(image=None)
    for sku in (ready, no_image):
        SkuState.objects.create(connection=conn, sku_id=sku.pk, product_id=sku.product_id, dirty=False)

    resp = client.post(url("catalog-resync", catalog, sku_id=no_image.pk), follow=True)
    assert toasts(resp) == [
        (
            "warning",
            f"SKU {no_image.pk} cannot be sent to TikTok yet: The SKU has no image. "
            "It will be sent as soon as this is fixed.",
        )
    ]
    resp = client.post(url("catalog-resync", catalog, sku_id=ready.pk), follow=True)
    assert toasts(resp) == [("success", f"SKU {ready.pk} will be sent to TikTok again.")]

    products_set_active([no_image.product_id], False)
    client.cookies.load({"tta_language": "pt-br"})
    resp = client.post(url("catalog-resync", catalog, sku_id=no_image.pk), follow=True)
    assert toasts(resp) == [
        (
            "warning",
            f"O SKU {no_image.pk} não é enviado ao TikTok: O produto está inativo.",
        )
    ]
    resp = client.post(url("catalog-resync", catalog, sku_id=999999999), follow=True)
    assert toasts(resp) == [("error", "Este SKU não faz parte do catálogo do TikTok.")]


def test_exclusions_page_adds_and_removes(page):
    catalog, conn, client = page
    sku = catalog.sku()
    SkuState.objects.create(connection=conn, sku_id=sku.pk, product_id=sku.product_id, dirty=False)
    resp = client.post(url("catalog-exclusions", catalog), {"category": catalog.category.pk})
    assert resp.status_code == 302
    exclusion = CatalogExclusion.objects.get(store=catalog.store)
    assert exclusion.category_id == catalog.category.pk
    assert SkuState.objects.get(sku_id=sku.pk).dirty
    SkuState.objects.update(dirty=False)
    client.post(url("catalog-exclusion-delete", catalog, pk=exclusion.pk))
    assert not CatalogExclusion.objects.exists() and SkuState.objects.get(sku_id=sku.pk).dirty
    bad = client.post(url("catalog-exclusions", catalog), {"product_id": 999999})
    assert "This store has no product with this ID." in bad.content.decode()


def test_other_stores_users_get_404(page, make_store, make_user, client):
    catalog, conn, _client = page
    other = make_store()
    client.force_login(make_user(other, Role.ADMIN))
    assert client.get(url("catalog-list", catalog, bucket="available")).status_code == 404
    assert client.post(url("catalog-sync-now", catalog)).status_code == 404


def test_email_when_syncs_keep_failing(page, mailoutbox):
    catalog, conn, _client = page
    from store.models import Membership

    for m in Membership.objects.filter(store=catalog.store).select_related("user"):
        m.user.email = "dona@loja.com.br"
        m.user.save()
    for _ in range(3):
        SyncRun.objects.create(
            connection=conn,
            trigger="schedule",
            status="partial",
            started_at=timezone.now(),
            finished_at=timezone.now(),
            errors=[{"message": "50002: Internal service error"}],
        )
    assert services.runs_notify_if_failing(conn.pk) is True
    # The store's language (pt-br), whoever triggered it.
    assert len(mailoutbox) == 1 and "continua falhando" in mailoutbox[0].subject
    assert mailoutbox[0].to == ["dona@loja.com.br"]
    assert "50002" in mailoutbox[0].body
    assert services.runs_notify_if_failing(conn.pk) is False  # once


def test_list_filters_by_missing_field(page):
    catalog, conn, client = page
    [state] = needs_details_states(catalog, conn, 1)
    list_url = url("catalog-list", catalog, bucket="needs_details")
    assert client.get(list_url + "?field=image").content.decode().count('data-testid="sku-row"') == 1
    assert client.get(list_url + "?field=brand").content.decode().count('data-testid="sku-row"') == 0
    body = b"".join(
        client.get(url("catalog-export", catalog, bucket="needs_details") + "?field=brand").streaming_content
    )
    assert str(state.sku_id) not in body.decode("utf-8-sig").splitlines()[-1]


def test_catalog_pages_opened_after_a_disconnect_lead_back_to_the_tiktok_page(page, dispatched):
    """QA: a list left open in a tab answered a bare 404 once the store was disconnected."""
    catalog, conn, client = page
    sku = catalog.sku()
    SkuState.objects.create(connection=conn, sku_id=sku.pk, product_id=sku.product_id, dirty=False)
    TikTokConnection.objects.filter(pk=conn.pk).update(status="disconnected", disconnected_at=timezone.now())

    tiktok_page = url("tiktok-page", catalog)
    for method, target in (
        ("get", url("catalog-list", catalog, bucket="available")),
        ("get", url("catalog-export", catalog, bucket="available")),
        ("get", url("catalog-exclusions", catalog)),
        ("post", url("catalog-sync-now", catalog)),
        ("post", url("catalog-resync", catalog, sku_id=sku.pk)),
    ):
        resp = getattr(client, method)(target)
        assert (target, resp.status_code, resp["Location"]) == (target, 302, tiktok_page)
    resp = client.get(url("catalog-list", catalog, bucket="available"), follow=True)
    assert toasts(resp)[-1] == (
        "info",
        "This store is not connected to TikTok, so there is no TikTok catalog to show.",
    )
    # Nothing was queued and nothing changed for the old connection.
    assert dispatched == []
    assert SkuState.objects.get(connection=conn, sku_id=sku.pk).dirty is False
