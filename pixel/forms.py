from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import ProjectModelForm

from .models import PixelSettings
from .services.store_settings import pixel_settings_apply


class PixelSettingsForm(ProjectModelForm):
    class Meta:
        model = PixelSettings
        fields = ["purchase_event", "require_consent"]
        widgets = {"purchase_event": forms.RadioSelect}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not pixel_settings_apply(self.instance.store):
            raise forms.ValidationError(
                _(
                    "These settings apply only to the pixel this app inserts on VTEX IO stores. "
                    "Your store installs the TikTok Pixel by hand: configure its events in your tag manager."
                ),
                code="not_applicable",
            )
        return cleaned
