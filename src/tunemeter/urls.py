"""Route the store's URLs."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path, re_path

from tunemeter.api.routes import api
from tunemeter.api.v1.app import api as api_v1
from tunemeter.api.v1.views import not_found
from tunemeter.observability import views as observability

urlpatterns = [
    path("healthz", observability.healthz, name="healthz"),
    path("metrics", observability.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("account/", include("tunemeter.customers.urls")),
    path("api/v1/", api_v1.urls),
    re_path(r"^api/v1/", not_found),
    path("api/", api.urls),
    path("portal/", include("tunemeter.portal.urls")),
    path("", include("tunemeter.delivery.urls")),
    path("", include("tunemeter.shop.urls")),
    path("", include("tunemeter.storefront.urls")),
]
