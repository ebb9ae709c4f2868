from django.urls import path

from . import views_storefront as views

urlpatterns = [
    path("", views.home, name="storefront-home"),
    path("c/<slug:slug>/", views.category, name="storefront-category"),
    path("p/<slug:slug>/", views.product, name="storefront-product"),
    path("cart/", views.cart, name="storefront-cart"),
    path("cart/add/", views.cart_add, name="storefront-cart-add"),
    path("cart/update/", views.cart_update, name="storefront-cart-update"),
    path("cart/remove/", views.cart_remove, name="storefront-cart-remove"),
    path("checkout/", views.checkout, name="storefront-checkout"),
    path("order/<str:number>/", views.order, name="storefront-order"),
]
