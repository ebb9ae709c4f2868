from django.urls import path

from . import views_catalog

urlpatterns = [
    path("", views_catalog.product_list, name="catalog-products"),
    path("new/", views_catalog.product_new, name="catalog-product-new"),
    path("<int:product_id>/", views_catalog.product_edit, name="catalog-product"),
    path("<int:product_id>/skus/new/", views_catalog.sku_new, name="catalog-sku-new"),
    path("skus/<int:sku_id>/", views_catalog.sku_edit, name="catalog-sku"),
]
