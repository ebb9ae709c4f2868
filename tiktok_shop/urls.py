"""Included under /admin/<account>/marketplace/tiktok/ (docs/contracts.md)."""

from django.urls import path

from . import views

urlpatterns = [
    path("settings/", views.settings_page, name="tiktok-settings"),
    path("shop/", views.shop_overview, name="shop-overview"),
    path("shop/connect/", views.shop_connect, name="shop-connect"),
    path("shop/callback/", views.shop_callback, name="shop-callback"),
    path("shop/disconnect/", views.shop_disconnect, name="shop-disconnect"),
]
