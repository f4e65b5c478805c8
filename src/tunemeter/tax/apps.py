"""Register the tax app: VAT and sales tax rates, per-line tax, the quarterly return."""

from __future__ import annotations

from django.apps import AppConfig


class TaxConfig(AppConfig):
    name = "tunemeter.tax"
    label = "tax"
    verbose_name = "Tax"

    def ready(self) -> None:
        from tunemeter.tax import checks  # noqa: F401 - registers the settings check
