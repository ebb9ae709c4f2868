"""Data Sharing on a store whose pixel is installed by hand (Legacy CMS, Headless): it says once that
the toggle does not change the installed code, and shows none of the settings only our inserted pixel
reads. A VTEX IO store keeps them all."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pixel.models import PixelSettings
from store.models import CmsKind, Role

from .test_page import _read

pytestmark = pytest.mark.django_db

ORIGIN = "This toggle now decides what our pixel sends."
MANUAL = "so this toggle does not change the code you installed"


@pytest.mark.parametrize("cms", [CmsKind.LEGACY, CmsKind.HEADLESS])
def test_hand_installed_pixel_shows_only_what_applies(client, make_store, make_user, make_connection, cms):
    store = make_store(cms_kind=cms)
    client.force_login(make_user(store, Role.ADMIN))
    make_connection(store, advanced_matching_at_tiktok=True)
    page = _read(client, reverse("tiktok-page", kwargs={"account": store.account}), "en")
    assert page.count(MANUAL) == 1
    assert ORIGIN not in page
    assert "Shared when on:" not in page
    raw = client.get(reverse("tiktok-page", kwargs={"account": store.account})).content.decode()
    assert 'data-testid="pixel-settings"' not in raw
    assert 'name="purchase_event"' not in raw and 'name="require_consent"' not in raw
    assert 'data-testid="pixel-manual-setup"' in raw


def test_hand_installed_pixel_settings_cannot_be_saved(
    client: Client, make_store, make_user, make_connection
):
    store = make_store(cms_kind=CmsKind.LEGACY)
    client.force_login(make_user(store, Role.ADMIN))
    make_connection(store)
    response = client.post(
        reverse("pixel-settings", kwargs={"account": store.account}),
        {"purchase_event": "Purchase", "require_consent": "on"},
    )
    assert response.status_code == 302
    assert not PixelSettings.objects.filter(store=store).exists()


def test_io_store_keeps_the_settings_and_the_origin(client, store, admin_user_of_store, make_connection):
    client.force_login(admin_user_of_store)
    make_connection(store, advanced_matching_at_tiktok=True)
    page = _read(client, reverse("tiktok-page", kwargs={"account": store.account}), "en")
    assert ORIGIN in page and MANUAL not in page and "Shared when on:" in page
    raw = client.get(reverse("tiktok-page", kwargs={"account": store.account})).content.decode()
    assert 'data-testid="pixel-settings"' in raw and 'name="purchase_event"' in raw
