from __future__ import annotations

from django import forms

from core.forms import ProjectModelForm

from .models import PixelSettings


class PixelSettingsForm(ProjectModelForm):
    class Meta:
        model = PixelSettings
        fields = ["purchase_event", "require_consent"]
        widgets = {"purchase_event": forms.RadioSelect}
