"""Under /admin/<account>/marketplace/tiktok/pixel/ (the merchant's admin)."""

from django.urls import path

from . import views

urlpatterns = [
    path("settings/", views.settings_update, name="pixel-settings"),
]
