from django.urls import path

from . import views_admin

urlpatterns = [
    path("", views_admin.my_apps, name="apps-my-apps"),
    path("store/", views_admin.app_store, name="apps-app-store"),
    path("<slug:app>/install/", views_admin.install, name="apps-install"),
    path("<slug:app>/uninstall/", views_admin.uninstall, name="apps-uninstall"),
]
