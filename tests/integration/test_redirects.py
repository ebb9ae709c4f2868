"""The Manage / Create an ad buttons: the right TikTok place for this connection, allow-listed hosts only,
never an open redirect (fuzzed)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from integration.destinations import DESTINATIONS, destination_url, host_allowed
from integration.models import TikTokConnection

pytestmark = pytest.mark.django_db

EXPECTED = {
    "business-center": "https://ads.tiktok.com/bc/7100000000000000001/",
    "ads-manager": "https://ads.tiktok.com/ads/7200000000000000001/",
    "create-ad": "https://ads.tiktok.com/ads/7200000000000000001/create/",
    "pixel": "https://ads.tiktok.com/events-manager/pixel/CABCDEFGHIJ1234567XY/",
    "catalog": "https://ads.tiktok.com/catalog-manager/7100000000000000001/7300000000000000001/",
    "authorizations": "https://ads.tiktok.com/ac/page/authorizations",
}


def _go(store, name: str) -> str:
    return reverse("tiktok-go", kwargs={"account": store.account, "destination": name})


@pytest.mark.parametrize(("name", "url"), EXPECTED.items())
def test_each_button_leads_to_this_connections_destination(
    client: Client, store, connection, viewer_user_of_store, name, url
):
    client.force_login(viewer_user_of_store)
    response = client.get(_go(store, name))
    assert response.status_code == 302
    assert response["Location"] == url


def test_the_page_links_every_button_through_the_redirect_view(
    client, store, connection, admin_user_of_store
):
    client.force_login(admin_user_of_store)
    html = client.get(reverse("tiktok-page", kwargs={"account": store.account})).content.decode()
    for name in ("create-ad", "business-center", "ads-manager", "pixel", "catalog"):
        assert f'href="{_go(store, name)}"' in html
    assert "ads.tiktok.com" not in html  # no raw TikTok URL, every button goes through the allow-list


def test_unknown_destination_is_404(client, store, connection, admin_user_of_store):
    client.force_login(admin_user_of_store)
    assert client.get(_go(store, "evil")).status_code == 404


def test_missing_id_disables_the_button_and_404s(client, store, make_connection, admin_user_of_store):
    make_connection(store, pixel_code="")
    client.force_login(admin_user_of_store)
    assert client.get(_go(store, "pixel")).status_code == 404
    html = client.get(reverse("tiktok-page", kwargs={"account": store.account})).content.decode()
    assert f'href="{_go(store, "pixel")}"' not in html
    assert 'aria-disabled="true"' in html


def test_malformed_ids_never_build_a_url(store):
    for hostile in ("../../evil", "//evil.com", "a/b", "x?y=1", "%2F%2Fevil", "a" * 65, "é", "a b"):
        connection = TikTokConnection(store=store, bc_id=hostile, catalog_id="1")
        assert destination_url("business-center", connection) is None
        assert destination_url("catalog", connection) is None


def test_base_url_outside_the_allow_list_is_refused(client, store, connection, admin_user_of_store, settings):
    settings.TIKTOK_WEB_BASE_URL = "https://evil.example.com"
    client.force_login(admin_user_of_store)
    for name in EXPECTED:
        assert client.get(_go(store, name)).status_code == 404


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://ads.tiktok.com/x", True),
        ("https://ADS.tiktok.com/x", True),
        ("https://ads.tiktok.com:443/x", True),
        ("https://ads.tiktok.com:8443/x", False),
        ("http://ads.tiktok.com/x", False),
        ("https://ads.tiktok.com.evil.com/x", False),
        ("https://evil.com/ads.tiktok.com", False),
        ("https://user@ads.tiktok.com/x", False),
        ("https://ads.tiktok.com@evil.com/x", False),
        ("//ads.tiktok.com/x", False),
        ("javascript://ads.tiktok.com/%0aalert(1)", False),
        ("https://ads.tiktok.com:99999/x", False),
        ("https:///ads.tiktok.com", False),
    ],
)
def test_host_allow_list(url, allowed, settings):
    settings.TIKTOK_REDIRECT_HOSTS = ["ads.tiktok.com", "127.0.0.1:8765"]
    assert host_allowed(url) is allowed


def test_allow_list_with_port(settings):
    settings.TIKTOK_REDIRECT_HOSTS = ["127.0.0.1:8765"]
    assert host_allowed("http://127.0.0.1:8765/bc/1/")
    assert not host_allowed("http://127.0.0.1:8766/bc/1/")
    assert not host_allowed("http://127.0.0.1/bc/1/")


@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    destination=st.one_of(
        st.sampled_from(sorted(DESTINATIONS)),
        st.text(min_size=1, max_size=40),
        st.from_regex(r"[-a-zA-Z0-9_]{1,30}", fullmatch=True),
    ),
    params=st.dictionaries(
        st.sampled_from(["next", "url", "redirect", "to", "destination", "host", "return_to"]),
        st.sampled_from(
            [
                "https://evil.com",
                "//evil.com",
                "javascript:alert(1)",
                "/\\evil.com",
                "https:evil.com",
                "%2F%2Fevil",
            ]
        )
        | st.text(max_size=30),
        max_size=3,
    ),
)
def test_fuzz_never_an_open_redirect(client, store, connection, admin_user_of_store, destination, params):
    client.force_login(admin_user_of_store)
    try:
        url = _go(store, destination)
    except NoReverseMatch:
        return  # not even routable: the URL pattern only takes slugs
    response = client.get(url, params)
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        location = response["Location"]
        parts = urlsplit(location)
        assert parts.scheme == "https" and parts.hostname == "ads.tiktok.com"
        assert location == EXPECTED[destination]


def test_ops_can_point_a_button_at_tiktoks_own_deep_link(settings, connection):
    settings.TIKTOK_MANAGE_PATHS = {
        "business-center": "https://business.tiktok.com/manage/overview?org_id={bc_id}",
        "pixel": "/i18n/events_manager/pixel/detail?pixel_code={pixel_code}",
    }
    assert destination_url("business-center", connection) == (
        "https://business.tiktok.com/manage/overview?org_id=7100000000000000001"
    )
    assert destination_url("pixel", connection) == (
        "https://ads.tiktok.com/i18n/events_manager/pixel/detail?pixel_code=CABCDEFGHIJ1234567XY"
    )
    # An override still goes through the host allow-list, and a broken template leads nowhere.
    settings.TIKTOK_MANAGE_PATHS = {
        "catalog": "https://evil.example/{catalog_id}",
        "ads-manager": "/x/{nope}",
    }
    assert destination_url("catalog", connection) is None
    assert destination_url("ads-manager", connection) is None
