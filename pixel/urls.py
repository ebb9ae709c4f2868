"""Under /s/<account>/. The consent endpoint is the shopper's; the settings endpoint is the merchant's
(store admins only, like every admin view) and lives here because pixel has no admin URL prefix of its
own: the form is shown inside the TikTok page's Data Sharing section."""

from django.urls import path

from . import views

urlpatterns = [
    path("pixel/consent/", views.consent, name="pixel-consent"),
    path("pixel/settings/", views.settings_update, name="pixel-settings"),
]
