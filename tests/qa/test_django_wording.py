"""Django's own form errors speak like the rest of the app: Spanish pages say "tú", so must the errors that
Django writes ("Introduzca una dirección de correo electrónico válida." was what QA saw on the setup form)."""

from __future__ import annotations

import pytest
from django import forms
from django.core.cache import cache
from django.utils import translation

# Django's base catalog addresses the merchant as "usted"; none of these may reach a page.
USTED = ("Introduzca", "Asegúrese", "Escoja", "Por favor, introduzca", "Observe que")


class EveryField(forms.Form):
    email = forms.EmailField()
    url = forms.URLField(assume_scheme="https")
    whole = forms.IntegerField(min_value=1, max_value=5)
    number = forms.DecimalField()
    choice = forms.ChoiceField(choices=[("a", "A")])
    short = forms.CharField(max_length=3)
    long = forms.CharField(min_length=5)


BAD = {"email": "no", "url": "no", "whole": "x", "number": "x", "choice": "z", "short": "abcd", "long": "ab"}


def errors(lang: str, data: dict[str, str]) -> dict[str, list[str]]:
    with translation.override(lang):
        form = EveryField(data)
        form.is_valid()
        return {name: [str(e) for e in errs] for name, errs in form.errors.items()}


def test_spanish_form_errors_say_tu() -> None:
    assert errors("es", BAD) == {
        "email": ["Escribe una dirección de correo electrónico válida."],
        "url": ["Escribe una URL válida."],
        "whole": ["Escribe un número entero."],
        "number": ["Escribe un número."],
        "choice": ["Elige una opción válida. z no es una de las opciones disponibles."],
        "short": ["Asegúrate de que este valor tenga como máximo 3 caracteres (tiene 4)."],
        "long": ["Asegúrate de que este valor tenga al menos 5 caracteres (tiene 2)."],
    }
    assert errors("es", {**BAD, "whole": "9"})["whole"] == [
        "Asegúrate de que este valor sea menor o igual que 5."
    ]
    assert errors("es", {**BAD, "whole": "0"})["whole"] == [
        "Asegúrate de que este valor sea mayor o igual que 1."
    ]


def test_portuguese_and_english_form_errors() -> None:
    assert errors("pt-br", BAD)["email"] == ["Informe um endereço de e-mail válido."]
    assert errors("pt-br", BAD)["short"] == ["Verifique se este valor tem no máximo 3 caracteres (tem 4)."]
    assert errors("en", BAD)["email"] == ["Enter a valid email address."]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("es", "Usuario o contraseña incorrectos. Ambos distinguen mayúsculas y minúsculas."),
        ("pt-br", "Usuário ou senha incorretos. Ambos diferenciam maiúsculas de minúsculas."),
        ("en", "Wrong username or password. Both are case-sensitive."),
    ],
)
def test_a_wrong_password_is_told_in_the_merchants_words(
    client, make_user, language: str, message: str
) -> None:
    cache.clear()
    make_user(None, username="ana", password="right-password-1")
    client.cookies["tta_language"] = language
    body = client.post("/accounts/login/", {"username": "ana", "password": "wrong"}).content.decode()
    assert message in body
    assert not any(word in body for word in USTED)
    assert "_auth_user_id" not in client.session
    cache.clear()


@pytest.mark.django_db
def test_the_setup_form_in_spanish_has_no_usted(store) -> None:
    from integration.forms import SetupForm

    with translation.override("es"):
        form = SetupForm({"contact_email": "not-an-email", "store_name": "x" * 200}, store=store)
        form.is_valid()
        text = " ".join(str(e) for errs in form.errors.values() for e in errs)
    assert "Escribe una dirección de correo electrónico válida." in text
    assert "Asegúrate de que este valor tenga como máximo 150 caracteres (tiene 200)." in text
    assert not any(word in text for word in USTED)


@pytest.mark.django_db
def test_the_operations_admin_login_says_tu_too(client, make_user) -> None:
    cache.clear()
    make_user(None, username="ops", password="right-password-1")
    client.cookies["tta_language"] = "es"
    body = client.post(
        "/django-admin/login/", {"username": "ops", "password": "wrong", "next": "/django-admin/"}
    ).content.decode()
    assert (
        "Usuario o contraseña incorrectos para una cuenta de operaciones. Ambos distinguen mayúsculas y minúsculas."
        in body
    )
    assert not any(word in body for word in USTED)
    cache.clear()
