"""Tax at checkout: posted per country, on receipts, reversed on refund; royalties on net;
the quarterly return reconciles with the ledger's tax accounts.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.shop.factories import customer, fund, tracks
from tunemeter.customers.services import customer_card_country_record
from tunemeter.ledger.models import Account
from tunemeter.ledger.selectors import ledger_verify
from tunemeter.pricing.services import quote_create
from tunemeter.royalties.models import RoyaltyLine
from tunemeter.shop.exceptions import CheckoutError
from tunemeter.shop.services import order_place, order_refund
from tunemeter.tax.models import TaxLine
from tunemeter.tax.rules import TaxRule
from tunemeter.tax.selectors import quarter_bounds, tax_ledger_totals, tax_return

pytestmark = pytest.mark.usefixtures("ledger_db", "demo_payments")
MICRO = 10_000


@pytest.fixture(autouse=True)
def oss_store(settings):
    """A German store registered for the EU One-Stop Shop."""
    settings.TAX_STORE_COUNTRY, settings.TAX_EU_OSS = "DE", True


def _quarter() -> str:
    now = timezone.now()
    return f"{now.year}-Q{(now.month - 1) // 3 + 1}"


def tax_balance(country: str) -> int:
    account = Account.objects.filter(kind=Account.TAX_PAYABLE, owner=f"tax:{country}").first()
    return account.balance_minor if account else 0


def revenue() -> int:
    return Account.objects.get(kind=Account.REVENUE, unit="minor", owner="store").balance_minor


def buy(buyer, items, key="k"):
    quote = quote_create(customer=buyer, items=items)
    return quote, order_place(customer=buyer, quote=quote, idempotency_key=key)


@pytest.mark.parametrize(
    ("country", "bps", "inclusive"),
    [("DE", 1900, True), ("HU", 2700, True), ("LU", 1700, True), ("GB", 2000, True),
     ("US", 0, False)],
)  # fmt: skip
def test_tax_is_posted_to_the_buyers_country_and_reversed_on_refund(country, bps, inclusive):
    (track,) = tracks(1, seconds=3)
    buyer, staff = customer(country=country), customer(staff=True)
    fund(buyer, 10_000)
    quote, order = buy(buyer, [(track, "wav")])
    (item,) = quote.items.all()
    net, tax, gross = TaxRule(country, bps, inclusive).split(item.price_minor)
    assert (quote.tax_country, quote.tax_rate_bps, quote.tax_inclusive) == (country, bps, inclusive)
    assert (item.tax_minor, quote.tax_minor, quote.total_minor) == (tax, tax, gross)
    assert tax > 0 or country == "US"
    assert tax_balance(country) == tax and revenue() == net
    assert 10_000 - gross == Account.objects.get(kind=Account.CUSTOMER).balance_minor
    (line,) = TaxLine.objects.all()
    assert (line.country, line.rate_bps, line.net_minor, line.tax_minor) == (country, bps, net, tax)
    order_refund(order=order, staff=staff, reason="test")
    assert tax_balance(country) == 0 and revenue() == 0
    assert sorted(TaxLine.objects.values_list("tax_minor", flat=True)) == sorted([tax, -tax])
    assert ledger_verify() == []


def test_royalties_accrue_on_net_in_a_de_sale_and_a_us_sale_of_the_same_track():
    """The issue's rule: royalties on net receipts (price minus tax), never on tax."""
    (track,) = tracks(1, seconds=3)  # a 70% sound-recording deal
    de, us = customer(country="DE"), customer(country="US")
    for buyer in (de, us):
        fund(buyer, 10_000)
    q_de, o_de = buy(de, [(track, "wav")], "de")
    q_us, o_us = buy(us, [(track, "wav")], "us")
    price = q_us.total_minor
    assert q_de.items.get().price_minor == price  # the same listed price
    de_tax = TaxRule("DE", 1900, True).split(price)[1]
    assert q_de.total_minor == price and q_de.tax_minor == de_tax > 0
    de_line = RoyaltyLine.objects.get(order=o_de)
    us_line = RoyaltyLine.objects.get(order=o_us)
    assert us_line.basis_micro == price * MICRO
    assert de_line.basis_micro == (price - de_tax) * MICRO
    assert us_line.amount_micro == price * MICRO * 7000 // 10_000
    assert de_line.amount_micro == (price - de_tax) * MICRO * 7000 // 10_000


def test_tax_is_per_item_and_sums_to_the_quote_tax():
    pool = tracks(3, seconds=1)
    buyer = customer(country="HU")
    quote = quote_create(customer=buyer, items=[(t, "wav") for t in pool])
    items = list(quote.items.all())
    rule = TaxRule("HU", 2700, True)
    assert [i.tax_minor for i in items] == [rule.split(i.price_minor)[1] for i in items]
    assert quote.tax_minor == sum(i.tax_minor for i in items)
    assert quote.total_minor == sum(i.price_minor for i in items)


