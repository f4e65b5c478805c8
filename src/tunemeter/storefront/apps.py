"""Register the storefront app."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StorefrontConfig(AppConfig):
    name = "tunemeter.storefront"
    label = "storefront"
    verbose_name = _("Storefront")
