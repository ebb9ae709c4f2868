"""Catalog and catalog-product endpoints: writes, feed logs, per-product errors, review, locks, reads."""

from __future__ import annotations

import threading

import pytest

from tests.sandbox.conftest import product, wait_feed_log

pytestmark = pytest.mark.slow


def _ids(conn):
    return {"bc_id": conn["bc_id"], "catalog_id": conn["catalog_id"]}


def _upload(api, conn, products, path="catalog/product/upload"):
    return api("POST", path, token=conn["access_token"], body={**_ids(conn), "products": products})


def test_catalog_create_get_update_delete(api, conn):
    token = conn["access_token"]
    created = api(
        "POST",
        "catalog/create",
        token=token,
        body={
            "bc_id": conn["bc_id"],
            "name": "Loja BR",
            "catalog_type": "ECOM",
            "catalog_conf": {"region_code": "BR", "currency": "BRL", "channel": "PARTNER"},
        },
    )
    assert created["code"] == 0
    catalog_id = created["data"]["catalog_id"]
    assert len(catalog_id) == 19 and catalog_id.isdigit()

    got = api("GET", "catalog/get", token=token, params={"bc_id": conn["bc_id"], "catalog_id": catalog_id})
    (item,) = got["data"]["list"]
    assert item["catalog_name"] == "Loja BR"
    assert item["catalog_conf"] == {"country": "BR", "currency": "BRL", "channel": "PARTNER"}
    assert item["bc_info"]["bc_id"] == conn["bc_id"]
    assert got["data"]["page_info"] == {"page": 1, "page_size": 10, "total_number": 1, "total_page": 1}

    body = {"bc_id": conn["bc_id"], "catalog_id": catalog_id}
    assert api("POST", "catalog/update", token=token, body={**body, "name": "Renamed"})["data"] == {
        "catalog_id": catalog_id
    }
    assert api("POST", "catalog/delete", token=token, body=body)["data"] == {"catalog_id": catalog_id}
    gone = api("GET", "catalog/overview", token=token, params=body)
    assert gone["code"] == 40001


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (
            {"name": "x", "catalog_type": "ECOM", "catalog_conf": {"region_code": "BR", "currency": "BRL"}},
            "bc_id",
        ),
        (
            {"bc_id": "B", "catalog_type": "ECOM", "catalog_conf": {"region_code": "BR", "currency": "BRL"}},
            "name",
        ),
        (
            {
                "bc_id": "B",
                "name": "x",
                "catalog_type": "SHOES",
                "catalog_conf": {"region_code": "BR", "currency": "BRL"},
            },
            "catalog_type",
        ),
        (
            {"bc_id": "B", "name": "x", "catalog_type": "ECOM", "catalog_conf": {"region_code": "BR"}},
            "currency",
        ),
    ],
)
def test_catalog_create_parameter_errors(api, conn, body, fragment):
    body = {k: (conn["bc_id"] if v == "B" else v) for k, v in body.items()}
    result = api("POST", "catalog/create", token=conn["access_token"], body=body)
    assert result["code"] == 40002
    assert fragment in result["message"]


def test_permission_error_on_foreign_catalog_and_bc(sandbox, api, conn):
    token = conn["access_token"]
    foreign = {"bc_id": "7100000000000000002", "catalog_id": "7300000000000000001"}
    result = api("GET", "catalog/overview", token=token, params=foreign)
    assert result == {
        **result,
        "code": 40001,
        "data": {},
        "message": "You don't have permission to operate this catalog:7300000000000000001.",
    }
    unknown = api(
        "GET", "catalog/overview", token=token, params={"bc_id": conn["bc_id"], "catalog_id": "7999"}
    )
    assert unknown["message"] == "You don't have permission to operate this catalog:7999."
    bc = api("GET", "catalog/get", token=token, params={"bc_id": "7100000000000000002"})
    assert (bc["code"], bc["message"]) == (
        40001,
        "You don't have permission to operate this business center:7100000000000000002.",
    )
    upload = _upload(api, conn | foreign, [product("A-1")])
    assert upload["code"] == 40001
    assert sandbox.admin.feed_logs() == []


