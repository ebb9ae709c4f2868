"""The Legacy CMS / Headless manual set-up (snippet, copy button, GTM steps) and the merchant's pixel
settings form."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import translation

from pixel.models import PixelSettings
from pixel.services import pixel_manual_snippet

from .conftest import PIXEL_CODE

pytestmark = pytest.mark.django_db


def test_snippet_is_tiktoks_base_code_for_this_pixel() -> None:
    snippet = pixel_manual_snippet(PIXEL_CODE)
    assert snippet.startswith("<!-- TikTok Pixel Code Start -->\n<script>\n")
    assert snippet.endswith("</script>\n<!-- TikTok Pixel Code End -->")
    assert f"ttq.load('{PIXEL_CODE}');\n  ttq.page();" in snippet
    assert 'var r="https://analytics.tiktok.com/i18n/pixel/events.js"' in snippet
    assert 'n.src=r+"?sdkid="+e+"&lib="+t' in snippet


@pytest.mark.parametrize("bad", ["", "abc", "C0DE');alert(1)//", "<script>"])
def test_snippet_refuses_anything_but_a_pixel_code(bad: str) -> None:
    with pytest.raises(ValueError):
        pixel_manual_snippet(bad)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Click Tag Configuration and choose Custom HTML."),
        ("pt-br", "Clique em Configuração da tag e escolha HTML personalizado."),
        ("es", "Haz clic en Configuración de la etiqueta y elige HTML personalizado."),
    ],
)
def test_manual_setup_partial_in_the_merchants_language(language: str, expected: str) -> None:
    with translation.override(language):
        html = render_to_string("pixel/_manual_setup.html", {"pixel_code": PIXEL_CODE})
    assert expected in html
    assert 'data-copy-target="pixel-manual-snippet"' in html
    # the snippet is shown as text, escaped, and copies verbatim from the <pre>
    assert "&lt;script&gt;" in html and "ttq.load(&#x27;CABCDEFGHIJ1234567XY&#x27;)" in html


def test_manual_setup_without_a_pixel_code_says_so() -> None:
    html = render_to_string("pixel/_manual_setup.html", {"pixel_code": ""})
    assert "pixel-manual-snippet" not in html
    assert "did not give this connection a pixel code" in html


def test_settings_form_saves_and_invalidates(
    client: Client, store: Any, admin_user_of_store: Any, connect: Any
) -> None:
    from pixel.cache import pixel_config_for_account

    connect(store)
    assert pixel_config_for_account(store.account).purchase_event == "PlaceAnOrder"
    client.force_login(admin_user_of_store)
    response = client.post(
        f"/s/{store.account}/pixel/settings/",
        {"purchase_event": "Purchase", "require_consent": "on", "next": f"/admin/{store.account}/x/"},
    )
    assert response.status_code == 302 and response["Location"] == f"/admin/{store.account}/x/"
    ps = PixelSettings.objects.get(store=store)
    assert (ps.purchase_event, ps.require_consent) == ("Purchase", True)
    config = pixel_config_for_account(store.account)
    assert (config.purchase_event, config.require_consent) == ("Purchase", True)


def test_settings_form_refuses_an_unknown_event_and_viewers(
    client: Client, store: Any, admin_user_of_store: Any, viewer_user_of_store: Any
) -> None:
    client.force_login(admin_user_of_store)
    client.post(f"/s/{store.account}/pixel/settings/", {"purchase_event": "CompletePayment"})
    assert not PixelSettings.objects.exists()
    viewer = Client()
    viewer.force_login(viewer_user_of_store)
    response = viewer.post(f"/s/{store.account}/pixel/settings/", {"purchase_event": "Purchase"})
    assert response.status_code == 403
    assert not PixelSettings.objects.exists()


def test_settings_partial_renders_the_current_choice(store: Any) -> None:
    PixelSettings.objects.create(store=store, purchase_event="Purchase", require_consent=True)
    request = RequestFactory().get("/")
    html = render_to_string(
        "pixel/_settings.html", {"current_store": store, "can_act": True, "request": request}
    )
    assert f'action="/s/{store.account}/pixel/settings/"' in html
    inputs = {}
    for tag in re.findall(r"<input\b[^>]*>", html):
        attrs = dict(re.findall(r'([a-z_-]+)="([^"]*)"', tag))
        inputs[(attrs.get("name"), attrs.get("value"))] = bool(re.search(r"\schecked\b", tag))
    assert {k: v for k, v in inputs.items() if k[0] == "purchase_event"} == {
        ("purchase_event", "PlaceAnOrder"): False,
        ("purchase_event", "Purchase"): True,
    }
    assert inputs[("require_consent", None)] is True


def test_django_admin_pages_for_ops(client: Client, store: Any, connect: Any) -> None:
    from django.contrib.auth import get_user_model

    from pixel.models import OutboxEvent

    conn = connect(store)
    OutboxEvent.objects.create(
        store=store,
        connection=conn,
        pixel_code=PIXEL_CODE,
        event="AddToCart",
        event_id="e1",
        event_time=conn.connected_at,
        payload={"event": "AddToCart"},
    )
    ops = get_user_model().objects.create_superuser("ops", "ops@example.com", "pass-1234-word")
    client.force_login(ops)
    assert client.get("/django-admin/pixel/outboxevent/").status_code == 200
    assert client.get("/django-admin/pixel/outboxevent/add/").status_code == 403
    assert client.get("/django-admin/pixel/outboxrun/").status_code == 200
    response = client.post(
        "/django-admin/pixel/pixelsettings/add/",
        {"store": store.pk, "purchase_event": "Purchase", "require_consent": "on"},
    )
    assert response.status_code == 302
    from pixel.cache import pixel_config_for_account

    assert pixel_config_for_account(store.account).purchase_event == "Purchase"
