"""The project's client (tiktok_api) against a live sandbox process: every endpoint and error class, and
four concurrent writers sharing the client's catalog lock producing zero refused writes."""

from __future__ import annotations

import threading
import time
from urllib.parse import parse_qs, urlparse

import pytest

from tests.plugins.processes import wait_until
from tests.plugins.sandbox import token_fp
from tests.sandbox.conftest import product
from tiktok_api import (
    NO_RETRY,
    AuthError,
    AuthReason,
    CatalogLock,
    MissingTokenError,
    PermanentError,
    RateLimiter,
    RetryableError,
    ThrottledError,
    TikTokClient,
    TikTokPermissionError,
    WriteConflictError,
    WriteOutcomeUnknown,
    external_data_build,
)

pytestmark = pytest.mark.slow


def make_client(
    sandbox, *, retry=NO_RETRY, read_timeout=10.0, lock=None, rate_limiter=None, **kw
) -> TikTokClient:
    return TikTokClient(
        sandbox.url,
        sandbox.provision["app_id"],
        sandbox.provision["secret"],
        timeout=(2.0, read_timeout),
        retry=retry,
        lock=lock or CatalogLock(),
        # The sandbox enforces TikTok's Basic tier (10 QPS per app).
        rate_limiter=rate_limiter or RateLimiter(app_qps=10),
        **{"lock_poll_interval": 0.05, **kw},
    )


def _external_data(sandbox, **fields):
    base = {
        "version": "1.0",
        "locale": "pt-BR",
        "business_platform": "VTEX",
        "external_business_id": "lojademo",
        "app_id": sandbox.provision["app_id"],
        "redirect_uri": "http://127.0.0.1:8000/admin/lojademo/marketplace/tiktok/callback/",
        "state": "opaque-state",
        "store_name": "Loja Demo",
        **fields,
    }
    return external_data_build(base, sandbox.provision["external_data_key"])


def _connect(sandbox, client):
    location = sandbox.admin.onboard(_external_data(sandbox))["location"]
    query = parse_qs(urlparse(location).query)
    assert query["state"] == ["opaque-state"]
    return client.oauth_access_token(query["auth_code"][0])


def _ready(client, token, bc_id, catalog_id, feed_log_id):
    def done():
        return client.product_log(token, bc_id=bc_id, catalog_id=catalog_id, feed_log_id=feed_log_id).done

    return done


