"""Every catalog the project ships for pt_BR and es is complete: no entry left untranslated (empty msgstr,
any plural form included) and none marked fuzzy (Django ignores fuzzy entries, so the English shows)."""

from __future__ import annotations

from pathlib import Path

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


def problems(po_path: Path) -> list[str]:
    bad = []
    for entry in polib.pofile(str(po_path)):
        if entry.obsolete:
            continue
        label = entry.msgid[:60]
        if "fuzzy" in entry.flags:
            bad.append(f"fuzzy: {label!r}")
        if entry.msgid_plural:
            if not entry.msgstr_plural or any(not v for v in entry.msgstr_plural.values()):
                bad.append(f"untranslated plural: {label!r}")
        elif not entry.msgstr:
            bad.append(f"untranslated: {label!r}")
    return bad


@pytest.mark.parametrize("po_path", catalogs(), ids=lambda p: str(p.relative_to(ROOT)))
def test_catalog_is_complete(po_path: Path) -> None:
    assert problems(po_path) == []
