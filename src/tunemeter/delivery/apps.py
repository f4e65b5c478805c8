"""Register the delivery app."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "tunemeter.delivery"
    label = "delivery"
    verbose_name = _("Delivery")