def test_full_happy_path_through_the_client(sandbox):
    client = make_client(sandbox)
    token = _connect(sandbox, client)
    assert token.advertiser_ids == ("7200000000000000001",)
    access = token.access_token
    assert [a.advertiser_id for a in client.oauth_advertisers(access)] == ["7200000000000000001"]

    profile = client.business_profile_get(access, business_platform="VTEX", external_business_id="lojademo")
    assert profile is not None and profile.connected and profile.store_name == "Loja Demo"
    pixels = client.pixel_list(access, advertiser_id=profile.adv_id, code=profile.pixel_code)
    assert [p.pixel_code for p in pixels.pixels] == [profile.pixel_code]

    catalogs = client.catalog_get(access, bc_id=profile.bc_id, catalog_id=profile.catalog_id)
    assert [c.catalog_id for c in catalogs.catalogs] == [profile.catalog_id]
    new_catalog = client.catalog_create(
        access, bc_id=profile.bc_id, name="Second", region_code="BR", currency="BRL"
    )
    assert len(new_catalog) == 19

    sandbox.admin.config(image_fetch=False)
    ids = {"bc_id": profile.bc_id, "catalog_id": profile.catalog_id}
    feed_log_id = client.product_upload(access, **ids, products=[product("K-1"), product("K-2", brand="")])
    sandbox.admin.tick()
    log = client.product_log(access, **ids, feed_log_id=feed_log_id)
    assert (log.process_status, log.add_count, log.error_count) == ("SUCCESS", 1, 1)
    assert [(e.field, e.issue, e.items[0].sku_id) for e in log.errors] == [
        ("brand", "Missing value: brand", "K-2")
    ]
    sandbox.admin.tick()
    page = client.product_get(access, **ids, sku_ids=["K-1"])
    (item,) = page.products
    assert (item.sku_id, item.audit_status, item.price.price, item.detail["condition"]) == (
        "K-1",
        "approved",
        30.0,
        "NEW",
    )
    overview = client.catalog_overview(access, **ids)
    assert (overview.approved, overview.processing, overview.rejected) == (1, 0, 0)

    update_id = client.product_update(
        access, **ids, products=[{"sku_id": "K-1", "availability": "OUT_OF_STOCK"}]
    )
    sandbox.admin.tick()
    assert client.product_log(access, **ids, feed_log_id=update_id).update_count == 1
    delete_id = client.product_delete(access, **ids, sku_ids=["K-1"])
    sandbox.admin.tick()
    assert client.product_log(access, **ids, feed_log_id=delete_id).delete_count == 1

    client.event_track(
        access,
        pixel_code=profile.pixel_code,
        partner_name="VTEX",
        events=[
            {
                "event": "Purchase",
                "event_time": int(time.time()),
                "event_id": "order-1",
                "page": {"url": "https://loja.example/checkout"},
                "properties": {"currency": "BRL", "value": 10.0},
            }
        ],
    )
    assert [e["event_id"] for e in sandbox.admin.events(profile.pixel_code)] == ["order-1"]

    client.shop_connection_disconnect(external_data=_external_data(sandbox))
    client.business_profile_disconnect(
        business_platform="VTEX", external_business_id="lojademo", external_data=_external_data(sandbox)
    )
    with pytest.raises(AuthError) as err:
        client.business_profile_get(access, business_platform="VTEX", external_business_id="lojademo")
    assert (err.value.code, err.value.reason) == (40105, AuthReason.REVOKED)


def test_revoke_through_the_client(sandbox):
    client = make_client(sandbox)
    access = _connect(sandbox, client).access_token
    result = client.oauth_revoke_token(access)
    assert result.advertiser_ids == ("7200000000000000001",)
    with pytest.raises(AuthError) as err:
        client.oauth_advertisers(access)
    assert err.value.code == 40105


def test_error_classes(sandbox):
    client = make_client(sandbox)
    conn = sandbox.admin.connect("lojademo")
    access = conn["access_token"]
    ids = {"bc_id": conn["bc_id"], "catalog_id": conn["catalog_id"]}

    with pytest.raises(MissingTokenError):
        client.catalog_overview("", **ids)
    with pytest.raises(TikTokPermissionError) as perm:
        client.catalog_overview(access, bc_id="7100000000000000002", catalog_id="7300000000000000001")
    assert perm.value.code == 40001
    with pytest.raises(PermanentError) as bad_code:
        client.oauth_access_token("no-such-code")
    assert bad_code.value.code == 40110

    sandbox.admin.fault("throttle", endpoint="catalog/overview", count=1)
    with pytest.raises(ThrottledError):
        client.catalog_overview(access, **ids)
    sandbox.admin.fault("error", endpoint="catalog/overview", code=50002, count=1)
    with pytest.raises(RetryableError) as server:
        client.catalog_overview(access, **ids)
    assert server.value.code == 50002
    sandbox.admin.fault("http500", endpoint="catalog/overview", count=1)
    with pytest.raises(RetryableError) as http:
        client.catalog_overview(access, **ids)
    assert http.value.http_status == 500

    sandbox.admin.suspend(conn["adv_id"], "Policy violation")
    with pytest.raises(AuthError):
        client.catalog_overview(access, **ids)
    profile = client.business_profile_get(access, business_platform="VTEX", external_business_id="lojademo")
    assert profile is not None
    assert (profile.suspended, profile.suspension_reason, profile.connected) == (
        True,
        "Policy violation",
        False,
    )
    sandbox.admin.unsuspend(conn["adv_id"])
    sandbox.admin.revoke(token=access)
    with pytest.raises(AuthError) as revoked:
        client.catalog_overview(access, **ids)
    assert revoked.value.code == 40105


