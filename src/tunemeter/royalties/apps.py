"""Register the royalties app."""

from __future__ import annotations

from django.apps import AppConfig


class RoyaltiesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tunemeter.royalties"
    verbose_name = "Royalties"
