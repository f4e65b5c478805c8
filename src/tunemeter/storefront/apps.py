"""Register the storefront app."""

from __future__ import annotations

from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "tunemeter.storefront"
    label = "storefront"
    verbose_name = "Storefront"
