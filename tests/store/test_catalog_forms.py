"""Bad input on every field of the catalog forms: a message next to the field, and nothing changes (no
row written, no change published to the channels)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.test import Client
from django.urls import reverse
from PIL import Image

from store.models import Brand, Category, Product, Role, Sku, SkuImage, SkuPrice

from .conftest import CatalogFixture, image_bytes

pytestmark = pytest.mark.django_db


def snapshot(shop: CatalogFixture) -> tuple[Any, ...]:
    store = shop.store
    return (
        list(Product.objects.filter(store=store).order_by("pk").values()),
        list(Sku.objects.filter(store=store).order_by("pk").values()),
        list(SkuPrice.objects.filter(sku__store=store).order_by("pk").values()),
        list(SkuImage.objects.filter(sku__store=store).order_by("pk").values()),
        list(Brand.objects.filter(store=store).order_by("pk").values()),
        list(Category.objects.filter(store=store).order_by("pk").values()),
    )


def error_text(html: str, field: str) -> str:
    found = re.search(rf'data-testid="error-{re.escape(field)}">(.*?)</span>', html, re.S)
    assert found, f"no error next to {field}"
    return found.group(1).strip()


def product_data(shop: CatalogFixture, **overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Camiseta",
        "description": "Algodão",
        "brand": str(shop.brand.pk),
        "category": str(shop.category.pk),
        "is_active": "on",
        "new_brand": "",
        "new_category": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def sku_data(shop: CatalogFixture, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "M",
        "ref_id": "CAM-M",
        "ean": "7891234567895",
        "color": "Azul",
        "size": "M",
        "voltage": "",
        "stock": "5",
        "is_active": "on",
        f"price_{shop.policy.pk}": "99.90",
        f"list_price_{shop.policy.pk}": "129.90",
        f"price_{shop.usd.pk}": "",
        f"list_price_{shop.usd.pk}": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


PRODUCT_CASES = [
    ("name", {"name": ""}, "This field is required."),
    ("name", {"name": "<>!?"}, "The name needs letters or numbers."),
    ("name", {"name": '"><img src=x onerror=alert(1)>'}, "Remove the HTML tags: this is plain text."),
    ("name", {"name": "x" * 501}, "Ensure this value has at most 500 characters (it has 501)."),
    ("name", {"name": "Camiseta\x00"}, "Remove the invisible control characters from this field."),
    ("description", {"description": "a\x07b"}, "Remove the invisible control characters from this field."),
    (
        "description",
        {"description": "x" * 20001},
        "Ensure this value has at most 20000 characters (it has 20001).",
    ),
    ("brand", {"brand": "999999"}, "Select a valid choice. That choice is not one of the available choices."),
    ("brand", {"brand": "abc"}, "Select a valid choice. That choice is not one of the available choices."),
    (
        "category",
        {"category": "999999"},
        "Select a valid choice. That choice is not one of the available choices.",
    ),
    ("new_brand", {"new_brand": "Nova"}, "Choose a brand or type a new one, not both."),
    ("new_brand", {"brand": "", "new_brand": "***"}, "The name needs letters or numbers."),
    (
        "new_brand",
        {"brand": "", "new_brand": "x" * 151},
        "Ensure this value has at most 150 characters (it has 151).",
    ),
    ("new_category", {"new_category": "Nova"}, "Choose a category or type a new one, not both."),
    (
        "new_category",
        {"category": "", "new_category": "\x1b[31m"},
        "Remove the invisible control characters from this field.",
    ),
    ("is_active", {"is_active": "on\x00"}, "Remove the invisible control characters from this field."),
]


@pytest.mark.parametrize(("field", "overrides", "message"), PRODUCT_CASES)
def test_bad_product_input_is_refused_next_to_the_field(
    shop, shop_admin, catalog_events, field, overrides, message
):
    before = snapshot(shop)
    url = reverse("catalog-product", args=[shop.store.account, shop.product.pk])
    response = shop_admin.post(url, product_data(shop, **overrides))
    assert response.status_code == 400
    assert error_text(response.content.decode(), field) == message
    assert snapshot(shop) == before
    assert catalog_events == []


def test_a_brand_of_another_store_cannot_be_chosen(shop, shop_admin, make_store, catalog_events):
    foreign = Brand.objects.create(store=make_store(), name="Alheia")
    before = snapshot(shop)
    url = reverse("catalog-product", args=[shop.store.account, shop.product.pk])
    response = shop_admin.post(url, product_data(shop, brand=str(foreign.pk)))
    assert response.status_code == 400
    assert "Select a valid choice" in error_text(response.content.decode(), "brand")
    assert snapshot(shop) == before
    assert catalog_events == []


def test_a_new_product_with_a_bad_name_creates_nothing(shop, shop_admin, catalog_events):
    before = snapshot(shop)
    url = reverse("catalog-product-new", args=[shop.store.account])
    response = shop_admin.post(url, product_data(shop, name="", brand="", new_brand="Nova Marca"))
    assert response.status_code == 400
    assert error_text(response.content.decode(), "name") == "This field is required."
    assert snapshot(shop) == before  # not even the brand typed inline
    assert catalog_events == []


SKU_CASES = [
    ("name", {"name": ""}, "This field is required."),
    ("name", {"name": "<script>alert(1)</script>"}, "Remove the HTML tags: this is plain text."),
    ("name", {"name": "--//--"}, "The name needs letters or numbers."),
    ("name", {"name": "M\u0085"}, "Remove the invisible control characters from this field."),
    ("ref_id", {"ref_id": "CAM-G"}, "Another SKU of this store already has this reference code."),
    ("ref_id", {"ref_id": "x" * 101}, "Ensure this value has at most 100 characters (it has 101)."),
    ("ean", {"ean": "7891234567901"}, "Another SKU of this store already has this EAN."),
    ("ean", {"ean": "12345"}, "Enter the EAN as 8, 12, 13 or 14 digits."),
    ("ean", {"ean": "78912345678ab"}, "Enter the EAN as 8, 12, 13 or 14 digits."),
    ("ean", {"ean": "７８９１２３４５"}, "Enter the EAN as 8, 12, 13 or 14 digits."),
    ("color", {"color": "<b>Azul</b>"}, "Remove the HTML tags: this is plain text."),
    ("color", {"color": "x" * 101}, "Ensure this value has at most 100 characters (it has 101)."),
    ("size", {"size": "G\x00"}, "Remove the invisible control characters from this field."),
    ("voltage", {"voltage": "220\tV"}, "Remove the invisible control characters from this field."),
    ("stock", {"stock": "-1"}, "The stock cannot be negative."),
    ("stock", {"stock": "1.5"}, "Enter a whole number."),
    ("stock", {"stock": ""}, "This field is required."),
    ("stock", {"stock": "99999999999"}, "Ensure this value is less than or equal to 2147483647."),
    ("price_{p}", {"price_{p}": "-1.00", "list_price_{p}": ""}, "The price cannot be negative."),
    ("price_{p}", {"price_{p}": "abc"}, "Enter an amount, e.g. 99.90."),
    ("price_{p}", {"price_{p}": "1.999"}, "Use at most 2 decimal places."),
    ("price_{p}", {"price_{p}": "NaN"}, "Enter an amount, e.g. 99.90."),
    ("price_{p}", {"price_{p}": "1e30"}, "The amount is too large."),
    (
        "price_{p}",
        {"price_{p}": "", "list_price_{p}": "10.00"},
        "Enter the selling price too, or clear the list price.",
    ),
    ("list_price_{p}", {"list_price_{p}": "50.00"}, "The list price cannot be lower than the selling price."),
    ("list_price_{p}", {"list_price_{p}": "-5"}, "The price cannot be negative."),
    (
        "list_price_{u}",
        {"price_{u}": "20.00", "list_price_{u}": "19.99"},
        "The list price cannot be lower than the selling price.",
    ),
]


def _fill(shop: CatalogFixture, text: str) -> str:
    return text.replace("{p}", str(shop.policy.pk)).replace("{u}", str(shop.usd.pk))


@pytest.mark.parametrize(("field", "overrides", "message"), SKU_CASES)
def test_bad_sku_input_is_refused_next_to_the_field(
    shop, shop_admin, catalog_events, field, overrides, message
):
    before = snapshot(shop)
    url = reverse("catalog-sku", args=[shop.store.account, shop.sku.pk])
    data = sku_data(shop, **{_fill(shop, k): v for k, v in overrides.items()})
    response = shop_admin.post(url, data)
    assert response.status_code == 400
    assert error_text(response.content.decode(), _fill(shop, field)) == message
    assert snapshot(shop) == before
    assert catalog_events == []


def test_a_new_sku_with_a_duplicate_ean_is_not_created(shop, shop_admin, catalog_events):
    before = snapshot(shop)
    url = reverse("catalog-sku-new", args=[shop.store.account, shop.product.pk])
    response = shop_admin.post(url, sku_data(shop, ean="7891234567895", ref_id="NEW"))
    assert response.status_code == 400
    assert error_text(response.content.decode(), "ean") == "Another SKU of this store already has this EAN."
    assert snapshot(shop) == before
    assert catalog_events == []


def test_the_same_ean_in_another_store_is_fine(shop, shop_admin, make_store):
    other_store = make_store()
    product = Product.objects.create(store=other_store, name="X", slug="x")
    Sku.objects.create(store=other_store, product=product, name="X", ean="7891234567000")
    url = reverse("catalog-sku", args=[shop.store.account, shop.sku.pk])
    response = shop_admin.post(url, sku_data(shop, ean="7891234567000"))
    assert response.status_code == 302
    assert Sku.objects.get(pk=shop.sku.pk).ean == "7891234567000"


IMAGE_CASES = [
    (
        "not-an-image.png",
        b"this is text, not a PNG",
        "This file is not an image. Upload a JPG, PNG, WebP or GIF file.",
    ),
    (
        "truncated.png",
        image_bytes(600, 600)[:200],
        "This file is not an image. Upload a JPG, PNG, WebP or GIF file.",
    ),
    (
        "pic.bmp",
        image_bytes(600, 600, "BMP"),
        "This file is not an image. Upload a JPG, PNG, WebP or GIF file.",
    ),
    (
        "page.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "This file is not an image. Upload a JPG, PNG, WebP or GIF file.",
    ),
    ("bomb.png", None, "The image has too many pixels. Upload an image of at most 6000×6000 pixels."),
]


def _bomb() -> bytes:
    # 10,000 × 10,000 of one colour: a few hundred kilobytes on disk, 300 MB once decoded.
    buf = io.BytesIO()
    Image.new("1", (10000, 10000)).save(buf, format="PNG")
    return buf.getvalue()


@pytest.mark.parametrize(("name", "content", "message"), IMAGE_CASES)
def test_a_file_that_is_not_an_acceptable_image_is_refused(
    shop, shop_admin, catalog_events, name, content, message
):
    before = snapshot(shop)
    upload = SimpleUploadedFile(name, content if content is not None else _bomb())
    url = reverse("catalog-sku", args=[shop.store.account, shop.sku.pk])
    response = shop_admin.post(url, {**sku_data(shop), "image": upload})
    assert response.status_code == 400
    assert error_text(response.content.decode(), "image") == message
    assert snapshot(shop) == before
    assert catalog_events == []


def test_a_20_mb_upload_is_refused_and_nothing_is_stored(
    shop, shop_admin, catalog_events, tmp_path, settings
):
    before = snapshot(shop)
    big = image_bytes(600, 600) + b"\0" * (20 * 1024 * 1024)
    url = reverse("catalog-sku", args=[shop.store.account, shop.sku.pk])
    response = shop_admin.post(url, {**sku_data(shop), "image": SimpleUploadedFile("big.png", big)})
    assert response.status_code == 400
    assert (
        error_text(response.content.decode(), "image")
        == "The file is larger than 10 MB; upload an image of at most 10 MB."
    )
    assert snapshot(shop) == before
    assert catalog_events == []
    media = tmp_path / "media"
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_a_good_save_after_a_refused_one_goes_through_the_services(shop, shop_admin, catalog_events):
    url = reverse("catalog-sku", args=[shop.store.account, shop.sku.pk])
    shop_admin.post(url, sku_data(shop, stock="-1"))
    assert catalog_events == []
    response = shop_admin.post(url, sku_data(shop, stock="7"))
    assert response.status_code == 302
    assert Sku.objects.get(pk=shop.sku.pk).stock == 7
    assert [type(e).__name__ for e in catalog_events] == ["SkusChanged"]
    assert catalog_events[0].sku_ids == (shop.sku.pk,)


def test_an_upload_past_the_cap_is_dropped_while_it_streams_in(shop, shop_admin, settings, monkeypatch):
    """The cap stops writing the file after STORE_IMAGE_MAX_BYTES: no temporary file of 20 MB."""
    written: list[int] = []
    real = TemporaryFileUploadHandler.receive_data_chunk

    def spy(self: Any, raw_data: bytes, start: int) -> Any:
        written.append(len(raw_data))
        return real(self, raw_data, start)

    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", spy)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    big = image_bytes(600, 600) + b"\0" * (20 * 1024 * 1024)
    url = reverse("catalog-sku", args=[shop.store.account, shop.sku.pk])
    response = shop_admin.post(
        url, {**sku_data(shop, stock="8"), "image": SimpleUploadedFile("big.png", big)}
    )
    assert response.status_code == 400
    assert 0 < sum(written) <= 10 * 1024 * 1024
    # The fields after the file were read: the form shows them as posted.
    assert 'name="stock" value="8"' in response.content.decode()


def test_the_sku_page_still_checks_the_csrf_token(shop, make_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(shop.store, Role.ADMIN))
    before = snapshot(shop)
    url = reverse("catalog-sku", args=[shop.store.account, shop.sku.pk])
    assert client.post(url, sku_data(shop, stock="1")).status_code == 403
    new = reverse("catalog-sku-new", args=[shop.store.account, shop.product.pk])
    assert client.post(new, sku_data(shop, ean="", ref_id="")).status_code == 403
    assert snapshot(shop) == before
    page = client.get(url)
    token = page.cookies["csrftoken"].value
    ok = client.post(url, {**sku_data(shop, stock="1"), "csrfmiddlewaretoken": token})
    assert ok.status_code == 302
