"""CSV cells no spreadsheet evaluates (OWASP CSV injection), one rule in core.spreadsheet.cell_safe for
the ops report command and the admin's export: a formula behind spaces, a newline or invisible characters
is still a formula."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from catalog_sync.models import SkuState
from catalog_sync.state import states_update
from core.spreadsheet import cell_safe
from store.models import InstalledApp, Product, Role
from tests.catalog_sync.conftest import connect

pytestmark = pytest.mark.django_db

HOSTILE = [
    ("=1+1", "'=1+1"),
    (" =1+1", "'=1+1"),
    ("\n=1+1", "'=1+1"),
    ("\r\n =1+1", "'=1+1"),
    ("\u200b\ufeff=1+1", "'=1+1"),
    ("\x00\x07=1+1", "'=1+1"),
    ("  +55 11", "'+55 11"),
    ("\t-2+3", "'-2+3"),
    ("\tabc", "'\tabc"),
    ("\rabc", "'\rabc"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\r=cmd", "'=cmd"),
    ("＝1+1", "'＝1+1"),
]


@pytest.mark.parametrize(("value", "expected"), HOSTILE)
def test_a_formula_behind_whitespace_or_control_characters_is_neutralised(value, expected):
    assert cell_safe(value) == expected


@pytest.mark.parametrize(
    "value", ["", "Camiseta", "Camiseta = boa", "  Camiseta", "Preço - R$ 10", "ação@loja", "1+1"]
)
def test_any_other_cell_is_unchanged(value):
    assert cell_safe(value) == value


def _rejected(catalog, conn, reason: str) -> SkuState:
    sku = catalog.sku()
    state = SkuState.objects.create(connection=conn, sku_id=sku.pk, product_id=sku.product_id, dirty=False)
    states_update(conn.pk, [state.pk], status="rejected", reject_reason=reason)
    return state


def test_the_report_command_neutralises_formulas_behind_whitespace(catalog):
    conn = connect(catalog.store)
    states = [_rejected(catalog, conn, reason) for reason in (" =1+1", "\n=1+1", "=HYPERLINK(1)", "Blurry")]
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "tiktok_catalog_report", "--store", catalog.store.account, "--format", "csv", stdout=out, stderr=err
    )
    rows = {r["sku_id"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert [rows[str(s.sku_id)]["reason"] for s in states] == ["'=1+1", "'=1+1", "'=HYPERLINK(1)", "Blurry"]
    assert {rows[str(s.sku_id)]["status"] for s in states} == {"rejected"}


def test_the_admin_export_neutralises_formulas_behind_whitespace(catalog, make_user, client):
    """Fails until catalog_sync/views.py's _csv_safe is core.spreadsheet.cell_safe (the lead's switch)."""
    InstalledApp.objects.get_or_create(store=catalog.store, app="tiktok")
    conn = connect(catalog.store)
    client.force_login(make_user(catalog.store, Role.ADMIN))
    names = [" =1+1", "\n=1+1", "\u200b@SUM(A1)"]
    states = []
    for name in names:
        state = _rejected(catalog, conn, "Blurry")
        Product.objects.filter(pk=state.product_id).update(name=name)
        states.append(state)
    url = reverse("catalog-export", kwargs={"account": catalog.store.account, "bucket": "rejected"})
    body = b"".join(client.get(url).streaming_content).decode("utf-8-sig")
    rows = {r[0]: r for r in csv.reader(io.StringIO(body))}
    assert [rows[str(s.sku_id)][2] for s in states] == ["'=1+1", "'=1+1", "'@SUM(A1)"]
