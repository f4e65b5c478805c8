"""Route the store's URLs."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from tunemeter.api.routes import api
from tunemeter.observability import views as observability

urlpatterns = [
    path("healthz", observability.healthz, name="healthz"),
    path("metrics", observability.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("account/", include("tunemeter.customers.urls")),
    path("api/", api.urls),
    path("portal/", include("tunemeter.portal.urls")),
    path("", include("tunemeter.delivery.urls")),
    path("", include("tunemeter.shop.urls")),
    path("", include("tunemeter.storefront.urls")),
]
