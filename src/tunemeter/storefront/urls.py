"""Route the customer's pages."""

from __future__ import annotations

from django.urls import path

from tunemeter.storefront import views

app_name = "storefront"
urlpatterns = [
    path("", views.home, name="home"),
    path("genres/<int:genre_id>/", views.genre, name="genre"),
    path("releases/<int:release_id>/", views.release, name="release"),
    path("releases/<int:release_id>/cover", views.cover, name="cover"),
    path("artists/<int:artist_id>/", views.artist, name="artist"),
    path("search/", views.search, name="search"),
    path("tracks/<int:track_id>/preview.mp3", views.preview, name="preview"),
    path("prices/<str:kind>/<int:object_id>/", views.prices_json, name="prices"),
]
