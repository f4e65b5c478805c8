"""Register the tax app: VAT and sales tax rates, per-line tax, the quarterly return."""

from __future__ import annotations

from django.apps import AppConfig


class TaxConfig(AppConfig):
    name = "tunemeter.tax"
    label = "tax"
    verbose_name = "Tax"
