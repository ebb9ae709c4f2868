"""How often a full sync writes each SKU's state row: every INSERT or UPDATE of a row is counted by a row
trigger (exact, whichever statement or code path did it), so a redundant write shows up as a number."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from django.db import connection

from catalog_sync import services
from catalog_sync.models import SkuState
from tests.catalog_sync.conftest import connect, drive

pytestmark = pytest.mark.django_db(transaction=True)

TABLE = SkuState._meta.db_table


@pytest.fixture
def row_writes() -> Iterator[Counter[int]]:
    """Every write of a state row, by row id, recorded by a trigger while the test runs."""
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS test_state_row_writes (row_id bigint NOT NULL, op text NOT NULL)"
        )
        cur.execute("TRUNCATE test_state_row_writes")
        cur.execute(
            "CREATE OR REPLACE FUNCTION test_state_row_write() RETURNS trigger AS $$ BEGIN "
            "INSERT INTO test_state_row_writes VALUES (NEW.id, TG_OP); RETURN NULL; END $$ LANGUAGE plpgsql"
        )
        cur.execute(
            f"CREATE TRIGGER test_state_row_write AFTER INSERT OR UPDATE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION test_state_row_write()"
        )
    counts: Counter[int] = Counter()
    try:
        yield counts
    finally:
        with connection.cursor() as cur:
            cur.execute(f"DROP TRIGGER IF EXISTS test_state_row_write ON {TABLE}")
            cur.execute("DROP FUNCTION IF EXISTS test_state_row_write()")
            cur.execute("DROP TABLE IF EXISTS test_state_row_writes")


def _writes() -> Counter[int]:
    with connection.cursor() as cur:
        cur.execute("SELECT row_id, count(*) FROM test_state_row_writes GROUP BY row_id")
        return Counter(dict(cur.fetchall()))


def test_full_sync_writes_each_state_row_a_bounded_number_of_times(catalog, sandbox, row_writes):
    valid = [catalog.sku() for _ in range(24)]
    invalid = [catalog.sku(image=None) for _ in range(3)]
    unpriced = [catalog.sku(price=None) for _ in range(3)]
    conn = connect(catalog.store, sandbox)
    services.connection_full_sync_prepare(conn.pk)
    drive(conn.pk, sandbox)

    rows = dict(SkuState.objects.filter(connection=conn).values_list("sku_id", "id"))
    statuses = dict(SkuState.objects.filter(connection=conn).values_list("sku_id", "status"))
    assert {statuses[s.pk] for s in valid} == {"available"}
    assert {statuses[s.pk] for s in invalid} == {"needs_details"}
    assert {statuses[s.pk] for s in unpriced} == {"excluded"}
    writes = _writes()
    # A SKU sent and approved: inserted, classified, claimed into a batch, sent (status and the hash of
    # what was sent in one statement), accepted by the feed log, reviewed. Not the old eight: the full
    # sync re-marked every just-inserted row dirty, and the sent hash was a second write at send time.
    assert sorted({writes[rows[s.pk]] for s in valid}) == [6]
    # A SKU that is never sent: inserted, classified (its problems in the same statement, not a second).
    assert sorted({writes[rows[s.pk]] for s in invalid + unpriced}) == [2]
    assert sum(writes.values()) == 24 * 6 + 6 * 2
