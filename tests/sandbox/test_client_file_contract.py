"""The client's `product_file` against a live sandbox process over real HTTP: accepted, followed with
`product_log` to SUCCESS (the catalog lock then released), products stored; and the sandbox's refusal
mapped to the client's taxonomy."""

from __future__ import annotations

import pytest

from tests.plugins.processes import wait_until
from tests.sandbox.conftest import product
from tests.sandbox.test_client_contract import make_client
from tests.sandbox.test_file_feed import _Files
from tiktok_api import PermanentError, WriteConflictError

pytestmark = pytest.mark.slow


@pytest.fixture
def files():
    f = _Files()
    yield f
    f.server.shutdown()


def test_product_file_round_trip(sandbox, files):
    conn = sandbox.admin.connect("lojademo")
    client = make_client(sandbox)
    token, bc, cat = conn["access_token"], conn["bc_id"], conn["catalog_id"]
    url = files.add("/p.csv", [product("A-1"), product("B-1", title="")])
    feed_log_id = client.product_file(token, bc_id=bc, catalog_id=cat, file_url=url)
    assert client.lock.holder(cat).feed_log_id == feed_log_id
    with pytest.raises(WriteConflictError):
        # Another writer without the shared lock is refused by TikTok's own one-write-per-catalog rule.
        make_client(sandbox).product_upload(token, bc_id=bc, catalog_id=cat, products=[product("C-1")])
    log = None

    def done() -> bool:
        nonlocal log
        log = client.product_log(token, bc_id=bc, catalog_id=cat, feed_log_id=feed_log_id)
        return log.done

    wait_until(done, timeout=20)
    assert (log.process_status, log.add_count, log.error_count) == ("SUCCESS", 1, 1)
    assert [(i.field, [(x.index, x.sku_id) for x in i.items]) for i in log.errors] == [
        ("title", [(2, "B-1")])
    ]
    assert client.lock.holder(cat) is None
    assert {p["sku_id"] for p in sandbox.admin.products(cat)} == {"A-1"}
    assert files.hits == ["/p.csv"]


def test_product_file_refused_url_is_permanent(sandbox):
    conn = sandbox.admin.connect("lojademo")
    client = make_client(sandbox)
    with pytest.raises(PermanentError) as info:
        client.product_file(
            conn["access_token"],
            bc_id=conn["bc_id"],
            catalog_id=conn["catalog_id"],
            file_url="https://example.com/products.csv",
        )
    assert info.value.code == 40002
    assert client.lock.holder(conn["catalog_id"]) is None
    assert sandbox.admin.feed_logs(conn["catalog_id"]) == []
