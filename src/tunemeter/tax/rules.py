"""Decide which country's tax applies to a sale and compute a line's tax, in minor units.

Place of supply: an electronically supplied service to a consumer is taxed where the
consumer is (Council Directive 2006/112/EC Art. 58). An EU seller below the EUR 10,000
threshold of Art. 59c who has not registered for the One-Stop Shop (OSS, Art. 369a-k)
charges its own country's VAT instead; an OSS-registered seller, or one outside the EU
(non-Union scheme, Art. 358a-369), charges the buyer's. Outside the EU the buyer's
country's row of the rates table applies (GB, NO, CH, AU… tax foreign sellers of
digital services); a country without a row is taxed at 0.

Evidence (Implementing Regulation 282/2011 Art. 24b-24f): the buyer's declared
country and, when present, the card country their payment provider reported. When
they disagree the stricter rule applies: the higher of the two rates (ties: the
declared country), and the sale must be licensed in both territories.

Rounding (one rule, per line): inclusive prices are gross, tax = gross × r / (1 + r);
exclusive prices are net, tax = net × r; each rounded to the nearest minor unit,
halves up. Invoice lines then carry net, rate, tax and gross (Directive 2006/112/EC
Art. 226(8)-(10)); the order's tax is the sum of its lines' taxes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings

from tunemeter.tax.rates import EU, rate_for

BPS = 10_000


@dataclass(frozen=True)
class TaxRule:
    """The tax charged on a sale: whose, at what rate, shown inside the price or added."""

    country: str
    rate_bps: int
    inclusive: bool

    def split(self, price_minor: int) -> tuple[int, int, int]:
        """Return (net, tax, gross) of a line listed at price_minor under this rule."""
        if self.inclusive:
            tax = round_half_up(price_minor * self.rate_bps, BPS + self.rate_bps)
            return price_minor - tax, tax, price_minor
        tax = round_half_up(price_minor * self.rate_bps, BPS)
        return price_minor, tax, price_minor + tax


NO_TAX = TaxRule(country="", rate_bps=0, inclusive=True)


def round_half_up(numerator: int, denominator: int) -> int:
    """Return numerator / denominator rounded to the nearest integer, halves away from zero."""
    if numerator < 0:
        return -round_half_up(-numerator, denominator)
    return (2 * numerator + denominator) // (2 * denominator)


def tax_rule(
    *,
    buyer_country: str,
    on: date,
    store_country: str | None = None,
    oss_registered: bool | None = None,
) -> TaxRule:
    """Return the rule for a consumer in buyer_country on a date (store settings by default).

    Without a store country configured, no tax is collected (NO_TAX).
    """
    store = settings.TAX_STORE_COUNTRY if store_country is None else store_country
    oss = settings.TAX_EU_OSS if oss_registered is None else oss_registered
    if not store or not buyer_country:
        return NO_TAX
    country = buyer_country
    if buyer_country in EU and store in EU and buyer_country != store and not oss:
        country = store  # Art. 59c: under the threshold, without OSS, the seller's own VAT
    rate = rate_for(country, on)
    if rate is None:
        return TaxRule(country=country, rate_bps=0, inclusive=True)
    return TaxRule(country=country, rate_bps=rate.rate_bps, inclusive=rate.inclusive)


def tax_rule_for_evidence(*, declared: str, card: str, on: date) -> TaxRule:
    """Return the stricter of the declared country's and the card country's rules."""
    rule = tax_rule(buyer_country=declared, on=on)
    if card and card != declared:
        other = tax_rule(buyer_country=card, on=on)
        if other.rate_bps > rule.rate_bps:
            return other
    return rule
