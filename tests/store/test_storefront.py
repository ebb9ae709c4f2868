"""The storefront pages over HTTP (Django test client, real database)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from store.models import CartItem, Category, Order, Sku, SkuImage

pytestmark = pytest.mark.django_db


def url(name, store, **kwargs):
    return reverse(name, kwargs={"account": store.account, **kwargs})


def test_home_category_and_product_pages(client, store, make_sku):
    cat = Category.objects.create(store=store, name="Calçados", slug="calcados")
    sku = make_sku(
        store,
        price=Decimal("1234.56"),
        list_price=Decimal("1500.00"),
        category=cat,
        product_name="Tênis de Corrida",
        stock=3,
    )
    html = client.get(url("storefront-home", store)).content.decode()
    assert "Tênis de Corrida" in html
    assert "R$ 1.234,56" in html
    page = client.get(url("storefront-category", store, slug="calcados"))
    assert page.status_code == 200
    assert "Tênis de Corrida" in page.content.decode()
    product = client.get(url("storefront-product", store, slug=sku.product.slug))
    body = product.content.decode()
    assert product.status_code == 200
    assert re.search(r'data-testid="list-price">R\$ 1\.500,00</s>', body)
    assert "<strong>R$ 1.234,56</strong>" in body
    assert "</body>" in body
    assert " style=" not in body


def test_category_is_paginated(client, store, make_sku):
    cat = Category.objects.create(store=store, name="Camisetas", slug="camisetas")
    for _ in range(30):
        make_sku(store, category=cat)
    first = client.get(url("storefront-category", store, slug="camisetas")).content.decode()
    second = client.get(url("storefront-category", store, slug="camisetas") + "?page=2").content.decode()
    assert first.count('class="sf-card"') == 24
    assert second.count('class="sf-card"') == 6
    assert "Página 2 de 2" in second


def test_unknown_store_category_and_product_are_404(client, store, make_store, make_sku):
    other = make_store(account="outraloja")
    foreign = make_sku(other)
    assert client.get("/s/nao-existe/").status_code == 404
    assert client.get(url("storefront-category", store, slug="nada")).status_code == 404
    assert client.get(url("storefront-product", store, slug=foreign.product.slug)).status_code == 404


def test_product_page_picks_skus_by_specification(client, store, make_sku):
    a = make_sku(store, specifications={"cor": "Azul", "tamanho": "M"}, name="Azul / M")
    b = make_sku(
        store, product=a.product, specifications={"cor": "Azul", "tamanho": "G"}, name="Azul / G", stock=0
    )
    c = make_sku(store, product=a.product, specifications={"cor": "Preto", "tamanho": "M"}, name="Preto / M")
    body = client.get(url("storefront-product", store, slug=a.product.slug) + f"?sku={a.pk}").content.decode()
    assert f'href="?sku={b.pk}"' in body
    assert f'href="?sku={c.pk}"' in body
    assert 'data-testid="add-to-cart"' in body
    out = client.get(url("storefront-product", store, slug=a.product.slug) + f"?sku={b.pk}").content.decode()
    assert f'data-sku-id="{b.pk}"' in out
    assert "Esgotado" in out
    assert 'data-testid="add-to-cart"' not in out


def test_tiktok_landing_url_opens_the_advertised_sku(client, store, make_sku):
    """The catalog sends `?skuId=` (VTEX's parameter): an ad for one variant must open that variant."""
    a = make_sku(store, specifications={"cor": "Azul", "tamanho": "M"}, name="Azul / M")
    b = make_sku(store, product=a.product, specifications={"cor": "Preto", "tamanho": "G"}, name="Preto / G")
    out = client.get(
        url("storefront-product", store, slug=a.product.slug) + f"?skuId={b.pk}"
    ).content.decode()
    assert f'data-sku-id="{b.pk}"' in out
    assert f'data-sku-id="{a.pk}"' not in out


def test_product_view_calls_the_pixel_hook(client, store, make_sku, monkeypatch):
    seen = []
    monkeypatch.setattr(
        "pixel.hooks.on_product_view",
        lambda request, s, product, skus: seen.append((s.pk, product.pk, [x.pk for x in skus])),
    )
    sku = make_sku(store)
    client.get(url("storefront-product", store, slug=sku.product.slug))
    assert seen == [(store.pk, sku.product_id, [sku.pk])]


def test_add_to_cart_and_checkout_flow(client, store, make_sku):
    sku = make_sku(store, stock=5, price=Decimal("1234.56"), product_name="Air Fryer 4L", name="220V")
    response = client.post(url("storefront-cart-add", store), {"sku_id": sku.pk, "quantity": "2"})
    assert response.status_code == 302
    cart = client.get(url("storefront-cart", store)).content.decode()
    assert re.search(r'data-testid="cart-total"><strong>R\$ 2\.469,12</strong>', cart)
    assert 'data-testid="cart-count">2<' in cart
    response = client.post(
        url("storefront-checkout", store),
        {"name": "Ana Souza", "email": "ana@example.com", "phone": "+55 11 91234-5678"},
    )
    order = Order.objects.get(store=store)
    assert response.status_code == 302
    assert response["Location"] == url("storefront-order", store, number=order.number)
    assert (order.total, order.currency) == (Decimal("2469.12"), "BRL")
    page = client.get(response["Location"]).content.decode()
    assert f'data-testid="order-number">{order.number}<' in page
    assert re.search(r'data-testid="order-total"><strong>R\$ 2\.469,12</strong>', page)
    assert "Air Fryer 4L – 220V" in page
    sku.refresh_from_db()
    assert sku.stock == 3


def test_order_page_is_only_for_the_session_that_placed_it(client, store, make_sku):
    from django.test import Client

    sku = make_sku(store, stock=5)
    client.post(url("storefront-cart-add", store), {"sku_id": sku.pk, "quantity": "1"})
    client.post(
        url("storefront-checkout", store),
        {"name": "Ana", "email": "ana@example.com", "phone": "+55 11 91234-5678"},
    )
    order = Order.objects.get()
    assert client.get(url("storefront-order", store, number=order.number)).status_code == 200
    assert Client().get(url("storefront-order", store, number=order.number)).status_code == 404


def test_cart_with_a_foreign_sku_is_404_and_changes_nothing(client, store, make_store, make_sku):
    foreign = make_sku(make_store(account="outraloja"), stock=5)
    response = client.post(url("storefront-cart-add", store), {"sku_id": foreign.pk, "quantity": "1"})
    assert response.status_code == 404
    assert "Este produto não está disponível nesta loja." in response.content.decode()
    assert not CartItem.objects.exists()


@pytest.mark.parametrize(
    ("qty", "text"),
    [
        ("-2", "A quantidade deve ser pelo menos 1."),
        ("0", "A quantidade deve ser pelo menos 1."),
        ("1e3", "Informe um número inteiro como quantidade."),
    ],
)
def test_cart_with_bad_quantities_is_400_and_changes_nothing(client, store, make_sku, qty, text):
    sku = make_sku(store, stock=5)
    response = client.post(url("storefront-cart-add", store), {"sku_id": sku.pk, "quantity": qty})
    assert response.status_code == 400
    assert text in response.content.decode()
    assert not CartItem.objects.exists()


def test_checkout_with_an_invalid_email_changes_nothing(client, store, make_sku):
    sku = make_sku(store, stock=5)
    client.post(url("storefront-cart-add", store), {"sku_id": sku.pk, "quantity": "2"})
    response = client.post(
        url("storefront-checkout", store), {"name": "Ana", "email": "ana@", "phone": "+55 11 91234-5678"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="error-email">Informe um endereço de e-mail válido.<' in body
    assert 'value="ana@"' in body
    assert not Order.objects.exists()
    sku.refresh_from_db()
    assert sku.stock == 5
    assert CartItem.objects.get().quantity == 2


def test_cart_update_and_remove(client, store, make_sku):
    sku = make_sku(store, stock=5)
    client.post(url("storefront-cart-add", store), {"sku_id": sku.pk, "quantity": "1"})
    assert (
        client.post(url("storefront-cart-update", store), {"sku_id": sku.pk, "quantity": "4"}).status_code
        == 302
    )
    assert CartItem.objects.get().quantity == 4
    assert (
        client.post(url("storefront-cart-update", store), {"sku_id": sku.pk, "quantity": "9"}).status_code
        == 409
    )
    assert CartItem.objects.get().quantity == 4
    assert client.post(url("storefront-cart-remove", store), {"sku_id": sku.pk}).status_code == 302
    assert not CartItem.objects.exists()
    assert client.post(url("storefront-cart-remove", store), {"sku_id": sku.pk}).status_code == 404


def test_get_on_post_only_endpoints_is_refused(client, store, make_sku):
    sku = make_sku(store)
    assert client.get(url("storefront-cart-add", store) + f"?sku_id={sku.pk}&quantity=1").status_code == 405
    assert not CartItem.objects.exists()


def test_storefront_speaks_the_store_language_unless_the_shopper_chose(client, store, make_store, make_sku):
    ar = make_store(
        account="tiendaar",
        country="AR",
        currency="ARS",
        locale="es",
        time_zone="America/Argentina/Buenos_Aires",
    )
    br_sku = make_sku(store, stock=2)
    ar_sku = make_sku(ar, stock=2, price=Decimal("15999.00"))
    br = client.get(url("storefront-product", store, slug=br_sku.product.slug)).content.decode()
    es = client.get(url("storefront-product", ar, slug=ar_sku.product.slug)).content.decode()
    assert "Adicionar ao carrinho" in br and '<html lang="pt-br">' in br
    assert "Añadir al carrito" in es and "$ 15.999,00" in es
    client.cookies["tta_language"] = "en"
    en = client.get(url("storefront-product", store, slug=br_sku.product.slug)).content.decode()
    assert "Add to cart" in en


def test_images_are_shown_with_their_size(client, store, make_sku):
    sku = make_sku(store)
    SkuImage.objects.create(sku=sku, image="catalog/pool/produto-00.jpg", width=800, height=800)
    body = client.get(url("storefront-product", store, slug=sku.product.slug)).content.decode()
    assert 'src="/media/catalog/pool/produto-00.jpg" alt="' in body
    assert 'width="800" height="800"' in body


def test_hostile_product_text_is_escaped(client, store, make_sku):
    sku = make_sku(store, product_name='<script>alert(1)</script> "Promo" 🔥')
    Sku.objects.filter(pk=sku.pk).update(name="<b>M</b>")
    body = client.get(url("storefront-product", store, slug=sku.product.slug)).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &quot;Promo&quot; 🔥" in body
