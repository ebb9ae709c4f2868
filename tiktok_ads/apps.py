from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class TiktokAdsConfig(AppConfig):
    name = "tiktok_ads"
    verbose_name = _("TikTok Ads")

    def ready(self) -> None:
        from .attribution import check_attribution_source

        checks.register(check_attribution_source)
