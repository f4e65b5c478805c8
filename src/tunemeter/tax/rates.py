"""The tax rates table, as data: ISO 3166-1 country → standard rate for e-services.

Electronically supplied services (a download is one: Council Implementing Regulation
(EU) 282/2011 Art. 7 and Annex I point 3) are taxed at the standard rate of the
buyer's country. Rates are basis points (1900 = 19%), each with the date it took
effect; a later row for the same country supersedes an earlier one from its date.

Sources (checked November 2026): the European Commission's "VAT rates applied in
the Member States of the European Union" and its 2025 changes (FI 25.5% from
2024-09-01, SK 23% from 2025-01-01, EE 24% from 2025-07-01, RO 21% from
2025-08-01); GOV.UK (UK VAT 20%); Skatteetaten (NO 25%); ESTV (CH 8.1% from
2024-01-01); ATO (AU GST 10%); Inland Revenue (NZ GST 15%).

`inclusive`: the law requires consumer prices to include the tax (EU Directive
98/6/EC Art. 2(a), the UK Price Marking Order 2004, the Australian Consumer Law
s. 48, and likewise NO, CH, NZ, IS). In the US, prices are shown before sales tax
and the tax is added at checkout; the store does not compute US state sales tax
(digital goods' taxability and rates vary by state and locality): the US row is 0%.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

EU = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)


@dataclass(frozen=True)
class Rate:
    """One country's standard rate for e-services from a date."""

    country: str
    rate_bps: int
    effective: date
    inclusive: bool = True


_D = date(2020, 1, 1)  # unchanged since before the store existed

RATES: tuple[Rate, ...] = (
    Rate("AT", 2000, _D),
    Rate("BE", 2100, _D),
    Rate("BG", 2000, _D),
    Rate("CY", 1900, _D),
    Rate("CZ", 2100, _D),
    Rate("DE", 1900, _D),
    Rate("DK", 2500, _D),
    Rate("EE", 2000, _D),
    Rate("EE", 2200, date(2024, 1, 1)),
    Rate("EE", 2400, date(2025, 7, 1)),
    Rate("ES", 2100, _D),
    Rate("FI", 2400, _D),
    Rate("FI", 2550, date(2024, 9, 1)),
    Rate("FR", 2000, _D),
    Rate("GR", 2400, _D),
    Rate("HR", 2500, _D),
    Rate("HU", 2700, _D),
    Rate("IE", 2300, _D),
    Rate("IT", 2200, _D),
    Rate("LT", 2100, _D),
    Rate("LU", 1700, _D),
    Rate("LV", 2100, _D),
    Rate("MT", 1800, _D),
    Rate("NL", 2100, _D),
    Rate("PL", 2300, _D),
    Rate("PT", 2300, _D),
    Rate("RO", 1900, _D),
    Rate("RO", 2100, date(2025, 8, 1)),
    Rate("SE", 2500, _D),
    Rate("SI", 2200, _D),
    Rate("SK", 2000, _D),
    Rate("SK", 2300, date(2025, 1, 1)),
    Rate("GB", 2000, _D),
    Rate("NO", 2500, _D),
    Rate("IS", 2400, _D),
    Rate("CH", 770, _D),
    Rate("CH", 810, date(2024, 1, 1)),
    Rate("AU", 1000, _D),
    Rate("NZ", 1500, _D),
    Rate("US", 0, _D, inclusive=False),
)


def rate_for(country: str, on: date) -> Rate | None:
    """Return the country's rate in force on a date (None: the store collects no tax there)."""
    in_force = [r for r in RATES if r.country == country and r.effective <= on]
    return max(in_force, key=lambda r: r.effective, default=None)
