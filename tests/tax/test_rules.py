"""Tax rates and rules: the rates table, place of supply, evidence and per-line rounding.

Place of supply for e-services to consumers: Council Directive 2006/112/EC Art. 58;
the EUR 10,000 threshold without OSS: Art. 59c; evidence: Implementing Regulation
282/2011 Art. 24b; invoice figures per rate: Art. 226(8)-(10).
"""

from __future__ import annotations

from datetime import date

import pytest

from tunemeter.tax.rates import EU, RATES, rate_for
from tunemeter.tax.rules import NO_TAX, TaxRule, round_half_up, tax_rule, tax_rule_for_evidence

DAY = date(2026, 11, 1)


@pytest.mark.parametrize(
    ("country", "bps", "inclusive"),
    [("DE", 1900, True), ("HU", 2700, True), ("LU", 1700, True), ("GB", 2000, True),
     ("NO", 2500, True), ("CH", 810, True), ("AU", 1000, True), ("US", 0, False),
     ("FI", 2550, True), ("EE", 2400, True), ("SK", 2300, True), ("RO", 2100, True)],
)  # fmt: skip
def test_the_2026_standard_rates(country, bps, inclusive):
    rate = rate_for(country, DAY)
    assert (rate.rate_bps, rate.inclusive) == (bps, inclusive)


def test_a_rate_change_takes_effect_on_its_date():
    assert rate_for("EE", date(2025, 6, 30)).rate_bps == 2200
    assert rate_for("EE", date(2025, 7, 1)).rate_bps == 2400
    assert rate_for("XX", DAY) is None


def test_every_member_state_has_a_rate_and_no_row_is_duplicated():
    assert {r.country for r in RATES} >= EU and len(EU) == 27
    assert len({(r.country, r.effective) for r in RATES}) == len(RATES)


def test_round_half_up():
    assert [round_half_up(n, 2) for n in (1, 2, 3, 5, -1, -3)] == [1, 1, 2, 3, -1, -2]


@pytest.mark.parametrize(
    ("rule", "price", "expected"),
    [
        # Inclusive: tax = gross × r / (1 + r): 100 at 19% → 15.97 → 16.
        (TaxRule("DE", 1900, True), 100, (84, 16, 100)),
        (TaxRule("HU", 2700, True), 127, (100, 27, 127)),
        (TaxRule("DE", 1900, True), 119, (100, 19, 119)),  # README's worked example
        (TaxRule("LU", 1700, True), 5, (4, 1, 5)),  # 0.726… → 1
        # A half: 3 × 20/120 = 0.5 → up to 1.
        (TaxRule("GB", 2000, True), 3, (2, 1, 3)),
        (TaxRule("GB", 2000, True), 2, (2, 0, 2)),  # 0.33… → 0
        # Exclusive: tax = net × r, added: 2 × 25% = 0.5 → 1; 6 × 25% = 1.5 → 2.
        (TaxRule("ZZ", 2500, False), 2, (2, 1, 3)),
        (TaxRule("ZZ", 2500, False), 6, (6, 2, 8)),
        (TaxRule("US", 0, False), 999, (999, 0, 999)),
        (NO_TAX, 999, (999, 0, 999)),
    ],
)
def test_a_line_splits_into_net_tax_and_gross_exactly(rule, price, expected):
    net, tax, gross = rule.split(price)
    assert (net, tax, gross) == expected
    assert net + tax == gross


def test_inclusive_rounding_is_within_half_a_unit_of_the_exact_tax():
    for price in range(0, 2000):
        net, tax, gross = TaxRule("DE", 1900, True).split(price)
        assert abs(tax * 11900 - price * 1900) <= 11900 // 2
        assert net + tax == gross == price


def test_place_of_supply():
    """Art. 58: buyer's country; Art. 59c: own country below the threshold without OSS."""
    oss = {"store_country": "DE", "oss_registered": True}
    plain = {"store_country": "DE", "oss_registered": False}
    assert tax_rule(buyer_country="HU", on=DAY, **oss) == TaxRule("HU", 2700, True)
    assert tax_rule(buyer_country="HU", on=DAY, **plain) == TaxRule("DE", 1900, True)
    assert tax_rule(buyer_country="DE", on=DAY, **plain) == TaxRule("DE", 1900, True)
    assert tax_rule(buyer_country="US", on=DAY, **oss) == TaxRule("US", 0, False)
    assert tax_rule(buyer_country="GB", on=DAY, **plain) == TaxRule("GB", 2000, True)
    # A seller outside the EU charges the buyer's VAT from the first sale (non-Union scheme).
    outside = {"store_country": "US", "oss_registered": False}
    assert tax_rule(buyer_country="LU", on=DAY, **outside) == TaxRule("LU", 1700, True)
    assert tax_rule(buyer_country="BR", on=DAY, **outside) == TaxRule("BR", 0, True)
    # No store country configured: no tax collected.
    assert tax_rule(buyer_country="DE", on=DAY, store_country="", oss_registered=True) == NO_TAX


def test_disagreeing_evidence_takes_the_higher_rate(settings):
    """Regulation 282/2011 Art. 24b: two pieces of evidence; the stricter one wins here."""
    settings.TAX_STORE_COUNTRY, settings.TAX_EU_OSS = "DE", True
    assert tax_rule_for_evidence(declared="US", card="DE", on=DAY) == TaxRule("DE", 1900, True)
    assert tax_rule_for_evidence(declared="DE", card="HU", on=DAY).country == "HU"
    assert tax_rule_for_evidence(declared="HU", card="DE", on=DAY).country == "HU"
    assert tax_rule_for_evidence(declared="DE", card="", on=DAY).country == "DE"


def test_the_settings_check_warns_when_no_tax_is_collected(settings):
    from tunemeter.tax.checks import tax_settings_check

    settings.TAX_STORE_COUNTRY = ""
    assert [w.id for w in tax_settings_check(None)] == ["tax.W001"]
    settings.TAX_STORE_COUNTRY = "D1"
    assert [w.id for w in tax_settings_check(None)] == ["tax.W002"]
    settings.TAX_STORE_COUNTRY = "BR"
    assert [w.id for w in tax_settings_check(None)] == ["tax.W003"]
    settings.TAX_STORE_COUNTRY = "DE"
    assert tax_settings_check(None) == []
