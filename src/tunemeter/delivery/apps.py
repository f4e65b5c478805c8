"""Register the delivery app."""

from __future__ import annotations

from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "tunemeter.delivery"
    label = "delivery"
    verbose_name = "Delivery"
