"""Errors speak the merchant's language inside the admin shell instead of Django's bare English pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_viewer_gets_the_translated_403_page(client, store, viewer_user_of_store):
    client.force_login(viewer_user_of_store)
    client.cookies["tta_language"] = "pt-br"
    response = client.get(reverse("tiktok-setup", kwargs={"account": store.account}))
    assert response.status_code == 403
    body = response.content.decode()
    assert 'data-testid="error-403"' in body
    assert "Acesso não permitido" in body
    assert "Voltar ao Admin" in body


def test_another_stores_url_gets_the_translated_404_page(client, store, make_store, make_user):
    other = make_store(account="outraloja")
    client.force_login(make_user(other))
    client.cookies["tta_language"] = "es"
    response = client.get(reverse("store-dashboard", kwargs={"account": store.account}))
    assert response.status_code == 404
    body = response.content.decode()
    assert 'data-testid="error-404"' in body
    assert "Página no encontrada" in body
    assert store.name not in body
