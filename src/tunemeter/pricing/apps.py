"""Register the pricing app."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PricingConfig(AppConfig):
    name = "tunemeter.pricing"
    label = "pricing"
    verbose_name = _("Pricing")
