"""Odd bytes in any form field never reach a query: every form of the project refuses control characters
with a message next to the field (core.forms), and the views that read the request go through a form.
Tab and newline are allowed in multi-line fields only."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.urls import reverse

from catalog_sync.models import CatalogExclusion
from core.forms import ControlCharactersRule, ProjectForm
from integration.models import TikTokSetup
from store.models import CartItem, InstalledApp, Order, Role
from tests.catalog_sync.conftest import connect

pytestmark = pytest.mark.django_db

PACKAGES = ("core", "store", "integration", "catalog_sync", "pixel", "tiktok_shop", "tiktok_admin")
MESSAGE = "Remove the invisible control characters from this field."
ODD = ["\x00", "\x01", "\x1b", "\x7f", "\x85"]
CHECKOUT = {"name": "Ana Souza", "email": "ana@example.com", "phone": "+55 11 91234-5678"}


def project_forms() -> list[type]:
    found: set[type] = set()
    for package in PACKAGES:
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, f"{package}."):
            if ".migrations" in info.name:
                continue
            module = importlib.import_module(info.name)
            for _name, obj in inspect.getmembers(module, inspect.isclass):
                if issubclass(obj, forms.BaseForm) and obj.__module__.split(".")[0] in PACKAGES:
                    found.add(obj)
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def test_every_form_of_the_project_applies_the_control_character_rule():
    classes = project_forms()
    names = {f"{cls.__module__}.{cls.__qualname__}" for cls in classes}
    # The walk finds them (a broken walk would pass vacuously).
    assert {"store.forms.CheckoutForm", "tiktok_admin.throttle.ThrottledLoginForm"} <= names
    assert "tiktok_admin.throttle.ThrottledOpsLoginForm" in names
    assert [
        n for cls, n in zip(classes, sorted(names), strict=True) if not issubclass(cls, ControlCharactersRule)
    ] == []


class _Note(ProjectForm):
    title = forms.CharField()
    note = forms.CharField(widget=forms.Textarea)


@pytest.mark.parametrize("char", ["\t", "\n", "\r"])
def test_tab_and_newline_are_allowed_in_a_multi_line_field_only(char):
    form = _Note({"title": "Oi", "note": f"linha 1{char}linha 2"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["note"] == f"linha 1{char}linha 2"
    refused = _Note({"title": f"O{char}i", "note": "ok"})
    assert not refused.is_valid()
    assert refused.errors == {"title": [MESSAGE]}


@pytest.mark.parametrize("char", ODD)
def test_control_characters_are_refused_in_a_multi_line_field_too(char):
    form = _Note({"title": "Oi", "note": f"a{char}b"})
    assert form.errors == {"note": [MESSAGE]}


@pytest.fixture
def cart(client: Any, store: Any, make_sku: Any) -> Any:
    sku = make_sku(store, stock=5, price=Decimal("10.00"))
    client.post(reverse("storefront-cart-add", kwargs={"account": store.account}), {"sku_id": sku.pk})
    return sku


def test_a_nul_byte_in_the_checkout_name_is_refused_with_a_message(client, store, cart, settings):
    settings.LANGUAGE_CODE = "en"
    url = reverse("storefront-checkout", kwargs={"account": store.account})
    response = client.post(url, {**CHECKOUT, "name": "a\x00b"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="error-name">Remova os caracteres de controle invisíveis deste campo.<' in body
    assert "\x00" not in body
    assert 'value="ana@example.com"' in body
    assert not Order.objects.exists()
    cart.refresh_from_db()
    assert cart.stock == 5 and CartItem.objects.get().quantity == 1


@pytest.mark.parametrize("char", ODD)
@pytest.mark.parametrize("field", ["name", "email", "phone"])
def test_every_checkout_field_refuses_control_characters(client, store, cart, field, char):
    url = reverse("storefront-checkout", kwargs={"account": store.account})
    response = client.post(url, {**CHECKOUT, field: f"{CHECKOUT[field][:3]}{char}x"})
    assert response.status_code == 400
    body = response.content.decode()
    assert f'data-testid="error-{field}">Remova os caracteres de controle invisíveis deste campo.<' in body
    assert char not in body
    assert not Order.objects.exists()
    # The phone goes to the store service exactly as typed (it parses it itself).
    assert client.post(url, CHECKOUT).status_code == 302
    assert Order.objects.get().phone == "+5511912345678"


@pytest.mark.parametrize("char", ODD)
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("storefront-cart-add", {"sku_id": "{sku}{char}", "quantity": "1"}),
        ("storefront-cart-add", {"sku_id": "{sku}", "quantity": "1{char}"}),
        ("storefront-cart-update", {"sku_id": "{sku}{char}", "quantity": "2"}),
        ("storefront-cart-update", {"sku_id": "{sku}", "quantity": "{char}2"}),
        ("storefront-cart-remove", {"sku_id": "{char}{sku}"}),
    ],
)
def test_cart_changes_refuse_control_characters(client, store, cart, name, data, char):
    values = {k: v.format(sku=cart.pk, char=char) for k, v in data.items()}
    response = client.post(reverse(name, kwargs={"account": store.account}), values)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Remova os caracteres de controle invisíveis deste campo." in body
    assert char not in body
    assert list(CartItem.objects.values_list("sku_id", "quantity")) == [(cart.pk, 1)]


@pytest.mark.parametrize("char", ODD)
def test_the_store_switcher_refuses_control_characters(client, store, make_store, make_user, char):
    user = make_user(store, Role.ADMIN)
    client.force_login(user)
    dashboard = reverse("store-dashboard", kwargs={"account": store.account})
    client.get(dashboard)
    session_before = client.session.get("current_store")
    response = client.post(reverse("switch-store"), {"account": char}, follow=True)
    assert response.redirect_chain[0] == (reverse("shell-home"), 302)
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [MESSAGE]
    assert client.session.get("current_store") == session_before


def test_the_store_switcher_with_a_nul_byte_is_not_a_500(client, store, make_user):
    client.force_login(make_user(store, Role.ADMIN))
    response = client.post(reverse("switch-store"), {"account": "\x00"})
    assert (response.status_code, response["Location"]) == (302, reverse("shell-home"))


@pytest.mark.parametrize("char", ODD)
@pytest.mark.parametrize("field", ["username", "password"])
def test_the_login_forms_refuse_control_characters_without_checking_anything(
    client, store, make_user, field, char
):
    make_user(store, Role.ADMIN, username="victim", password="victim-right-1")
    for url in (reverse("login"), "/django-admin/login/"):
        data = {"username": "victim", "password": "victim-right-1"}
        data[field] = data[field][:3] + char + data[field][3:]
        response = client.post(url, data)
        assert response.status_code == 200
        assert response.context["form"].errors[field] == [MESSAGE]
        assert "_auth_user_id" not in client.session


@pytest.fixture
def catalog_admin(store: Any, make_user: Any, client: Any) -> Any:
    InstalledApp.objects.get_or_create(store=store, app="tiktok")
    TikTokSetup.objects.create(
        store=store,
        affiliate_id="TKT",
        trade_policy=store.trade_policies.get(code="1"),
        store_name=store.name,
        website="https://www.lojademo.com.br",
        segment="fashion",
        country="BR",
        time_zone="America/Sao_Paulo",
        contact_email="loja@example.com",
        phone_country_code="+55",
        phone="11999999999",
        external_business_id=f"ebid-{store.account}",
    )
    connect(store)
    client.force_login(make_user(store, Role.ADMIN))
    return client


@pytest.mark.parametrize("value", [*ODD, "\u00b2", "1\x00", "abc"])
@pytest.mark.parametrize("view", ["catalog-list", "catalog-export"])
def test_catalog_list_search_refuses_what_is_not_an_id(catalog_admin, store, view, value):
    url = reverse(view, kwargs={"account": store.account, "bucket": "available"})
    response = catalog_admin.get(url, {"q": value}, follow=True)
    assert response.status_code == 400
    said = [str(m) for m in response.context["messages"]]
    expected = MESSAGE if any(c in value for c in ODD) else "Enter a SKU ID or a product ID: digits only."
    assert said == [f"SKU ID or product ID: {expected}"]


@pytest.mark.parametrize(
    ("key", "value"), [("after", "\x00"), ("after", "-1"), ("field", "\x00"), ("status", "x")]
)
def test_catalog_list_other_filters_refuse_odd_values(catalog_admin, store, key, value):
    url = reverse("catalog-list", kwargs={"account": store.account, "bucket": "available"})
    response = catalog_admin.get(url, {key: value})
    assert response.status_code == 400
    assert [str(m) for m in response.context["messages"]]


@pytest.mark.parametrize("char", ODD)
@pytest.mark.parametrize("field", ["product_id", "category"])
def test_exclusions_refuse_control_characters(catalog_admin, store, field, char):
    url = reverse("catalog-exclusions", kwargs={"account": store.account})
    response = catalog_admin.post(url, {field: f"1{char}"})
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [MESSAGE]
    assert not CatalogExclusion.objects.exists()
