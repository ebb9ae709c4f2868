from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PixelConfig(AppConfig):
    name = "pixel"
    verbose_name = _("TikTok Pixel")