def test_upload_feed_log_lifecycle_and_review(sandbox, api, conn):
    sandbox.admin.config(feed_wait_seconds=60, image_fetch=False)
    result = _upload(api, conn, [product("A-1"), product("A-2")])
    assert result["code"] == 0
    feed_log_id = result["data"]["feed_log_id"]
    params = {**_ids(conn), "feed_log_id": feed_log_id}
    waiting = api("GET", "catalog/product/log", token=conn["access_token"], params=params)["data"][
        "product_feed_log"
    ]
    assert waiting["process_status"] == "WAITING"
    assert waiting["start_time"] is None

    log = wait_feed_log(api, conn, feed_log_id, sandbox)
    assert log["process_status"] == "SUCCESS"
    assert (log["add_count"], log["update_count"], log["error_count"]) == (2, 0, 0)
    assert log["feed_log_data"]["error_affected_products"] is None
    assert {p["sku_id"]: p["audit"]["audit_status"] for p in sandbox.admin.products(conn["catalog_id"])} == {
        "A-1": "approved",
        "A-2": "approved",
    }
    overview = api("GET", "catalog/overview", token=conn["access_token"], params=_ids(conn))["data"]
    assert overview == {
        "approved": 2,
        "rejected": 0,
        "processing": 0,
        "organic_approved": 2,
        "organic_rejected": 0,
        "organic_processing": 0,
    }

    again = _upload(api, conn, [product("A-1", title="Camiseta nova")])
    log = wait_feed_log(api, conn, again["data"]["feed_log_id"], sandbox)
    assert (log["add_count"], log["update_count"]) == (0, 1)


def test_background_thread_moves_feed_log_without_tick(sandbox, api, conn):
    from tests.plugins.processes import wait_until

    sandbox.admin.config(image_fetch=False, review_seconds=0)
    feed_log_id = _upload(api, conn, [product("B-1")])["data"]["feed_log_id"]
    params = {**_ids(conn), "feed_log_id": feed_log_id}

    def status():
        return api("GET", "catalog/product/log", token=conn["access_token"], params=params)["data"][
            "product_feed_log"
        ]["process_status"]

    assert wait_until(lambda: status() == "SUCCESS", timeout=10)
    assert wait_until(lambda: sandbox.admin.products(conn["catalog_id"], "approved") != [], timeout=10)


def test_malformed_products_are_reported_per_field(sandbox, api, conn):
    bad = [
        product("C-1"),
        product("C-2", availability="SOMETIMES"),
        {k: v for k, v in product("C-3").items() if k != "title"},
        product("C-4", image_url="http://127.0.0.1/img.jpg"),
        product("C-1"),
        product("C-6", product_detail={"condition": "NEW", "gender": "other"}),
        product("C-7", price_info={"price": 10, "currency": "USD"}),
        "not an object",
        product("x" * 101, item_group_id="X"),
    ]
    result = _upload(api, conn, bad)
    assert result["code"] == 0
    log = wait_feed_log(api, conn, result["data"]["feed_log_id"], sandbox)
    assert log["process_status"] == "SUCCESS"
    assert (log["add_count"], log["error_count"]) == (1, 8)
    errors = {(e["field"], e["issue"]): e for e in log["feed_log_data"]["error_affected_products"]}
    assert set(errors) == {
        ("availability", "Invalid value: availability"),
        ("title", "Missing value: title"),
        ("image_url", "Invalid value: image_url"),
        ("sku_id", "Duplicate value: sku_id"),
        ("gender", "Invalid value: gender"),
        ("currency", "Invalid value: currency"),
        ("product", "Invalid value: product"),
        ("sku_id", "Value too long: sku_id"),
    }
    availability = errors[("availability", "Invalid value: availability")]
    assert availability["affected_product_count"] == 1
    assert availability["affected_product_item_list"] == [
        {
            "index": 2,
            "sku_id": "C-2",
            "title": "Camiseta C-2",
            "description": "100% algodão.",
            "product_url": "https://loja.example/p/C-2",
            "value": "SOMETIMES",
        }
    ]
    assert (
        errors[("image_url", "Invalid value: image_url")]["suggestion"]
        == 'The "image_url" field must use https.'
    )
    assert [p["sku_id"] for p in sandbox.admin.products(conn["catalog_id"])] == ["C-1"]


def test_all_items_failing_is_failed(sandbox, api, conn):
    result = _upload(api, conn, [product("D-1", brand=""), product("D-2", availability=None)])
    log = wait_feed_log(api, conn, result["data"]["feed_log_id"], sandbox)
    assert (log["process_status"], log["error_count"], log["add_count"]) == ("FAILED", 2, 0)


def test_http_images_allowed_by_setting(sandbox, api, conn):
    sandbox.admin.config(allow_http_images=True, image_fetch=False)
    result = _upload(api, conn, [product("E-1", image_url="http://127.0.0.1/e.jpg")])
    log = wait_feed_log(api, conn, result["data"]["feed_log_id"], sandbox)
    assert (log["add_count"], log["error_count"]) == (1, 0)


