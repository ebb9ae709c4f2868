"""The Django admin (operations users) applies the same input rules as the admin shell: its forms and
inlines refuse control characters next to the field, and its search box refuses them with a message,
so a NUL byte never reaches PostgreSQL (psycopg's DataError, a 500 page)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from core.admin_rules import ProjectModelAdmin, ProjectTabularInline
from store.models import Brand

pytestmark = pytest.mark.django_db

PROJECT_APPS = {"core", "store", "integration", "catalog_sync", "pixel", "tiktok_shop"}


def test_every_project_model_admin_and_inline_applies_the_rule():
    admins = {
        model._meta.label: model_admin
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in PROJECT_APPS
    }
    # The walk finds them (an empty registry would pass vacuously).
    assert {"store.Store", "store.Sku", "integration.TikTokConnection", "catalog_sync.SkuState"} <= set(
        admins
    )
    assert [label for label, ma in admins.items() if not isinstance(ma, ProjectModelAdmin)] == []
    inlines = [(label, inline) for label, ma in admins.items() for inline in ma.inlines]
    assert inlines, "the store and product admins have inlines"
    assert [label for label, inline in inlines if not issubclass(inline, ProjectTabularInline)] == []


@pytest.mark.parametrize(
    "term, message",
    [
        # Django's own search form refuses NUL; the project's rule covers the other control characters.
        ("a\x00b", "Null characters are not allowed."),
        ("\x1b[31m", "Remove the invisible control characters from the search."),
        ("acme\x7f", "Remove the invisible control characters from the search."),
    ],
)
def test_a_control_character_in_the_admin_search_is_refused_with_a_message(
    admin_client, store, term, message
):
    response = admin_client.get(reverse("admin:store_store_changelist"), {"q": term})
    assert response.status_code == 200
    assert message in response.content.decode()
    if "\x00" not in term:
        # The project's rule lists nothing (Django's NUL rule searches for "" and lists every store).
        assert f">{store.account}</a>" not in response.content.decode()


def test_a_control_character_in_an_admin_form_is_refused_next_to_the_field(admin_client):
    response = admin_client.post(reverse("admin:store_brand_add"), {"name": "Acme\x00"})
    assert response.status_code == 200
    assert "Remove the invisible control characters from this field." in response.content.decode()
    assert not Brand.objects.exists()
