from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _

from . import changes


class StoreConfig(AppConfig):
    name = "store"
    verbose_name = _("Store")

    def ready(self) -> None:
        checks.register(changes.check_subscribers)
