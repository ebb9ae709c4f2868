from django.urls import path

from . import old_catalog_views, views, views_feed

urlpatterns = [
    path("sync-now/", views.sync_now, name="catalog-sync-now"),
    path("resync/<int:sku_id>/", views.resync, name="catalog-resync"),
    path("exclusions/", views.exclusions, name="catalog-exclusions"),
    path("exclusions/<int:pk>/delete/", views.exclusion_delete, name="catalog-exclusion-delete"),
    path("earlier-catalogs/<int:pk>/", old_catalog_views.old_catalog_choose, name="catalog-old-choose"),
    path("file-feed/<int:batch_id>/products.csv", views_feed.file_feed, name="catalog-file-feed"),
    path("<slug:bucket>/", views.sku_list, name="catalog-list"),
    path("<slug:bucket>/export.csv", views.sku_export, name="catalog-export"),
]
