"""Register the rights app."""

from __future__ import annotations

from django.apps import AppConfig


class RightsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tunemeter.rights"
    verbose_name = "Rights"
