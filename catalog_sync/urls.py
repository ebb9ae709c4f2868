from django.urls import path

from . import views

urlpatterns = [
    path("sync-now/", views.sync_now, name="catalog-sync-now"),
    path("resync/<int:sku_id>/", views.resync, name="catalog-resync"),
    path("exclusions/", views.exclusions, name="catalog-exclusions"),
    path("exclusions/<int:pk>/delete/", views.exclusion_delete, name="catalog-exclusion-delete"),
    path("<slug:bucket>/", views.sku_list, name="catalog-list"),
    path("<slug:bucket>/export.csv", views.sku_export, name="catalog-export"),
]
