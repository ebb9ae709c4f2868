"""The product list costs the same queries with 100 SKUs and with 1,000,000, and its page query is read
from indexes (no sequential scan of the product or SKU tables). The rows are written with set-based SQL
(INSERT ... SELECT generate_series), so a million SKUs take seconds."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from store import selectors_catalog
from store.models import Sku

from .conftest import CatalogFixture

pytestmark = [pytest.mark.services, pytest.mark.django_db]

SKUS_PER_PRODUCT = 10


def bulk_catalog(shop: CatalogFixture, first: int, last: int) -> None:
    """Products `first`..`last` (every 7th without a brand, every 10th without a description, every 11th
    without an image), each with SKUS_PER_PRODUCT SKUs priced in the main trade policy."""
    store = shop.store
    with connection.cursor() as cur:
        # Every foreign key below is read from its parent table in the same statement, so the 2.2 million
        # per-row foreign key triggers would check nothing new (and the test teardown would run them
        # all again): they are off for this transaction only.
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute(
            """
            INSERT INTO store_product (store_id, name, slug, ref_id, description, category_id, brand_id,
                                       condition, is_active, created_at, updated_at)
            SELECT %s, 'Produto ' || g, 'bulk-' || g, '', CASE WHEN g %% 10 = 0 THEN '' ELSE 'Algodão' END,
                   %s, CASE WHEN g %% 7 = 0 THEN NULL ELSE %s END, 'NEW', g %% 13 <> 0, now(), now()
            FROM generate_series(%s, %s) AS g
            """,
            [store.pk, shop.category.pk, shop.brand.pk, first, last],
        )
        cur.execute(
            """
            INSERT INTO store_sku (store_id, product_id, name, ref_id, ean, specifications, stock, is_active,
                                   updated_at)
            SELECT p.store_id, p.id, 'SKU ' || s, '', '', '{}'::jsonb, 5, true, now()
            FROM store_product AS p CROSS JOIN generate_series(1, %s) AS s
            WHERE p.store_id = %s AND p.slug BETWEEN 'bulk-' AND 'bulk.'
              AND substr(p.slug, 6)::int BETWEEN %s AND %s
            """,
            [SKUS_PER_PRODUCT, store.pk, first, last],
        )
        cur.execute(
            """
            INSERT INTO store_skuprice (trade_policy_id, sku_id, price, list_price)
            SELECT %s, s.id, 49.90, NULL FROM store_sku AS s
            WHERE s.store_id = %s AND NOT EXISTS (SELECT 1 FROM store_skuprice AS x WHERE x.sku_id = s.id)
            """,
            [shop.policy.pk, store.pk],
        )
        cur.execute(
            """
            INSERT INTO store_skuimage (sku_id, image, width, height, position)
            SELECT s.id, 'catalog/bulk.jpg', 800, 800, 0 FROM store_sku AS s
            JOIN store_product AS p ON p.id = s.product_id
            WHERE s.store_id = %s AND s.name = 'SKU 1' AND p.slug BETWEEN 'bulk-' AND 'bulk.'
              AND substr(p.slug, 6)::int BETWEEN %s AND %s AND substr(p.slug, 6)::int %% 11 <> 0
            """,
            [store.pk, first, last],
        )
        cur.execute("SET LOCAL session_replication_role = DEFAULT")
        cur.execute("ANALYZE store_product, store_sku, store_skuprice, store_skuimage")


PAGES: list[dict[str, str]] = [
    {},
    {"missing": "any"},
    {"missing": "brand", "active": "1"},
    {"brand": "{brand}", "category": "{category}"},
    {"q": "Produto 1"},
    {"after": "{after}"},
]


def query_counts(client: Any, shop: CatalogFixture, after: int) -> list[int]:
    base = reverse("catalog-products", args=[shop.store.account])
    counts = []
    for query in PAGES:
        params = {
            k: v.format(brand=shop.brand.pk, category=shop.category.pk, after=after) for k, v in query.items()
        }
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(base, params)
        assert response.status_code == 200
        assert response.content.decode().count('data-testid="product-row"') > 0
        counts.append(len(ctx.captured_queries))
    return counts


def page_plan(shop: CatalogFixture, filters: selectors_catalog.ProductFilters) -> str:
    qs = selectors_catalog.products_filtered(shop.store, filters).filter(pk__gt=0).order_by("pk")
    sql, params = qs.values_list("pk", flat=True)[:51].query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cur.fetchall())


def test_the_product_list_costs_the_same_queries_at_100_and_a_million_skus(shop, shop_admin):
    if connection.vendor != "postgresql":
        pytest.skip("set-based bulk insert needs PostgreSQL")
    Sku.objects.filter(store=shop.store).delete()  # the fixture's SKUs: exactly 100 below
    bulk_catalog(shop, 1, 10)
    assert Sku.objects.filter(store=shop.store).count() == 100
    small = query_counts(shop_admin, shop, shop.product.pk + 5)

    bulk_catalog(shop, 11, 100_000)
    total = Sku.objects.filter(store=shop.store).count()
    assert total == 1_000_000
    # Page 10,000 or so: the keyset cursor is an id deep into the table.
    deep_after = shop.product.pk + 90_000
    large = query_counts(shop_admin, shop, deep_after)
    assert large == small

    for filters in (
        selectors_catalog.ProductFilters(),
        selectors_catalog.ProductFilters(brand=shop.brand.pk, category=shop.category.pk),
    ):
        plan = page_plan(shop, filters)
        for table in ("store_product", "store_sku", "store_skuprice", "store_skuimage"):
            assert not re.search(rf"Seq Scan on {table}\b", plan), plan
    # The completeness filter walks the products by index too; PostgreSQL may answer its "no image"
    # subquery with one hashed pass over the images (its cost model's choice for a LIMIT query, which
    # varies with the statistics), so only the product walk is held here.
    plan = page_plan(shop, selectors_catalog.ProductFilters(missing="any"))
    assert not re.search(r"Seq Scan on store_product\b", plan), plan
