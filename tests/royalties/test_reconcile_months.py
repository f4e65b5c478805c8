"""Statements vs ledger at every period end, with escrow, releases, refunds and payouts."""

from datetime import UTC, datetime
from unittest import mock

import pytest
from django.db.models import Sum

from tests.shop.factories import LONG_AGO, customer, fund, tracks
from tunemeter.ledger.models import Entry
from tunemeter.ledger.selectors import ledger_verify
from tunemeter.pricing.services import quote_create
from tunemeter.rights.models import SOUND_RECORDING, RightsHolder
from tunemeter.rights.services import mandate_register, split_set
from tunemeter.royalties.periods import period_parse
from tunemeter.royalties.services import payout_record
from tunemeter.royalties.statements import statement_summaries
from tunemeter.shop.services import order_place, order_refund

pytestmark = pytest.mark.usefixtures("ledger_db", "demo_payments")


def ledger_at(h, kind, end):
    return (
        Entry.objects.filter(
            account__owner=f"holder:{h.pk}", account__kind=kind, transfer__created_at__lt=end
        ).aggregate(s=Sum("amount_in_unit"))["s"]
        or 0
    )


def test_every_period_reconciles():
    pool = tracks(4)
    a, b, c = (RightsHolder.objects.create(kind="artist", name=n) for n in "abc")
    mandate_register(
        holder=a, right_type=SOUND_RECORDING, territories="Worldwide", starts_at=LONG_AGO
    )
    mandate_register(holder=b, right_type=SOUND_RECORDING, territories="DE", starts_at=LONG_AGO)
    for t in pool:
        split_set(track=t, right_type=SOUND_RECORDING, shares=[(a, 3333), (b, 3333), (c, 3334)])
    buyer = customer(country="FR")
    fund(buyer, 10_000)
    staff = customer(staff=True)
    orders = []

    def at(m, d, h=12):
        return datetime(2026, m, d, h, tzinfo=UTC)

    def do(when, f):
        with mock.patch("django.utils.timezone.now", return_value=when):
            return f()

    n = 0
    for m in (7, 8, 9, 10):
        for i, t in enumerate(pool):
            n += 1
            orders.append(
                do(
                    at(m, 2 + i),
                    lambda t=t, n=n: order_place(
                        customer=buyer,
                        quote=quote_create(customer=buyer, items=[(t, "wav")]),
                        idempotency_key=str(n),
                    ),
                )
            )
    do(
        at(8, 20), lambda: order_refund(order=orders[0], staff=staff, reason="x")
    )  # escrowed sale returned
    do(
        at(9, 10),
        lambda: mandate_register(
            holder=c, right_type=SOUND_RECORDING, territories="Worldwide", starts_at=LONG_AGO
        ),
    )
    do(
        at(9, 11),
        lambda: mandate_register(
            holder=b, right_type=SOUND_RECORDING, territories="FR", starts_at=LONG_AGO
        ),
    )
    do(
        at(9, 20), lambda: order_refund(order=orders[1], staff=staff, reason="x")
    )  # released, returned
    do(at(10, 20), lambda: order_refund(order=orders[13], staff=staff, reason="x"))
    do(
        at(9, 25),
        lambda: payout_record(holder=a, amount_minor=1, reference="p", staff=staff, currency="USD"),
    )
    do(at(10, 31, 23), lambda: order_refund(order=orders[5], staff=staff, reason="x"))
    assert ledger_verify() == []
    for h in (a, b, c):
        for p in ("2026-07", "2026-08", "2026-09", "2026-10", "2026-11"):
            period = period_parse(p)
            s = statement_summaries(period=period, holder_ids=[h.pk])[h.pk]
            payable = ledger_at(h, "royalties_payable", period.end)
            escrow = ledger_at(h, "escrow", period.end)
            assert (h.name, p, s.closing_minor * s.per_minor + s.carried_out_micro) == (
                h.name,
                p,
                payable,
            )
            assert (h.name, p, s.escrow_balance_micro) == (h.name, p, escrow)
