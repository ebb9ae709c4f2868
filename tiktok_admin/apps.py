from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TiktokAdminConfig(AppConfig):
    name = "tiktok_admin"
    verbose_name = _("Admin shell")
