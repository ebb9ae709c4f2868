from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from django.views.static import serve

from . import throttle, views

admin.site.site_header = _("TikTok channel · operations")
admin.site.site_title = _("Operations")
# The same throttle as the admin shell's login (tiktok_admin.throttle); ops_login below adds the 429.
admin.site.login_form = throttle.ThrottledOpsLoginForm

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="shell-home", permanent=False)),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", views.ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Before admin.site.urls, so this path resolves here; reverse("admin:login") gives the same path.
    path("django-admin/login/", throttle.ops_login),
    path("django-admin/", admin.site.urls),
    path("admin/", views.shell_home, name="shell-home"),
    path("admin/switch-store/", views.switch_store, name="switch-store"),
    path("admin/<slug:account>/", views.dashboard, name="store-dashboard"),
    path("admin/<slug:account>/apps/", include("store.urls_admin")),
    path("admin/<slug:account>/catalog/products/", include("store.urls_catalog")),
    path("admin/<slug:account>/", include("integration.urls")),
    path("admin/<slug:account>/marketplace/tiktok/catalog/", include("catalog_sync.urls")),
    path("admin/<slug:account>/marketplace/tiktok/ads/", include("tiktok_ads.urls")),
    path("admin/<slug:account>/marketplace/tiktok/", include("tiktok_shop.urls")),
    path("s/<slug:account>/", include("store.urls_storefront")),
    path("s/<slug:account>/", include("pixel.urls")),
    # Catalog images are served by the app itself (put a CDN in front in production).
    re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
]
