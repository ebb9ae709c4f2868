"""Product names that are only HTML (or only punctuation once the HTML is gone) need additional details:
they are never sent to TikTok as "-" or '"> - Prata'. Names and descriptions go through one HTML-to-text
path (nh3)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from catalog_sync import services
from catalog_sync.models import SkuState, SyncStatus
from catalog_sync.validation import SkuFacts, plain_text, problem_message, validate
from tests.catalog_sync.conftest import connect, drive

SCRIPT_NAME = "</script><script>alert(1)</script>"
IMG_NAME = '"><img src=x onerror=alert(1)>'
PROBLEM = {"field": "title", "code": "title_no_words", "params": {}}


@pytest.mark.django_db(transaction=True)
def test_names_of_html_only_need_details_and_are_never_sent(catalog, sandbox):
    script = catalog.sku(catalog.product(name=SCRIPT_NAME), name=SCRIPT_NAME)
    img = catalog.sku(catalog.product(name=IMG_NAME), name="Prata")
    good = catalog.sku(catalog.product(name="Camiseta <b>Polo</b>"), name="Prata")
    conn = connect(catalog.store, sandbox)
    services.connection_full_sync_prepare(conn.pk)
    drive(conn.pk, sandbox)

    states = {s.sku_id: s for s in SkuState.objects.filter(connection=conn)}
    for sku in (script, img):
        assert states[sku.pk].status == SyncStatus.NEEDS_DETAILS
        assert states[sku.pk].problems == [PROBLEM]
    assert states[good.pk].status == SyncStatus.AVAILABLE
    products = {p["sku_id"]: p for p in sandbox.products(conn.catalog_id)}
    assert set(products) == {str(good.pk)}
    assert products[str(good.pk)]["title"] == "Camiseta Polo - Prata"
    sent = [
        sku_id for entry in sandbox.journal(endpoint="catalog/product/upload") for sku_id in entry["sku_ids"]
    ]
    assert sent == [str(good.pk)]


def _facts(**kw) -> SkuFacts:
    values = {
        "sku_id": 1,
        "product_id": 1,
        "title": "Camiseta",
        "description_html": "<p>Camiseta de algodão.</p>",
        "brand": "Marca",
        "category_id": 1,
        "google_category": "",
        "condition": "NEW",
        "stock": 1,
        "price": Decimal("10.00"),
        "list_price": None,
        "currency": "BRL",
        "landing_page_url": "https://x.example.com/p/",
        "images": [("https://x.example.com/a.png", 600, 600)],
        "specifications": {},
    }
    values.update(kw)
    return SkuFacts(**values)


@pytest.mark.parametrize(
    "name", [SCRIPT_NAME, IMG_NAME, "<b></b>", "<style>b{}</style> -- !!", "&lt;&gt;", "<p>&nbsp;</p>"]
)
def test_a_name_without_letters_or_numbers_is_the_problem_with_its_reason(name):
    assert [p.as_json() for p in validate(_facts(title=name, sku_name="Prata"), require_https=True)] == [
        PROBLEM
    ]
    assert problem_message(PROBLEM) == (
        "The product name has no letters or numbers once HTML tags and symbols are left out."
    )
    with translation.override("pt-br"):
        assert problem_message(PROBLEM) == (
            "O nome do produto não tem letras nem números sem as tags HTML e os símbolos."
        )
    with translation.override("es"):
        assert problem_message(PROBLEM) == (
            "El nombre del producto no tiene letras ni números sin las etiquetas HTML y los símbolos."
        )


def test_descriptions_go_through_the_same_html_to_text_path():
    html = (
        '<p class="x" onclick="steal()">Camiseta &amp; <b>algodão</b></p>'
        "<img src=x onerror=alert(1)><ul><li>Leve</li><li>Fresca</li></ul>"
        "<textarea><script>alert(2)</script></textarea><!-- comentário -->Fim"
    )
    assert plain_text(html) == "Camiseta & algodão\n\nLeve\n\nFresca\n\nFim"
    # An entity is decoded once, as a browser shows it: "&amp;lt;b&amp;gt;" reads "&lt;b&gt;", not "<b>".
    assert plain_text("<p>Escreva &amp;lt;b&amp;gt; para negrito</p>") == "Escreva &lt;b&gt; para negrito"
    assert plain_text(IMG_NAME) == '">'
    assert plain_text(SCRIPT_NAME) == ""