def test_without_a_store_country_no_tax_is_collected(settings):
    settings.TAX_STORE_COUNTRY = ""
    (track,) = tracks(1)
    buyer = customer(country="DE")
    fund(buyer, 1_000)
    quote, _ = buy(buyer, [(track, "wav")])
    assert (quote.tax_country, quote.tax_minor) == ("", 0)
    assert not Account.objects.filter(kind=Account.TAX_PAYABLE).exists()
    assert revenue() == quote.total_minor


def test_a_card_country_that_disagrees_is_recorded_and_the_stricter_rules_apply():
    """Evidence (Regulation 282/2011 Art. 24b): declared US, card HU → HU's 27%; and the sale
    must be licensed in both countries."""
    (track,) = tracks(1, seconds=2)
    buyer = customer(country="US")
    customer_card_country_record(user=buyer, country="hu")
    fund(buyer, 10_000)
    quote, order = buy(buyer, [(track, "wav")])
    assert (quote.territory, quote.card_country) == ("US", "HU")
    assert (quote.tax_country, quote.tax_rate_bps) == ("HU", 2700)
    assert order.quote.card_country == "HU"
    # A release licensed everywhere but Hungary is not sold to this buyer.
    (blocked,) = tracks(1, territories="Worldwide -HU")
    refused = quote_create(customer=buyer, items=[(blocked, "wav")])
    assert not refused.items.get().available
    with pytest.raises(CheckoutError):
        order_place(customer=buyer, quote=refused, idempotency_key="other")


def test_the_quarterly_return_reconciles_with_the_ledger():
    pool = tracks(2, seconds=2)
    staff = customer(staff=True)
    orders = []
    for n, country in enumerate(["DE", "DE", "HU", "LU", "US", "GB"]):
        buyer = customer(country=country)
        fund(buyer, 10_000)
        orders.append(buy(buyer, [(pool[n % 2], "wav")], f"k{n}")[1])
    order_refund(order=orders[1], staff=staff, reason="test")
    quarter = _quarter()
    rows = {r.country: r for r in tax_return(quarter=quarter)}
    ledger = tax_ledger_totals(quarter=quarter)
    assert set(rows) == {"DE", "HU", "LU", "GB", "US"}
    for country, row in rows.items():
        assert row.tax_minor == ledger.get((country, row.currency), 0) == tax_balance(country)
    assert rows["DE"].tax_minor == orders[0].quote.tax_minor  # the refunded one netted out
    assert rows["US"].tax_minor == 0
    out = io.StringIO()
    call_command("tax", "report", "--quarter", quarter, stdout=out)
    import sys  # the command writes to sys.stdout: capture it there

    del sys
    csv_text = _run_report(quarter)
    lines = csv_text.strip().splitlines()
    assert lines[0] == "quarter,country,currency,net_sales,rate,tax_due"
    hu = next(line for line in lines if ",HU," in line).split(",")
    assert hu[4] == "27.00%" and hu[5] == f"{rows['HU'].tax_minor / 100:.2f}"
    empty = _run_report("2001-Q1").strip().splitlines()
    assert empty == ["quarter,country,currency,net_sales,rate,tax_due"]


def _run_report(quarter: str) -> str:
    import contextlib

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        call_command("tax", "report", "--quarter", quarter)
    return buffer.getvalue()


def test_quarters_are_checked():
    assert quarter_bounds("2026-Q4")[0].month == 10
    assert quarter_bounds("2026-Q4")[1].year == 2027
    for bad in ("2026-Q5", "2026Q4", "Q4", "2026-Q4; drop"):
        with pytest.raises(CommandError):
            call_command("tax", "report", "--quarter", bad)


def test_the_receipt_shows_net_rate_tax_and_gross(client):
    """Directive 2006/112/EC Art. 226(8)-(10): taxable amount, rate and tax on the invoice."""
    (track,) = tracks(1, seconds=3)
    buyer = customer(country="HU")
    customer_card_country_record(user=buyer, country="DE")
    fund(buyer, 10_000)
    quote, order = buy(buyer, [(track, "wav")])
    client.force_login(buyer)
    page = client.get(f"/account/orders/{order.pk}/").content.decode()
    net = f"{quote.net_minor / 100:.2f}"
    tax = f"{quote.tax_minor / 100:.2f}"
    assert "Tax included (HU, 27.00%)" in page
    assert net in page and tax in page
    assert "declared HU, card DE" in page
