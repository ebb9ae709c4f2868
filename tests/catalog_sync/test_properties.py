"""Property-based tests: validation and mapping on hostile product data, and the counters behind the
page's numbers against a GROUP BY after random sequences of state changes."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db.models import Count
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog_sync.mapping import payload_for, payload_hash
from catalog_sync.models import BUCKET_OF, Bucket, CatalogCounter, SkuState, SyncStatus
from catalog_sync.state import counters_ensure, states_delete, states_update
from catalog_sync.validation import (
    BRAND_MAX,
    DESCRIPTION_MAX,
    TITLE_MAX,
    SkuFacts,
    has_emoji,
    plain_text,
    validate,
)

HOSTILE_FRAGMENTS = [
    "<script>alert('x')</script>",
    "<style>body{display:none}</style>",
    "<img src=x onerror=alert(1)>",
    "<b>negrito</b>",
    "<p>parágrafo</p>",
    "&amp;",
    "&lt;i&gt;",
    "😀",
    "🇧🇷",
    "👨‍👩‍👧",
    "☀️",
    "\u202eRTL",
    "\x00\x07",
    "Ação é ótima",
    "   ",
    "\n\n",
    "]]>",
    "' OR 1=1 --",
]

hostile_text = st.lists(st.one_of(st.sampled_from(HOSTILE_FRAGMENTS), st.text(max_size=30)), max_size=12).map(
    "".join
)
huge_text = st.integers(min_value=0, max_value=3).map(lambda n: "palavra " * (n * 4000))
any_text = st.one_of(hostile_text, huge_text, st.just(""))
money = st.one_of(
    st.none(),
    st.decimals(min_value=Decimal("-1000"), max_value=Decimal("100000"), places=2, allow_nan=False),
    st.just(Decimal("0")),
)
images = st.lists(
    st.tuples(
        st.sampled_from(["http://127.0.0.1:8000/media/a.png", "https://cdn.example.com/b,c.jpg"]),
        st.integers(0, 3000),
        st.integers(0, 3000),
    ),
    max_size=14,
)


@st.composite
def facts(draw: st.DrawFn) -> SkuFacts:
    return SkuFacts(
        sku_id=draw(st.integers(1, 10**15)),
        product_id=draw(st.integers(1, 10**12)),
        title=draw(any_text),
        description_html=draw(any_text),
        brand=draw(any_text),
        category_id=draw(st.one_of(st.none(), st.integers(1, 100))),
        google_category=draw(st.sampled_from(["", "Apparel & Accessories > Clothing > Shirts"])),
        condition=draw(st.sampled_from(["NEW", "USED", "REFURBISHED", "", "BROKEN"])),
        stock=draw(st.integers(0, 10**6)),
        price=draw(money),
        list_price=draw(money),
        currency=draw(st.sampled_from(["BRL", "BRL", "USD", ""])),
        landing_page_url=draw(
            st.sampled_from(["", "http://127.0.0.1:8000/s/loja/p/x/?skuId=1", "https://x.com/p/"])
        ),
        images=draw(images),
        specifications=draw(
            st.dictionaries(st.sampled_from(["color", "Cor", "size", "tamanho", "x"]), any_text, max_size=3)
        ),
        ean=draw(st.sampled_from(["", "7891234567895", "abc"])),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(f=facts(), https=st.booleans())
def test_valid_payloads_obey_tiktok_rules_whatever_the_input(f: SkuFacts, https: bool) -> None:
    problems = validate(f, require_https=https)
    codes = {p.code for p in problems}
    if f.price is None or f.price <= 0:
        assert "price_invalid" in codes
    if not f.images:
        assert "image_missing" in codes
    if problems:
        return
    payload = payload_for(f)
    raw = json.dumps(payload, ensure_ascii=False)
    assert "<script" not in raw.lower() and "alert('x')" not in raw and "onerror" not in raw
    assert "<b>" not in raw and "<p>" not in raw and "\x00" not in raw
    assert 0 < len(payload["title"]) <= TITLE_MAX and not has_emoji(payload["title"])
    assert 0 < len(payload["description"]) <= DESCRIPTION_MAX
    assert 0 < len(payload["brand"]) <= BRAND_MAX
    assert len(payload["sku_id"]) <= 100 and not has_emoji(payload["sku_id"])
    assert payload["availability"] == ("IN_STOCK" if f.stock > 0 else "OUT_OF_STOCK")
    price = payload["price_info"]
    assert price["currency"] == "BRL" and price["price"] > 0
    if "sale_price" in price:
        assert 0 < price["sale_price"] < price["price"]
    assert len(payload.get("additional_image_urls", [])) <= 10
    assert payload["image_url"].startswith("https://") or not https
    assert payload["product_detail"]["condition"] in ("NEW", "USED", "REFURBISHED")
    for key in ("color", "size"):
        assert len(payload["product_detail"].get(key, "")) <= 100
    assert payload_hash(payload) == payload_hash(json.loads(raw))


@given(st.text(max_size=200))
def test_plain_text_never_keeps_script_bodies(text: str) -> None:
    html = f"<div>{text}<script>steal()</script><style>x{{}}</style></div>"
    out = plain_text(html)
    assert "steal()" not in out and "<script" not in out.lower()


def test_examples_in_the_merchants_words() -> None:
    from catalog_sync.validation import problem_message

    f = SkuFacts(
        sku_id=1,
        product_id=1,
        title="Camiseta 😀",
        description_html="<script>only()</script>",
        brand="",
        category_id=None,
        google_category="",
        condition="NEW",
        stock=1,
        price=Decimal("0"),
        list_price=None,
        currency="BRL",
        landing_page_url="http://x/p/",
        images=[("http://x/a.png", 499, 800)],
        specifications={},
    )
    problems = [p.as_json() for p in validate(f, require_https=False)]
    assert [p["code"] for p in problems] == [
        "title_emoji",
        "category_missing",
        "description_missing",
        "brand_missing",
        "price_invalid",
        "image_too_small",
    ]
    assert problem_message(problems[-1]) == "The main image is 499×800 pixels; TikTok needs at least 500×500."
    from django.utils import translation

    with translation.override("pt-br"):
        assert problem_message(problems[3]) == "O produto não tem marca."
    with translation.override("es"):
        assert problem_message(problems[3]) == "El producto no tiene marca."


STATUSES = [s.value for s in SyncStatus]


@pytest.mark.django_db
def test_counters_equal_group_by_after_random_operations(catalog) -> None:
    from tests.catalog_sync.conftest import connect

    conn = connect(catalog.store)
    counters_ensure(conn.pk)

    ops = st.lists(
        st.one_of(
            st.tuples(st.just("insert"), st.integers(1, 60)),
            st.tuples(st.just("set"), st.sets(st.integers(1, 60), max_size=15), st.sampled_from(STATUSES)),
            st.tuples(st.just("delete"), st.sets(st.integers(1, 60), max_size=5)),
            st.tuples(st.just("cas"), st.sets(st.integers(1, 60), max_size=15), st.sampled_from(STATUSES)),
        ),
        max_size=40,
    )

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(ops)
    def run(sequence: list[tuple]) -> None:
        SkuState.objects.filter(connection=conn).delete()
        CatalogCounter.objects.filter(connection=conn).update(value=0)
        for op in sequence:
            if op[0] == "insert":
                SkuState.objects.get_or_create(connection=conn, sku_id=op[1])
                continue
            ids = list(
                SkuState.objects.filter(connection=conn, sku_id__in=op[1]).values_list("id", flat=True)
            )
            if op[0] == "set":
                states_update(conn.pk, ids, status=op[2])
            elif op[0] == "cas":
                # Only rows still in their first state move: the compare-and-set path.
                states_update(conn.pk, ids, status=op[2], only_if={"status": SyncStatus.NEW})
            else:
                states_delete(conn.pk, ids)
        actual = dict(
            SkuState.objects.filter(connection=conn)
            .values_list("bucket")
            .annotate(n=Count("id"))
            .values_list("bucket", "n")
        )
        stored = dict(CatalogCounter.objects.filter(connection=conn).values_list("bucket", "value"))
        for bucket in (Bucket.AVAILABLE, Bucket.PENDING, Bucket.NEEDS_DETAILS, Bucket.REJECTED):
            assert stored[bucket] == actual.get(bucket, 0), (bucket, sequence)
        for state in SkuState.objects.filter(connection=conn):
            assert state.bucket == BUCKET_OF[state.status]

    run()


@pytest.mark.django_db
def test_state_changes_never_reach_rows_of_another_connection(catalog) -> None:
    """Rows are locked by primary key alone (a plan that stays index-driven without statistics); the
    connection is checked on the locked rows, so ids of another catalog change nothing there."""
    from django.utils import timezone

    from integration.models import TikTokConnection
    from tests.catalog_sync.conftest import connect

    old = connect(catalog.store)
    TikTokConnection.objects.filter(pk=old.pk).update(status="disconnected", disconnected_at=timezone.now())
    new = connect(catalog.store)
    for conn in (old, new):
        counters_ensure(conn.pk)
    theirs = [SkuState.objects.create(connection=old, sku_id=n).pk for n in range(1, 6)]
    states_update(old.pk, theirs, status=SyncStatus.AVAILABLE)
    mine = [SkuState.objects.create(connection=new, sku_id=n).pk for n in range(1, 3)]

    assert states_update(new.pk, theirs + mine, status=SyncStatus.REJECTED) == 2
    assert states_delete(new.pk, theirs) == 0

    assert (
        sorted(SkuState.objects.filter(pk__in=theirs).values_list("status", flat=True)) == ["available"] * 5
    )
    assert dict(CatalogCounter.objects.filter(connection=old).values_list("bucket", "value")) == {
        Bucket.AVAILABLE: 5,
        Bucket.PENDING: 0,
        Bucket.NEEDS_DETAILS: 0,
        Bucket.REJECTED: 0,
    }
    assert (
        dict(CatalogCounter.objects.filter(connection=new).values_list("bucket", "value"))[Bucket.REJECTED]
        == 2
    )
