"""pt_BR and es are complete for every app, and compiled .mo files are never committed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
PO_FILES = sorted(p for p in ROOT.glob("**/locale/*/LC_MESSAGES/django.po") if ".venv" not in p.parts)


def test_the_shell_and_the_store_have_both_languages():
    found = {str(p.relative_to(ROOT)) for p in PO_FILES}
    for base in ("locale", "store/locale", "tiktok_admin/locale"):
        for lang in ("pt_BR", "es"):
            assert f"{base}/{lang}/LC_MESSAGES/django.po" in found


@pytest.mark.parametrize("path", PO_FILES, ids=[str(p.relative_to(ROOT)) for p in PO_FILES])
def test_catalog_is_complete(path):
    po = polib.pofile(str(path))
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    # Placeholders survive translation (a missing %(name)s would crash or lose data at runtime).
    for entry in po.translated_entries():
        if "python-format" in entry.flags or "python-brace-format" in entry.flags:
            targets = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
            for target in targets:
                for token in _placeholders(entry.msgid):
                    assert token in target or entry.msgid_plural, (entry.msgid, target)


def _placeholders(text: str) -> set[str]:
    import re

    return set(re.findall(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]*\}", text))


def test_no_compiled_catalogs_are_committed():
    tracked = subprocess.run(
        ["git", "ls-files", "*.mo"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert tracked == []
