"""Warn at `tunemeter check` when the store collects no tax or a tax setting is unknown."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning, register

from tunemeter.tax.rates import RATES


@register()
def tax_settings_check(app_configs, **kwargs):
    """Return warnings about the store's tax settings."""
    country = settings.TAX_STORE_COUNTRY
    if not country:
        return [
            Warning(
                "TUNEMETER_STORE_COUNTRY is not set: no VAT or sales tax is collected",
                hint="set the store's ISO 3166-1 country (and TUNEMETER_EU_OSS=1 if registered)",
                id="tax.W001",
            )
        ]
    if len(country) != 2 or not country.isalpha():
        return [
            Warning(f"TUNEMETER_STORE_COUNTRY={country!r} is not a country code", id="tax.W002")
        ]
    if country not in {r.country for r in RATES}:
        return [Warning(f"no tax rate is known for the store's country {country}", id="tax.W003")]
    return []
