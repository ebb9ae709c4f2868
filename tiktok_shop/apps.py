from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TiktokShopConfig(AppConfig):
    name = "tiktok_shop"
    verbose_name = _("TikTok Shop")
