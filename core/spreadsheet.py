"""Cells of the CSV files the project writes (the admin's export, the ops report), made safe to open in a
spreadsheet (OWASP "CSV injection").

A cell whose first character is = + - @ is read as a formula by Excel, LibreOffice and Google Sheets,
and they skip leading spaces and invisible characters before deciding, so " =1+1" and "\\n=1+1" are
formulas too: the check looks past them, and such a cell is written as an apostrophe (shown as text) and
the formula, without the leading junk that would sit between the two. A cell starting with a tab or a
carriage return (OWASP's other dangerous first characters) gets the apostrophe in front of it all. Any
other cell is written unchanged.
"""

from __future__ import annotations

import unicodedata

# The fullwidth forms too: some spreadsheet locales read "＝" as "=".
FORMULA_STARTS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
# OWASP lists these as dangerous first characters on their own.
DANGEROUS_FIRST = frozenset("\t\r")


def _skippable(char: str) -> bool:
    """Whitespace, control and invisible formatting characters (zero-width spaces, BOM, bidi marks)."""
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf")


def cell_safe(value: str) -> str:
    """`value` as a CSV cell no spreadsheet evaluates."""
    start = 0
    while start < len(value) and _skippable(value[start]):
        start += 1
    if value[start : start + 1] in FORMULA_STARTS:
        return "'" + value[start:]
    if value[:1] in DANGEROUS_FIRST:
        return "'" + value
    return value
