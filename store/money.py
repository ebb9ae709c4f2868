"""Money as shoppers of each currency expect it: R$ 1.234,56 for BRL, $ 1.234,56 for ARS."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# symbol, thousands separator, decimal separator
_FORMATS: dict[str, tuple[str, str, str]] = {
    "BRL": ("R$", ".", ","),
    "ARS": ("$", ".", ","),
    "CLP": ("$", ".", ","),
    "COP": ("$", ".", ","),
    "EUR": ("€", ".", ","),
    "MXN": ("$", ",", "."),
    "USD": ("US$", ",", "."),
}


def format_money(amount: Decimal | int | float | str | None, currency: str) -> str:
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return ""
    symbol, thousands, decimal_sep = _FORMATS.get(currency.upper(), (currency.upper(), ",", "."))
    sign = "-" if value < 0 else ""
    integer, _dot, cents = f"{abs(value):.2f}".partition(".")
    groups = []
    while len(integer) > 3:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    groups.insert(0, integer)
    return f"{sign}{symbol} {thousands.join(groups)}{decimal_sep}{cents}"
