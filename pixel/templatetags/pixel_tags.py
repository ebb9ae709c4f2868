"""Template helpers for the Data Sharing section of the TikTok page (integration's template includes
pixel/_manual_setup.html and pixel/_settings.html)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse

from ..forms import PixelSettingsForm
from ..services import pixel_manual_snippet as _snippet
from ..services import pixel_settings_for_store

register = template.Library()


@register.simple_tag
def pixel_manual_snippet(pixel_code: str) -> str:
    """The base code for `pixel_code`, or "" when the code is not a valid pixel code."""
    try:
        return _snippet(pixel_code)
    except ValueError:
        return ""


@register.simple_tag
def pixel_settings_form(store: Any) -> dict[str, Any]:
    try:
        action = reverse("pixel-settings", kwargs={"account": store.account})
    except NoReverseMatch:
        action = ""
    return {"form": PixelSettingsForm(instance=pixel_settings_for_store(store)), "action": action}
