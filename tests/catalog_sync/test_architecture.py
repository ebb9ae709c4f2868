"""The layering promise, end to end: a product edited through the store's services reaches TikTok's
catalog (the sandbox), while `store` imports no channel app. Both halves are checked in the same run:
the import contract (with no exception listed for it) and the edit's trip through the change
notifications, the catalog sync and the TikTok client to the sandbox."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from catalog_sync import services
from store import services as store_services
from tests.catalog_sync.conftest import connect, drive

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


def _contract(contract_id: str) -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return next(c for c in config["contracts"] if c["id"] == contract_id)


def test_store_imports_no_channel_app_and_a_product_edit_still_reaches_tiktok(catalog, sandbox) -> None:
    contract = _contract("store-no-channel")
    assert set(contract["forbidden_modules"]) >= {"integration", "catalog_sync", "pixel", "tiktok_shop"}
    assert contract.get("ignore_imports", []) == [], "no exception may hide a store -> channel import"
    lint = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache", "--contract", "store-no-channel"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "store imports no channel app KEPT" in " ".join(lint.stdout.split())

    sku = catalog.sku()
    conn = connect(catalog.store, sandbox)
    services.connection_full_sync_prepare(conn.pk)
    drive(conn.pk, sandbox)
    assert sandbox.products(conn.catalog_id)[0]["title"].startswith(sku.product.name)

    store_services.product_update(sku.product, name="Camiseta Renomeada")
    drive(conn.pk, sandbox)
    (on_tiktok,) = sandbox.products(conn.catalog_id)
    assert (on_tiktok["sku_id"], on_tiktok["title"].split(" - ")[0]) == (str(sku.pk), "Camiseta Renomeada")
    uploads = sandbox.journal(endpoint="catalog/product/upload")
    assert [e["sku_ids"] for e in uploads] == [[str(sku.pk)], [str(sku.pk)]]
