"""Ops commands: tiktok_sync (real and dry run) and tiktok_catalog_report (JSON and CSV)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from catalog_sync.models import SkuState, SyncRun
from tests.catalog_sync.conftest import connect

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args, **kw):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err, **kw)
    return out.getvalue(), err.getvalue()


def test_dry_run_prints_payloads_and_problems_and_sends_nothing(catalog, sandbox):
    ok = catalog.sku(list_price="120.00")
    bad = catalog.sku(image=None, price="0")
    out, err = run("tiktok_sync", "--store", catalog.store.account, "--dry-run")
    lines = {line["sku_id"]: line for line in map(json.loads, out.splitlines())}
    assert lines[str(ok.pk)]["result"] == "ok"
    assert lines[str(ok.pk)]["payload"]["price_info"] == {
        "currency": "BRL",
        "price": 120.0,
        "sale_price": 99.9,
    }
    assert [p["code"] for p in lines[str(bad.pk)]["problems"]] == ["price_invalid", "image_missing"]
    assert lines[str(bad.pk)]["problems"][1]["message"] == "The SKU has no image."
    # Not a terminal: plain progress lines, no carriage returns.
    assert "\r" not in err and "checked: 2/2 ok=1 invalid=1 excluded=0" in err
    assert sandbox.journal() == []


def test_sync_then_report(catalog, sandbox):
    good = [catalog.sku() for _ in range(3)]
    bad = catalog.sku(image=(100, 100))
    conn = connect(catalog.store, sandbox)
    out, _err = run("tiktok_sync", "--store", str(catalog.store.pk), "--full")
    summary = json.loads(out)
    assert summary["sent"] == 3 and summary["needs_details"] == 1
    opened = SyncRun.objects.get(connection=conn)
    assert (summary["run"], summary["run_status"], opened.trigger) == (opened.pk, opened.status, "ops")
    assert sandbox.sku_ids(conn.catalog_id) == {str(s.pk) for s in good}

    # Again, with nothing changed: the summary does not pass the first run off as this one's.
    out, err = run("tiktok_sync", "--store", str(catalog.store.pk))
    again = json.loads(out)
    assert again.pop("in_review") in range(4)  # TikTok's review of the three may still be going on
    assert again == {
        "store": catalog.store.account,
        "catalog_id": conn.catalog_id,
        "run": None,
        "run_status": None,
        "sent": 0,
        "needs_details": 1,
    }
    assert "Nothing changed since the last sync" in err
    assert len(sandbox.journal(endpoint="catalog/product/upload")) == 1

    report_json, _ = run("tiktok_catalog_report", "--store", catalog.store.account, "--format", "json")
    report = json.loads(report_json)
    assert report["counts"]["needs_details"] == 1
    assert [s["sku_id"] for s in report["skus"]["needs_details"]] == [str(bad.pk)]
    assert report["skus"]["needs_details"][0]["missing_fields"] == ["image"]
    total = sum(report["counts"].values())
    assert total == 4 == sum(len(v) for v in report["skus"].values())
    # The run that sent them is named with its set: completed, so none of its SKUs is between states.
    (last_run,) = report["runs"]
    assert last_run == {
        "id": SyncRun.objects.get(connection=conn).pk,
        "status": "succeeded",
        "trigger": "ops",
        "sealed": True,
        "skus_between_states": 0,
    }

    report_csv, err = run("tiktok_catalog_report", "--store", catalog.store.account, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(report_csv)))
    assert len(rows) == 4 and {r["bucket"] for r in rows} <= {"available", "pending", "needs_details"}
    assert "needs_details: 1" in err
    assert f"run {last_run['id']} (ops): succeeded, 0 SKUs between states" in err


def test_a_first_sync_without_full_names_its_run(catalog, sandbox):
    """Review: on a connection with no run yet, the summary's run lookup raised after everything was sent."""
    conn = connect(catalog.store, sandbox)
    sku = catalog.sku()
    SkuState.objects.create(connection=conn, sku_id=sku.pk, product_id=sku.product_id, dirty=True)
    assert not SyncRun.objects.filter(connection=conn).exists()
    out, _err = run("tiktok_sync", "--store", catalog.store.account)
    summary = json.loads(out)
    opened = SyncRun.objects.get(connection=conn)
    assert (summary["sent"], summary["run"]) == (1, opened.pk)
    assert sandbox.sku_ids(conn.catalog_id) == {str(sku.pk)}


def test_commands_refuse_unknown_or_unconnected_stores(catalog):
    with pytest.raises(CommandError):
        run("tiktok_sync", "--store", "nope")
    with pytest.raises(CommandError):
        run("tiktok_catalog_report", "--store", catalog.store.account)


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_bar_on_a_terminal_and_lines_otherwise():
    from catalog_sync.progress import Progress

    tty = _Tty()
    bar = Progress(tty, "checked", 4, width=8)
    bar.update(2)
    bar.finish("done")
    assert tty.getvalue().startswith("\rchecked [####....]  50% 2/4")
    assert tty.getvalue().endswith("\n")
    plain = io.StringIO()
    lines = Progress(plain, "checked", 4)
    lines.update(2)
    lines.update(4)
    lines.finish("done")
    assert "\r" not in plain.getvalue()
    assert plain.getvalue().splitlines() == ["checked: 2/4", "checked: 4/4", "checked: 4/4 done"]
