from django.urls import path

from . import views

# Included under /admin/<account>/ (see tiktok_admin/urls.py).
urlpatterns = [
    path("marketplace/tiktok/", views.page, name="tiktok-page"),
    path("apps/tiktok/", views.page, {"via_apps": True}, name="tiktok-apps-page"),
    path("marketplace/tiktok/setup/", views.setup, name="tiktok-setup"),
    path("marketplace/tiktok/connect/", views.connect, name="tiktok-connect"),
    path("marketplace/tiktok/callback/", views.callback, name="tiktok-callback"),
    path("marketplace/tiktok/disconnect/", views.disconnect, name="tiktok-disconnect"),
    path("marketplace/tiktok/advanced-matching/", views.advanced_matching, name="tiktok-advanced-matching"),
    path("marketplace/tiktok/go/<slug:destination>/", views.go, name="tiktok-go"),
]
