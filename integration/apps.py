from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _

from . import events


class IntegrationConfig(AppConfig):
    name = "integration"
    verbose_name = _("TikTok for Business")

    def ready(self) -> None:
        checks.register(events.check_settings)
