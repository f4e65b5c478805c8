"""Register the catalog app."""

from __future__ import annotations

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "tunemeter.catalog"
    label = "catalog"
    verbose_name = "Catalog"
