from __future__ import annotations

from decimal import Decimal

from django import template

from store.money import format_money

register = template.Library()


@register.filter
def money(amount: Decimal | int | float | str | None, currency: str = "BRL") -> str:
    """`{{ price|money:store.currency }}` → R$ 1.234,56"""
    return format_money(amount, currency or "BRL")


@register.filter
def spec_items(specifications: object) -> list[tuple[str, object]]:
    if isinstance(specifications, dict):
        return sorted(specifications.items())
    return []
