"""The state table's physical shape after the migrations: no index that another one already covers, and
free space on each page for HOT updates."""

from __future__ import annotations

import pytest
from django.db import connection

from catalog_sync.models import SkuState

pytestmark = pytest.mark.django_db


def test_state_table_has_no_redundant_index_and_a_fill_factor() -> None:
    table = SkuState._meta.db_table
    with connection.cursor() as cur:
        cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
        indexes = dict(cur.fetchall())
        cur.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [table])
        options = cur.fetchone()[0]
    single_column = {
        name: definition.split("USING btree ")[1]
        for name, definition in indexes.items()
        if "USING btree" in definition and " WHERE " not in definition
    }
    assert "(batch_id)" not in single_column.values()
    assert "(connection_id)" not in single_column.values()
    # What serves those lookups instead.
    assert "(connection_id, sku_id)" in indexes["uniq_skustate_conn_sku"]
    assert "(batch_id) WHERE (batch_id IS NOT NULL)" in indexes["skustate_batch"]
    assert sorted(indexes) == sorted(
        [
            f"{table}_pkey",
            "uniq_skustate_conn_sku",
            "skustate_conn_bucket_id",
            "skustate_conn_status_id",
            "skustate_conn_product",
            "skustate_dirty",
            "skustate_todo",
            "skustate_batch",
            "skustate_run_open",
        ]
    )
    assert options == ["fillfactor=90"]
