"""Included under /admin/<account>/marketplace/tiktok/ads/."""

from django.urls import path

from . import views

urlpatterns = [
    path("refresh/", views.ads_refresh, name="tiktok-ads-refresh"),
    path("campaigns/<str:campaign_id>/switch/", views.campaign_switch, name="tiktok-ads-switch"),
]
