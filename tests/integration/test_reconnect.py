"""Reconnecting through the live sandbox over real HTTP: the onboarding is sent the store's previous
Business Center, ad account, pixel and catalog, TikTok's page preselects them, and reconnecting twice
leaves one catalog and one pixel in the Business Center. Picking another pixel at TikTok is told."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from integration.models import TikTokConnection
from store.models import InstalledApp

from .reconnect_helpers import (
    connect,
    disconnect,
    onboarding_start,
    sent_external_data,
    setup_confirm,
    tiktok_setup_page,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

DEMO_BC = "7100000000000000001"
DEMO_ADV = "7200000000000000001"
PREVIOUS = ("bc_id", "adv_id", "pixel_code", "catalog_id")


@pytest.fixture
def live(sandbox_settings: Any, settings: Any, client: Client, store: Any, admin_user_of_store: Any) -> Any:
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    InstalledApp.objects.create(store=store, app="tiktok")
    client.force_login(admin_user_of_store)
    setup_confirm(client, store)
    return sandbox_settings


def _ids(connection: TikTokConnection) -> dict[str, str]:
    return {name: getattr(connection, name) for name in PREVIOUS}


def test_reconnecting_twice_leaves_one_catalog_and_one_pixel(live, client, store):
    bc_catalogs_before = [c["catalog_id"] for c in live.admin.catalogs() if c["bc_id"] == DEMO_BC]
    bc_pixels_before = [p["pixel_code"] for p in live.admin.pixels() if p["bc_id"] == DEMO_BC]

    # A store that never connected sends no previous IDs, and TikTok offers *Create new* for both.
    url = onboarding_start(client, store)
    assert not set(PREVIOUS) & set(sent_external_data(url))
    first, preselected = connect(client, store)
    assert (preselected["pixel"], preselected["catalog"]) == ("new", "new")
    assert first.bc_id == DEMO_BC and first.adv_id == DEMO_ADV

    for _round in range(2):
        disconnect(client, store)
        setup_confirm(client, store)
        url = onboarding_start(client, store)
        assert {k: v for k, v in sent_external_data(url).items() if k in PREVIOUS} == _ids(first)
        _session, _setup_url, offered = tiktok_setup_page(url)
        assert offered["bc"] == first.bc_id and offered["adv"] == first.adv_id
        assert (offered["pixel"], offered["catalog"]) == (first.pixel_code, first.catalog_id)
        again, _preselected = connect(client, store)
        assert _ids(again) == _ids(first)

    assert TikTokConnection.objects.filter(store=store).count() == 3
    bc_catalogs = [c["catalog_id"] for c in live.admin.catalogs() if c["bc_id"] == DEMO_BC]
    bc_pixels = [p["pixel_code"] for p in live.admin.pixels() if p["bc_id"] == DEMO_BC]
    assert sorted(bc_catalogs) == sorted([*bc_catalogs_before, first.catalog_id])
    assert sorted(bc_pixels) == sorted([*bc_pixels_before, first.pixel_code])
    assert [c["name"] for c in live.admin.catalogs()].count("Loja Demo Catalog") == 1
    assert [p["name"] for p in live.admin.pixels()].count("Loja Demo Pixel") == 1
    page = client.get(reverse("tiktok-page", kwargs={"account": store.account})).content.decode()
    assert 'data-testid="pixel-changed"' not in page
    assert 'data-testid="old-catalogs"' not in page


def test_a_previous_asset_the_user_no_longer_sees_is_not_preselected(live, client, store):
    first, _preselected = connect(client, store)
    disconnect(client, store)
    # The previous catalog was deleted at TikTok meanwhile: the page falls back to *Create new*.
    TikTokConnection.objects.filter(pk=first.pk).update(catalog_id="7399999999999999999")
    setup_confirm(client, store)
    _session, _url, offered = tiktok_setup_page(onboarding_start(client, store))
    assert offered["catalog"] == "new"
    assert offered["pixel"] == first.pixel_code


def test_another_pixel_chosen_at_tiktok_is_told(live, client, store):
    first, _preselected = connect(client, store)
    disconnect(client, store)
    setup_confirm(client, store)
    second, _preselected = connect(client, store, pixel="new", pixel_name="Loja Demo Pixel 2")
    assert second.pixel_code != first.pixel_code and second.catalog_id == first.catalog_id
    page = client.get(reverse("tiktok-page", kwargs={"account": store.account})).content.decode()
    assert (
        f"The storefront now uses the TikTok Pixel {second.pixel_code}, chosen when you connected again. "
        f"The pixel {first.pixel_code} of the previous connection stays at TikTok, unused: this store no "
        "longer sends it any event."
    ) in " ".join(page.split())
    # Same catalog: nothing is left elsewhere.
    assert 'data-testid="old-catalogs"' not in page
