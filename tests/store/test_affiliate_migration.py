"""The Affiliate model moved from `integration` to `store` (store 0003 creates the table, integration 0003
copies the rows and drops its own): nothing is lost, ids included, and it runs backwards too."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("store", "0002_verbose_names"), ("integration", "0002_healthcheckrun_and_more")]
AFTER = [("store", "0003_affiliate"), ("integration", "0003_affiliate_to_store")]
CREATED = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_affiliates_move_to_the_store_with_their_ids_and_back():
    try:
        old = _migrate(BEFORE)
        store = old.get_model("store", "Store").objects.create(
            account="loja", name="Loja", country="BR", currency="BRL"
        )
        Affiliate = old.get_model("integration", "Affiliate")
        Affiliate.objects.create(id=7, store_id=store.pk, code="TKT", name="TikTok")
        Affiliate.objects.filter(id=7).update(created_at=CREATED)
        mlb = Affiliate.objects.create(store_id=store.pk, code="MLB", name="Mercado Livre")

        new = _migrate(AFTER)
        moved = new.get_model("store", "Affiliate")
        assert sorted(moved.objects.values_list("id", "store_id", "code", "name")) == sorted(
            [(7, store.pk, "TKT", "TikTok"), (mlb.pk, store.pk, "MLB", "Mercado Livre")]
        )
        assert moved.objects.get(code="TKT").created_at == CREATED
        assert "integration_affiliate" not in connection.introspection.table_names()
        # New rows get fresh ids (the id sequence moved past the copied ones).
        fresh = moved.objects.create(store_id=store.pk, code="BRL", name="Outro")
        assert fresh.pk > max(7, mlb.pk)

        back = _migrate(BEFORE)
        assert sorted(back.get_model("integration", "Affiliate").objects.values_list("code", flat=True)) == [
            "BRL",
            "MLB",
            "TKT",
        ]
    finally:
        # Back to the latest migrations of every app (rolling store back also rolled back what depends on
        # it), so the tests after this one see the whole schema.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