@pytest.mark.parametrize(
    ("body_key", "value", "message"),
    [
        ("products", [], "products: Length must be between 1 and 5000."),
        ("products", None, "products: Length must be between 1 and 5000."),
        ("products", "abc", "products: Length must be between 1 and 5000."),
    ],
)
def test_upload_top_level_errors(sandbox, api, conn, body_key, value, message):
    body = {**_ids(conn), body_key: value}
    result = api("POST", "catalog/product/upload", token=conn["access_token"], body=body)
    assert (result["code"], result["message"]) == (40002, message)
    assert sandbox.admin.feed_logs() == []


def test_upload_of_5001_is_refused_and_5000_accepted(sandbox, api, conn):
    many = [product(f"F-{i}") for i in range(5001)]
    assert _upload(api, conn, many)["code"] == 40002
    assert _upload(api, conn, many[:5000])["code"] == 0
    (entry,) = sandbox.admin.journal(endpoint="catalog/product/upload", code=0)
    assert entry["sku_count"] == 5000


def test_second_write_while_processing_is_refused(sandbox, api, conn):
    sandbox.admin.config(feed_wait_seconds=60)
    first = _upload(api, conn, [product("G-1")])
    assert first["code"] == 0
    for path, body in (
        ("catalog/product/upload", {"products": [product("G-2")]}),
        ("catalog/product/update", {"products": [{"sku_id": "G-1", "title": "x"}]}),
        ("catalog/product/delete", {"sku_ids": ["G-1"]}),
    ):
        result = api("POST", path, token=conn["access_token"], body={**_ids(conn), **body})
        assert (result["code"], result["message"], result["data"]) == (
            40202,
            "Write or update entity conflict",
            {},
        )
    sandbox.admin.tick()
    assert _upload(api, conn, [product("G-2")])["code"] == 0
    assert [e["code"] for e in sandbox.admin.journal(catalog_id=conn["catalog_id"])] == [
        0,
        40202,
        40202,
        40202,
        0,
    ]


def test_concurrent_writers_without_coordination_conflict(sandbox, api, conn):
    sandbox.admin.config(feed_wait_seconds=60, endpoint_limits={"catalog/product/upload": {"qps": 0}})
    codes = []

    def write(i):
        codes.append(_upload(api, conn, [product(f"H-{i}")])["code"])

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [0, 40202, 40202, 40202]
    assert len(sandbox.admin.feed_logs(conn["catalog_id"])) == 1


def test_update_is_partial_and_needs_existing_skus(sandbox, api, conn):
    sandbox.admin.config(image_fetch=False)
    wait_feed_log(api, conn, _upload(api, conn, [product("U-1")])["data"]["feed_log_id"], sandbox)
    result = _upload(
        api,
        conn,
        [
            {"sku_id": "U-1", "price_info": {"price": 25.5}, "availability": "OUT_OF_STOCK"},
            {"sku_id": "U-9", "title": "x"},
        ],
        path="catalog/product/update",
    )
    log = wait_feed_log(api, conn, result["data"]["feed_log_id"], sandbox)
    assert (log["update_count"], log["error_count"]) == (1, 1)
    assert log["feed_log_data"]["error_affected_products"][0]["issue"] == "Product does not exist: sku_id"
    (item,) = sandbox.admin.products(conn["catalog_id"])
    assert item["price_info"] == {"price": 25.5, "currency": "BRL", "sale_price": 20.0}
    assert item["availability"] == "OUT_OF_STOCK"
    assert item["title"] == "Camiseta U-1"
    assert item["ad_creation_eligible"] == "NOT_AVAILABLE"


def test_delete_removes_and_warns_about_unknown(sandbox, api, conn):
    wait_feed_log(
        api, conn, _upload(api, conn, [product("X-1"), product("X-2")])["data"]["feed_log_id"], sandbox
    )
    result = api(
        "POST",
        "catalog/product/delete",
        token=conn["access_token"],
        body={**_ids(conn), "sku_ids": ["X-1", "X-404"]},
    )
    log = wait_feed_log(api, conn, result["data"]["feed_log_id"], sandbox)
    assert (log["process_status"], log["delete_count"], log["warn_count"], log["error_count"]) == (
        "SUCCESS",
        1,
        1,
        0,
    )
    assert (
        log["feed_log_data"]["warn_affected_products"][0]["affected_product_item_list"][0]["sku_id"]
        == "X-404"
    )
    assert [p["sku_id"] for p in sandbox.admin.products(conn["catalog_id"])] == ["X-2"]
    too_many = api(
        "POST",
        "catalog/product/delete",
        token=conn["access_token"],
        body={**_ids(conn), "sku_ids": [f"s{i}" for i in range(1001)]},
    )
    assert too_many["code"] == 40002


