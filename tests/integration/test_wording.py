"""The page tells the truth in the merchant's words (docs/wording.md): who disconnected the store, TikTok's
button as TikTok shows it, one date format per page, one word per state, status columns as nouns, the
seed's English label series kept whole, and a heading on every card of the disconnected page."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from catalog_sync.models import SyncRun
from integration.models import ConnectionStatus, DisconnectReason, TikTokSetup
from integration.selectors import CatalogCounts
from integration.views import _catalog_rows

from .test_page import _read

pytestmark = pytest.mark.django_db

WHEN = timezone.make_aware(datetime.datetime(2026, 12, 3, 8, 48))

BY_THE_APP = {
    "en": "On Dec. 3, 2026, 8:48 a.m. this app disconnected the store automatically, because TikTok no longer "
    "gives it access to your TikTok account.",
    "pt-br": "Em 3 de dezembro de 2026 às 08:48 este app desconectou a loja automaticamente, porque o TikTok "
    "não dá mais a ele acesso à sua conta do TikTok.",
    "es": "El 3 de diciembre de 2026 a las 08:48 esta app desconectó la tienda automáticamente, porque TikTok "
    "ya no le da acceso a tu cuenta de TikTok.",
}


def _disconnect(connection, reason: str) -> None:
    # Set up and connected before the disconnect (a setup confirmed later would be a new attempt).
    TikTokSetup.objects.filter(store=connection.store).update(confirmed_at=WHEN - datetime.timedelta(days=3))
    type(connection).objects.filter(pk=connection.pk).update(
        status=ConnectionStatus.DISCONNECTED,
        connected_at=WHEN - datetime.timedelta(days=2),
        disconnected_at=WHEN,
        disconnect_reason=reason,
        access_token="",
    )


@pytest.mark.parametrize("lang", ["en", "pt-br", "es"])
def test_the_banner_says_the_app_disconnected_after_tiktok_revoked(
    client, store, connection, admin_user_of_store, lang
):
    _disconnect(connection, DisconnectReason.TOKEN_REVOKED)
    client.force_login(admin_user_of_store)
    page = _read(client, reverse("tiktok-page", kwargs={"account": store.account}), lang)
    assert BY_THE_APP[lang] in page
    assert "TikTok disconnected this store" not in page
    assert "O TikTok desconectou esta loja" not in page and "TikTok desconectó esta tienda" not in page


@pytest.mark.parametrize(
    ("lang", "heading"),
    [("en", "Products already on TikTok"), ("pt-br", "Produtos que já estão no TikTok"),
     ("es", "Productos que ya están en TikTok")],
)  # fmt: skip
def test_every_card_of_the_disconnected_page_has_a_heading(
    client, store, connection, admin_user_of_store, lang, heading
):
    _disconnect(connection, DisconnectReason.MANUAL)
    client.force_login(admin_user_of_store)
    client.cookies["tta_language"] = lang
    raw = client.get(reverse("tiktok-page", kwargs={"account": store.account})).content.decode()
    card = raw[raw.index('data-testid="products-stay"') + len('data-testid="products-stay"') :]
    assert re.match(r'>\s*<div class="card__head"><h2 class="card__title">' + re.escape(heading), card)


@pytest.mark.parametrize(
    ("lang", "button"), [("pt-br", "Concluir configuração"), ("es", "Finalizar configuración")]
)
def test_pt_and_es_name_tikToks_button_as_tiktok_shows_it(
    client, store, make_setup, admin_user_of_store, lang, button
):
    make_setup(store)
    client.force_login(admin_user_of_store)
    page = _read(client, reverse("tiktok-page", kwargs={"account": store.account}), lang)
    assert f"clicará em {button}" in page or f"harás clic en {button}" in page
    assert "Finish Setup" not in page


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("pt-br", "3 de dezembro de 2026 às 08:48"), ("es", "3 de diciembre de 2026 a las 08:48"),
     ("en", "Dec. 3, 2026, 8:48 a.m.")],
)  # fmt: skip
def test_one_date_format_per_language(lang, expected):
    with translation.override(lang), timezone.override("America/Sao_Paulo"):
        local = timezone.localtime(WHEN)
        assert formats.date_format(local, "DATETIME_FORMAT") == expected
        assert formats.date_format(local, "SHORT_DATETIME_FORMAT") == expected
        assert formats.date_format(local, "DATE_FORMAT") == formats.date_format(local, "SHORT_DATE_FORMAT")


def test_portuguese_months_are_lower_case():
    with translation.override("pt-br"):
        months = [formats.date_format(datetime.date(2026, m, 1), "F") for m in range(1, 13)]
    assert months == [
        "janeiro", "fevereiro", "março", "abril", "maio", "junho",
        "julho", "agosto", "setembro", "outubro", "novembro", "dezembro",
    ]  # fmt: skip


def test_status_columns_are_nouns():
    label = SyncRun._meta.get_field("status").choices
    failed = dict(label)["failed"]
    with translation.override("es"):
        assert str(failed) == "Fallo" and gettext("Failed") == "Fallo"
    with translation.override("pt-br"):
        assert str(failed) == "Falha"


def test_the_fourth_catalog_label_follows_the_seeds_english_series():
    with translation.override("pt-br"):
        rows = _catalog_rows(CatalogCounts(rejected=2))
    assert [r["label"] for r in rows] == [
        "Products available",
        "Products pending",
        "Products need additional details",
        "Products rejected by TikTok",
    ]
    assert str(rows[3]["help"]).startswith("Produtos")