def test_retries_recover_from_transient_faults(sandbox):
    from tiktok_api import RetryPolicy

    client = make_client(sandbox, retry=RetryPolicy(max_attempts=4, base_delay=0.05, max_delay=0.1))
    conn = sandbox.admin.connect("lojademo")
    sandbox.admin.fault("error", endpoint="catalog/overview", code=50002, count=2)
    overview = client.catalog_overview(
        conn["access_token"], bc_id=conn["bc_id"], catalog_id=conn["catalog_id"]
    )
    assert overview.approved == 0
    codes = [e["code"] for e in sandbox.admin.journal(endpoint="catalog/overview")]
    assert codes == [50002, 50002, 0]


def test_timed_out_write_is_not_resent_blindly(sandbox):
    client = make_client(sandbox, read_timeout=0.5)
    conn = sandbox.admin.connect("lojademo")
    sandbox.admin.fault("timeout", endpoint="catalog/product/upload", seconds=1.5, count=1)
    with pytest.raises(WriteOutcomeUnknown):
        client.product_upload(
            conn["access_token"],
            bc_id=conn["bc_id"],
            catalog_id=conn["catalog_id"],
            products=[product("TO-1")],
        )
    time.sleep(1.2)
    uploads = sandbox.admin.journal(endpoint="catalog/product/upload")
    assert [(e["code"], e["fault"]) for e in uploads] == [(0, "timeout")]


def test_concurrent_write_without_the_shared_lock_is_a_write_conflict(sandbox):
    sandbox.admin.config(feed_wait_seconds=60)
    conn = sandbox.admin.connect("lojademo")
    ids = {"bc_id": conn["bc_id"], "catalog_id": conn["catalog_id"]}
    first, second = make_client(sandbox), make_client(sandbox)  # separate locks: nothing coordinates them
    first.product_upload(conn["access_token"], **ids, products=[product("CW-1")])
    with pytest.raises(WriteConflictError):
        second.product_upload(conn["access_token"], **ids, products=[product("CW-2")])


def test_four_concurrent_writers_sharing_the_catalog_lock_are_never_refused(sandbox):
    sandbox.admin.config(feed_wait_seconds=0.2, feed_process_seconds=0.2, image_fetch=False)
    conn = sandbox.admin.connect("lojademo")
    ids = {"bc_id": conn["bc_id"], "catalog_id": conn["catalog_id"]}
    # What every writer process shares in production through Redis: the catalog lock and the rate limiter.
    lock = CatalogLock()
    limiter = RateLimiter(app_qps=10)
    errors: list[BaseException] = []
    feed_logs: list[str] = []

    def writer(n: int) -> None:
        # Waiting writers poll the holder's feed log every 0.25 s; generous bounds for a loaded CI machine.
        client = make_client(sandbox, lock=lock, rate_limiter=limiter, lock_wait=120, lock_poll_interval=0.25)
        try:
            for batch in range(3):
                feed_log_id = client.product_upload(
                    conn["access_token"], **ids, products=[product(f"W{n}-{batch}-{i}") for i in range(50)]
                )
                feed_logs.append(feed_log_id)
                # The writer that uploaded polls its own log; the lock outlives the HTTP call until then.
                assert wait_until(
                    _ready(client, conn["access_token"], conn["bc_id"], conn["catalog_id"], feed_log_id),
                    timeout=60,
                )
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == []
    assert len(feed_logs) == 12
    journal = sandbox.admin.journal(catalog_id=conn["catalog_id"], endpoint="catalog/product/upload")
    assert len(journal) == 12
    assert [e for e in journal if e["code"] != 0] == []
    assert sandbox.admin.journal(code=40202) == []
    assert {e["token_fp"] for e in journal} == {token_fp(conn["access_token"])}
    assert len(sandbox.admin.products(conn["catalog_id"])) == 600
