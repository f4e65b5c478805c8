"""Register the API app."""

from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "tunemeter.api"
    label = "api"
    verbose_name = "API"
