"""Catalog > Products and SKUs in the admin shell: admins save through the services (the channels hear
of it), viewers read without a form, the list filters on the store's completeness rule."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from store import changes, services
from store.models import Brand, Category, Product, Sku, SkuImage, SkuPrice

from .conftest import CatalogFixture, image_bytes
from .test_catalog_forms import product_data, sku_data, snapshot

pytestmark = pytest.mark.django_db


def list_url(shop: CatalogFixture, **query: str) -> str:
    base = reverse("catalog-products", args=[shop.store.account])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def listed(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'data-testid="product-row" data-product="(\d+)"', html)]


def test_a_product_saved_with_a_brand_and_category_typed_inline(shop, shop_admin, catalog_events):
    url = reverse("catalog-product", args=[shop.store.account, shop.product.pk])
    response = shop_admin.post(
        url, product_data(shop, brand="", category="", new_brand="  Nova   Marca ", new_category="Calçados")
    )
    assert response.status_code == 302
    product = Product.objects.get(pk=shop.product.pk)
    assert product.brand == Brand.objects.get(store=shop.store, name="Nova Marca")
    assert product.category == Category.objects.get(store=shop.store, name="Calçados", slug="calcados")
    assert catalog_events == [changes.ProductsChanged(shop.store.pk, (product.pk,))]


def test_typing_an_existing_brand_reuses_it(shop, shop_admin):
    url = reverse("catalog-product", args=[shop.store.account, shop.product.pk])
    shop_admin.post(url, product_data(shop, brand="", new_brand="MARCA"))
    assert Brand.objects.filter(store=shop.store).count() == 1
    assert Product.objects.get(pk=shop.product.pk).brand_id == shop.brand.pk


def test_a_new_product_gets_a_unique_slug_and_the_next_url_is_followed(shop, shop_admin):
    Product.objects.create(store=shop.store, name="Tênis", slug="tenis")
    back = f"/admin/{shop.store.account}/marketplace/tiktok/catalog/needs_details/"
    url = reverse("catalog-product-new", args=[shop.store.account])
    response = shop_admin.post(url, {**product_data(shop, name="Tênis"), "next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert Product.objects.filter(store=shop.store, name="Tênis").values_list("slug", flat=True).count() == 2
    assert Product.objects.filter(store=shop.store, slug="tenis-2").exists()
    # Somewhere else is never a target.
    response = shop_admin.post(url, {**product_data(shop, name="Bota"), "next": "https://evil.example/"})
    assert response["Location"].startswith(f"/admin/{shop.store.account}/catalog/products/")


def test_a_sku_saved_with_prices_specifications_and_a_new_main_image(shop, shop_admin, catalog_events):
    old = SkuImage.objects.create(sku=shop.sku, position=0, image="catalog/old.png", width=400, height=400)
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    Image.new("RGB", (1600, 1200), (1, 2, 3)).save(buf, format="JPEG", exif=exif)
    url = reverse("catalog-sku", args=[shop.store.account, shop.sku.pk])
    data = sku_data(
        shop,
        color="Verde",
        size="",
        voltage="220 V",
        stock="9",
        **{f"price_{shop.usd.pk}": "19.90", f"list_price_{shop.policy.pk}": ""},
    )
    response = shop_admin.post(url, {**data, "image": SimpleUploadedFile("foto.jpg", buf.getvalue())})
    assert response.status_code == 302
    sku = Sku.objects.get(pk=shop.sku.pk)
    # The existing key is kept ("cor"), an emptied one removed, a new one added.
    assert sku.specifications == {"cor": "Verde", "voltage": "220 V"}
    assert sku.stock == 9
    prices = {p.trade_policy_id: (str(p.price), p.list_price) for p in SkuPrice.objects.filter(sku=sku)}
    assert prices == {shop.policy.pk: ("99.90", None), shop.usd.pk: ("19.90", None)}
    images = list(SkuImage.objects.filter(sku=sku).order_by("position"))
    assert [(i.position, i.width, i.height) for i in images] == [(0, 1600, 1200), (1, 400, 400)]
    assert images[1].pk == old.pk
    stored = images[0].image.name
    assert stored.startswith(f"catalog/{shop.store.pk}/sku{sku.pk}-") and stored.endswith(".jpg")
    with default_storage.open(stored) as f:
        reread = Image.open(f)
        assert reread.format == "JPEG" and reread.size == (1600, 1200)
        assert dict(reread.getexif()) == {}
    assert catalog_events == [changes.SkusChanged(shop.store.pk, (sku.pk,))]
    page = shop_admin.get(url).content.decode()
    assert 'data-testid="image-size">1600×1200 pixels<' in page
    assert 'data-testid="image-small">Smaller than 500×500<' in page  # the old 400×400 one
    assert f'src="/media/{stored}"' in page


def test_removing_an_image_deletes_its_row_and_file(shop, shop_admin, django_capture_on_commit_callbacks):
    url = reverse("catalog-sku", args=[shop.store.account, shop.sku.pk])
    upload = SimpleUploadedFile("a.png", image_bytes(600, 600))
    shop_admin.post(url, {**sku_data(shop), "image": upload})
    img = SkuImage.objects.get(sku=shop.sku)
    assert img.image.name.endswith(".jpg") and default_storage.exists(img.image.name)
    with django_capture_on_commit_callbacks(execute=True):
        response = shop_admin.post(url, {**sku_data(shop), "remove_images": [str(img.pk)]})
    assert response.status_code == 302
    assert not SkuImage.objects.filter(sku=shop.sku).exists()
    assert not default_storage.exists(img.image.name)


def test_a_new_sku(shop, shop_admin, catalog_events):
    url = reverse("catalog-sku-new", args=[shop.store.account, shop.product.pk])
    response = shop_admin.post(url, sku_data(shop, name="GG", ean="78912345", ref_id="CAM-GG"))
    assert response.status_code == 302
    sku = Sku.objects.get(store=shop.store, ref_id="CAM-GG")
    assert (sku.product_id, sku.name, sku.ean, sku.stock, sku.is_active) == (
        shop.product.pk,
        "GG",
        "78912345",
        5,
        True,
    )
    assert catalog_events == [changes.SkusChanged(shop.store.pk, (sku.pk,))]


def test_viewers_read_without_a_form_and_cannot_post(shop, shop_viewer, catalog_events):
    account = shop.store.account
    product_url = reverse("catalog-product", args=[account, shop.product.pk])
    sku_url = reverse("catalog-sku", args=[account, shop.sku.pk])
    html = shop_viewer.get(product_url).content.decode()
    assert 'data-testid="product-readonly"' in html and 'data-testid="readonly-brand">Marca<' in html
    assert 'data-testid="product-form"' not in html and 'name="name"' not in html
    assert 'data-testid="sku-new"' not in html
    html = shop_viewer.get(sku_url).content.decode()
    assert 'data-testid="sku-readonly"' in html and "R$ 99,90" in html
    assert 'data-testid="sku-form"' not in html and 'type="file"' not in html
    html = shop_viewer.get(list_url(shop)).content.decode()
    assert listed(html) == [shop.product.pk] and 'data-testid="product-new"' not in html
    before = snapshot(shop)
    assert shop_viewer.post(product_url, product_data(shop, name="Hacked")).status_code == 403
    assert shop_viewer.post(sku_url, sku_data(shop, stock="0")).status_code == 403
    assert shop_viewer.get(reverse("catalog-product-new", args=[account])).status_code == 403
    assert (
        shop_viewer.post(reverse("catalog-product-new", args=[account]), product_data(shop)).status_code
        == 403
    )
    sku_new = reverse("catalog-sku-new", args=[account, shop.product.pk])
    assert shop_viewer.post(sku_new, sku_data(shop, ean="", ref_id="")).status_code == 403
    assert snapshot(shop) == before
    assert catalog_events == []


def test_another_stores_products_are_not_found(shop, shop_admin, make_store):
    other = make_store()
    foreign = Product.objects.create(store=other, name="X", slug="x")
    foreign_sku = Sku.objects.create(store=other, product=foreign, name="X")
    account = shop.store.account
    assert shop_admin.get(reverse("catalog-product", args=[account, foreign.pk])).status_code == 404
    assert shop_admin.post(reverse("catalog-sku", args=[account, foreign_sku.pk]), {}).status_code == 404
    assert shop_admin.get(reverse("catalog-sku-new", args=[account, foreign.pk])).status_code == 404


def test_the_focus_parameter_puts_the_cursor_in_the_field_to_fix(shop, shop_admin):
    url = reverse("catalog-product", args=[shop.store.account, shop.product.pk])
    html = shop_admin.get(url + "?focus=brand").content.decode()
    assert re.search(r'<select name="brand"[^>]*autofocus[^>]*id="id_brand"', html)
    html = shop_admin.get(
        reverse("catalog-sku", args=[shop.store.account, shop.sku.pk]) + "?focus=image"
    ).content.decode()
    assert re.search(r'type="file" name="image"[^>]*autofocus', html)


def test_filters_search_and_the_completeness_rule(shop, shop_admin):
    store = shop.store
    no_brand = Product.objects.create(
        store=store, name="Sem marca", slug="sm", description="d", category=shop.category
    )
    no_desc = Product.objects.create(
        store=store, name="Sem descrição", slug="sd", brand=shop.brand, category=shop.category
    )
    inactive = Product.objects.create(
        store=store,
        name="Inativo",
        slug="in",
        description="d",
        brand=shop.brand,
        category=shop.category,
        is_active=False,
    )
    for p in (no_brand, no_desc, inactive):
        sku = Sku.objects.create(store=store, product=p, name="U")
        SkuPrice.objects.create(trade_policy=shop.policy, sku=sku, price="10.00")
        SkuImage.objects.create(sku=sku, image="catalog/x.png", width=600, height=600)
    SkuImage.objects.create(sku=shop.sku, image="catalog/y.png", width=600, height=600)
    no_price = Product.objects.create(
        store=store, name="Sem preço", slug="sp", description="d", brand=shop.brand, category=shop.category
    )
    sku = Sku.objects.create(store=store, product=no_price, name="U", ean="12345678")
    SkuPrice.objects.create(trade_policy=shop.policy, sku=sku, price="0.00")
    SkuImage.objects.create(sku=sku, image="catalog/z.png", width=600, height=600)
    get = lambda **q: listed(shop_admin.get(list_url(shop, **q)).content.decode())  # noqa: E731

    assert get() == [shop.product.pk, no_brand.pk, no_desc.pk, inactive.pk, no_price.pk]
    assert get(missing="brand") == [no_brand.pk]
    assert get(missing="description") == [no_desc.pk]
    assert get(missing="price") == [no_price.pk]
    assert get(missing="image") == []
    assert get(missing="any") == [no_brand.pk, no_desc.pk, no_price.pk]
    assert get(active="0") == [inactive.pk]
    assert get(brand=str(shop.brand.pk), active="1") == [shop.product.pk, no_desc.pk, no_price.pk]
    assert get(category=str(shop.category.pk), missing="brand") == [no_brand.pk]
    assert get(q="sem") == [no_brand.pk, no_desc.pk, no_price.pk]
    assert get(q="12345678") == [no_price.pk]  # an EAN
    assert get(q=str(shop.other.pk)) == [shop.product.pk]  # a SKU ID
    assert get(q="CAM-G") == [shop.product.pk]  # a SKU reference code
    page = shop_admin.get(list_url(shop, missing="any")).content.decode()
    row = page.split(f'data-product="{no_brand.pk}"')[1].split("</tr>")[0]
    assert re.findall(r'badge--warning">([^<]+)<', row) == ["No brand"]
    # A brand of another store, an unknown filter value or a control character: refused, listed nothing.
    assert shop_admin.get(list_url(shop, brand="999999")).status_code == 400
    assert shop_admin.get(list_url(shop, missing="everything")).status_code == 400
    assert shop_admin.get(list_url(shop, q="a%00b")).status_code == 400


def test_keyset_pages(shop, shop_admin, settings):
    for n in range(60):
        Product.objects.create(store=shop.store, name=f"P{n}", slug=f"p{n}")
    first = shop_admin.get(list_url(shop)).content.decode()
    ids = listed(first)
    assert len(ids) == 50
    after = re.search(r'after=(\d+)" data-testid="next-page"', first).group(1)
    assert int(after) == ids[-1]
    second = shop_admin.get(list_url(shop, after=after)).content.decode()
    assert len(listed(second)) == 11 and 'data-testid="next-page"' not in second
    assert set(ids).isdisjoint(listed(second))


def test_a_file_shared_with_another_image_row_is_kept_when_one_row_is_removed(
    shop, shop_admin, django_capture_on_commit_callbacks
):
    name = default_storage.save("catalog/shared.jpg", io.BytesIO(image_bytes(600, 600, "JPEG")))
    mine = SkuImage.objects.create(sku=shop.sku, image=name, width=600, height=600)
    SkuImage.objects.create(sku=shop.other, image=name, width=600, height=600)
    url = reverse("catalog-sku", args=[shop.store.account, shop.sku.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = shop_admin.post(url, {**sku_data(shop), "remove_images": [str(mine.pk)]})
    assert response.status_code == 302
    assert not SkuImage.objects.filter(pk=mine.pk).exists()
    assert default_storage.exists(name)


def test_a_save_rolled_back_by_a_channel_leaves_no_file_and_no_row(shop, settings, tmp_path):
    settings.STORE_CHANGE_SUBSCRIBERS = ["tests.store.recorder.fail"]
    before = snapshot(shop)
    prepared = services.image_prepare(io.BytesIO(image_bytes(700, 700)), None)
    with pytest.raises(RuntimeError):
        services.catalog_sku_save(
            shop.product,
            shop.sku,
            services.SkuInput(name="M", ref_id="CAM-M", ean="", specifications={}, stock=1, is_active=True),
            [],
            image=prepared,
        )
    assert snapshot(shop) == before
    media = tmp_path / "media"
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))
