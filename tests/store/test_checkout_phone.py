"""The checkout's phone: stored as one E.164 string whatever way the shopper typed a valid number (without
`+`, in the store's country), and refused with a message when typed with other than the digits 0-9."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from store.models import CartItem, Order

pytestmark = pytest.mark.django_db

# The storefront speaks the store's language (pt-br here).
DIGITS_MESSAGE = "Digite o telefone só com os algarismos de 0 a 9 (espaços, hífens e parênteses podem ficar)."
INVALID_MESSAGE = "Informe o telefone com o código do país, por exemplo +55 11 91234-5678."


def _checkout(client, store, phone: str):
    return client.post(
        reverse("storefront-checkout", kwargs={"account": store.account}),
        {"name": "Ana Souza", "email": "ana@example.com", "phone": phone},
    )


@pytest.fixture
def cart(client, store, make_sku):
    sku = make_sku(store, stock=5, price=Decimal("10.00"))
    response = client.post(
        reverse("storefront-cart-add", kwargs={"account": store.account}), {"sku_id": sku.pk, "quantity": "2"}
    )
    assert response.status_code == 302
    return sku


@pytest.mark.parametrize(
    "typed",
    [
        "+55 (11) 91234-5678",
        "+55 11 91234–5678",  # an en dash from a phone's keyboard
        "(11) 91234-5678",  # no +: the store is in Brazil
        "11912345678",
        "011 91234-5678",  # trunk prefix
    ],
)
def test_the_order_stores_the_phone_in_e164(client, store, cart, typed):
    assert store.country == "BR"
    response = _checkout(client, store, typed)
    assert response.status_code == 302
    assert Order.objects.get(store=store).phone == "+5511912345678"


@pytest.mark.parametrize(
    "typed",
    [
        "+٥٥١١٩١٢٣٤٥٦٧٨",  # Arabic-Indic: the old check stored these as they were
        "+۵۵ ۱۱ ۹۱۲۳۴-۵۶۷۸",  # Extended Arabic-Indic
        "+５５ １１ ９１２３４-５６７８",  # fullwidth
        "+55¹¹⁹¹²³⁴⁵⁶⁷⁸",  # superscripts
        "+55 11 91234-5678 ramal 2",
    ],
)
def test_a_phone_with_other_than_ascii_digits_is_refused_and_nothing_is_ordered(client, store, cart, typed):
    response = _checkout(client, store, typed)
    assert response.status_code == 400
    html = response.content.decode().replace("&#x27;", "'")
    assert f'data-testid="error-phone">{DIGITS_MESSAGE}<' in html
    assert not Order.objects.exists()
    cart.refresh_from_db()
    assert cart.stock == 5
    assert CartItem.objects.get(sku=cart).quantity == 2


def test_an_invalid_number_is_refused(client, store, cart):
    # The old pattern took any 7+ digits after a country code.
    response = _checkout(client, store, "+55 00 1234-5678")
    assert response.status_code == 400
    assert f'data-testid="error-phone">{INVALID_MESSAGE}<' in response.content.decode()
    assert not Order.objects.exists()
