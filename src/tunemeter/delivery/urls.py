"""Route downloads and the library."""

from __future__ import annotations

from django.urls import path

from tunemeter.delivery import views

app_name = "delivery"
urlpatterns = [
    path("library/", views.library, name="library"),
    path("library/<int:entitlement_id>/link", views.fresh_link, name="fresh"),
    path("download/t/<str:token>/<str:filename>", views.track_download, name="track"),
    path("download/z/<str:token>/<str:filename>", views.release_download, name="release"),
]
