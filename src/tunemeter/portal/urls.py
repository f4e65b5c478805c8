"""Route the rights holder's portal (mounted at /portal/)."""

from __future__ import annotations

from django.urls import path

from tunemeter.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:holder_id>/", views.dashboard, name="dashboard"),
    path("<int:holder_id>/statements/", views.statements, name="statements"),
    path(
        "<int:holder_id>/statements/<str:period>/<str:kind>",
        views.statement_download,
        name="statement",
    ),
    path("<int:holder_id>/takedowns/", views.takedowns, name="takedowns"),
]
