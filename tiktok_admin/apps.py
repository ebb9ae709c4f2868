from django.apps import AppConfig


class TiktokAdminConfig(AppConfig):
    name = "tiktok_admin"
    verbose_name = "Admin shell"
