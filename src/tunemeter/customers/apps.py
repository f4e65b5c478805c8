"""Register the customers app."""

from __future__ import annotations

from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "tunemeter.customers"
    label = "customers"
    verbose_name = "Customers"
