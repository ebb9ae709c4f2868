"""Under /s/<account>/ (the storefront)."""

from django.urls import path

from . import views

urlpatterns = [
    path("pixel/consent/", views.consent, name="pixel-consent"),
]
