from __future__ import annotations

from django import forms

from .models import PixelSettings


class PixelSettingsForm(forms.ModelForm):
    class Meta:
        model = PixelSettings
        fields = ["purchase_event", "require_consent"]
        widgets = {"purchase_event": forms.RadioSelect}
