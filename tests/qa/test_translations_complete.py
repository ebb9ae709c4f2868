"""Every catalog the project ships for pt_BR and es is complete: no entry left untranslated (empty msgstr,
every plural form Django's own formula for the language can pick included) and none marked fuzzy (Django
ignores fuzzy entries, so the English shows). QA found Spanish storefront pages saying "Em estoque: 96
unidades": es has three plural forms in Django 5, the catalog gave two, and form 2 fell back to pt-BR."""

from __future__ import annotations

import re
from pathlib import Path

import django
import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", "var", "node_modules", ".git"}


def catalogs() -> list[Path]:
    found = []
    for po in sorted(ROOT.rglob("locale/*/LC_MESSAGES/django.po")):
        rel = po.relative_to(ROOT)
        if rel.parts[0] in SKIP:
            continue
        if po.parent.parent.name in ("pt_BR", "es"):
            found.append(po)
    return found


def test_the_catalogs_are_found() -> None:
    apps = {p.relative_to(ROOT).parts[0] for p in catalogs()}
    assert {"integration", "tiktok_shop", "store", "catalog_sync", "pixel", "tiktok_admin"} <= apps
    langs = {p.parent.parent.name for p in catalogs()}
    assert langs == {"pt_BR", "es"}


def django_nplurals(lang: str) -> int:
    """How many plural forms Django itself uses for the language (its own catalog decides the formula every
    merged catalog is read with; a form missing from ours falls through to the default language)."""
    django_po = Path(django.__file__).parent / "conf" / "locale" / lang / "LC_MESSAGES" / "django.po"
    return nplurals(polib.pofile(str(django_po)))


def nplurals(po: polib.POFile) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", po.metadata.get("Plural-Forms", ""))
    assert match is not None, "no Plural-Forms header"
    return int(match.group(1))


def problems(po_path: Path) -> list[str]:
    bad = []
    po = polib.pofile(str(po_path))
    forms = nplurals(po)
    expected = django_nplurals(po_path.parent.parent.name)
    if forms != expected:
        bad.append(f"Plural-Forms has nplurals={forms}, Django uses {expected}")
    for entry in po:
        if entry.obsolete:
            continue
        label = entry.msgid[:60]
        if "fuzzy" in entry.flags:
            bad.append(f"fuzzy: {label!r}")
        if entry.msgid_plural:
            given = {i for i, v in entry.msgstr_plural.items() if v}
            if given != set(range(expected)):
                bad.append(f"plural forms {sorted(given)} of {expected}: {label!r}")
        elif not entry.msgstr:
            bad.append(f"untranslated: {label!r}")
    return bad


@pytest.mark.parametrize("po_path", catalogs(), ids=lambda p: str(p.relative_to(ROOT)))
def test_catalog_is_complete(po_path: Path) -> None:
    assert problems(po_path) == []


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["pt-br", "es"])
def test_every_model_the_django_admin_lists_is_named_in_the_merchants_language(lang: str) -> None:
    """QA saw "Carts" and "Outbox runs" in a Portuguese admin index: a model (or inline) without its own verbose
    names gets English ones made from the class name, which no catalog can translate."""
    from django.contrib import admin
    from django.utils import translation
    from django.utils.functional import Promise

    ours = {"store", "integration", "catalog_sync", "pixel", "tiktok_shop"}
    untranslated = []
    shown = set(admin.site._registry)
    for model_admin in admin.site._registry.values():
        shown |= {inline.model for inline in model_admin.inlines}
    for model in sorted(shown, key=lambda m: m._meta.label):
        meta = model._meta
        if meta.app_label not in ours:
            continue
        for attr in ("verbose_name", "verbose_name_plural"):
            given = meta.original_attrs.get(attr)
            if not isinstance(given, Promise):
                untranslated.append(f"{meta.label}.{attr}: not given as a translatable string")
                continue
            with translation.override("en"):
                english = str(given)
            with translation.override(lang):
                local = str(given)
            # Some words are the same in both languages ("SKUs"); they must still be in the catalog.
            if local == english and translation.trans_real.translation(lang)._catalog.get(english) is None:
                untranslated.append(f"{meta.label}.{attr}: {english!r} has no {lang} translation")
    assert untranslated == []