def test_review_rules_banned_word_small_image_unreachable_image(sandbox, api, conn):
    sandbox.admin.config(allow_http_images=True)
    items = [
        product("R-1", image_url=sandbox.admin.image_url(800, 800)),
        product("R-2", image_url=sandbox.admin.image_url(800, 800), title="Produto PROIBIDO"),
        product("R-3", image_url=sandbox.admin.image_url(499, 800)),
        product("R-4", image_url="https://cdn.example.com/r4.jpg"),
        product("R-5", image_url=sandbox.url + "/_sandbox/img/missing.png"),
    ]
    wait_feed_log(api, conn, _upload(api, conn, items)["data"]["feed_log_id"], sandbox)
    sandbox.admin.tick()
    got = {p["sku_id"]: p for p in sandbox.admin.products(conn["catalog_id"])}
    assert got["R-1"]["audit"] == {"audit_status": "approved", "rejected_info": []}
    assert got["R-1"]["image_status"] == "SUCCESS"
    assert got["R-1"]["ad_creation_eligible"] == "AVAILABLE"
    assert got["R-2"]["audit"]["audit_status"] == "rejected"
    assert got["R-2"]["audit"]["rejected_info"] == [
        {
            "reason": "Prohibited content",
            "suggestion": "Remove prohibited words from the title and description.",
            "affected_placement": ["PLACEMENT_TIKTOK"],
            "affected_country": ["BR"],
        }
    ]
    assert (got["R-3"]["audit"]["audit_status"], got["R-3"]["image_status"]) == ("processing", "FILTERED")
    assert (got["R-4"]["audit"]["audit_status"], got["R-4"]["image_status"]) == ("rejected", "NO_FOUND")
    assert (got["R-5"]["audit"]["audit_status"], got["R-5"]["image_status"]) == ("rejected", "NO_FOUND")
    overview = api("GET", "catalog/overview", token=conn["access_token"], params=_ids(conn))["data"]
    assert (overview["approved"], overview["rejected"], overview["processing"]) == (1, 3, 1)


def test_banned_words_are_configurable(sandbox, api, conn):
    sandbox.admin.config(image_fetch=False, banned_words=["réplica"])
    items = [product("W-1", title="Bolsa RÉPLICA"), product("W-2", title="proibido is fine now")]
    wait_feed_log(api, conn, _upload(api, conn, items)["data"]["feed_log_id"], sandbox)
    sandbox.admin.tick()
    got = {p["sku_id"]: p["audit"]["audit_status"] for p in sandbox.admin.products(conn["catalog_id"])}
    assert got == {"W-1": "rejected", "W-2": "approved"}


def test_product_get_filters_and_pages(sandbox, api, conn):
    sandbox.admin.config(image_fetch=False)
    items = [product(f"P-{i:02d}") for i in range(12)] + [product("P-bad", title="proibido")]
    wait_feed_log(api, conn, _upload(api, conn, items)["data"]["feed_log_id"], sandbox)
    sandbox.admin.tick()
    token = conn["access_token"]
    page2 = api("GET", "catalog/product/get", token=token, params={**_ids(conn), "page": 2, "page_size": 5})[
        "data"
    ]
    assert [p["sku_id"] for p in page2["list"]] == ["P-05", "P-06", "P-07", "P-08", "P-09"]
    assert page2["page_info"] == {"page": 2, "page_size": 5, "total_number": 13, "total_page": 3}
    by_sku = api(
        "GET", "catalog/product/get", token=token, params={**_ids(conn), "sku_ids": ["P-01", "P-bad"]}
    )["data"]
    assert {p["sku_id"]: p["audit"]["audit_status"] for p in by_sku["list"]} == {
        "P-01": "approved",
        "P-bad": "rejected",
    }
    first = by_sku["list"][0]
    assert {
        "price_info",
        "product_detail",
        "landing_page",
        "product_id",
        "audit",
        "image_status",
        "active_status",
    } <= set(first)
    conditions = {"and": [{"field": "audit_status", "operator": "EQ", "values": ["rejected"]}]}
    rejected = api(
        "GET", "catalog/product/get", token=token, params={**_ids(conn), "conditions": conditions}
    )["data"]
    assert [p["sku_id"] for p in rejected["list"]] == ["P-bad"]
    too_big = api("GET", "catalog/product/get", token=token, params={**_ids(conn), "page_size": 501})
    assert too_big["code"] == 40002


def test_catalog_writes_per_hour_limit(sandbox, api, conn):
    sandbox.admin.config(catalog_writes_per_hour=2, image_fetch=False)
    for i in range(2):
        result = _upload(api, conn, [product(f"L-{i}")])
        wait_feed_log(api, conn, result["data"]["feed_log_id"], sandbox)
    third = _upload(api, conn, [product("L-3")])
    assert (third["code"], third["message"]) == (40100, "App reaches the QPS limit.")
