"""Statements in currencies whose minor unit is not the hundredth (JPY, KWD)."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

import pytest
from django.core.management import call_command

from tests.shop.factories import LONG_AGO, customer, fund, tracks
from tunemeter.ledger.models import Account
from tunemeter.ledger.selectors import ledger_verify
from tunemeter.pricing.services import quote_create
from tunemeter.rights.models import SOUND_RECORDING, RightsHolder
from tunemeter.rights.services import mandate_register, split_set
from tunemeter.royalties.periods import period_parse
from tunemeter.royalties.services import payout_record
from tunemeter.royalties.statements import statement_summaries
from tunemeter.shop.services import order_place

pytestmark = pytest.mark.usefixtures("ledger_db", "demo_payments")


@pytest.mark.parametrize("cur", ["JPY", "KWD"])
def test_zero_decimal_currency_reconciles(settings, cur, tmp_path, capsys):
    settings.STORE_CURRENCY = cur
    settings.MIN_TRACK_PRICE_MINOR = 123
    pool = tracks(2)
    owners = [
        RightsHolder.objects.create(kind="artist", name=f"o{i}", currency=cur) for i in range(3)
    ]
    for o in owners:
        mandate_register(
            holder=o, right_type=SOUND_RECORDING, territories="Worldwide", starts_at=LONG_AGO
        )
    for t in pool:
        split_set(
            track=t,
            right_type=SOUND_RECORDING,
            shares=[(owners[0], 3333), (owners[1], 3333), (owners[2], 3334)],
        )
    buyer = customer()
    fund(buyer, 5_000)
    staff = customer(staff=True)
    orders = []
    with mock.patch("django.utils.timezone.now", return_value=datetime(2026, 9, 3, tzinfo=UTC)):
        for i, t in enumerate(pool):
            orders.append(
                order_place(
                    customer=buyer,
                    quote=quote_create(customer=buyer, items=[(t, "wav")]),
                    idempotency_key=str(i),
                )
            )
        payout_record(holder=owners[0], amount_minor=10, reference="p", staff=staff, currency=cur)
    s = statement_summaries(period=period_parse("2026-09"), holder_ids=[owners[0].pk])[owners[0].pk]
    payable = Account.objects.get(owner=f"holder:{owners[0].pk}", kind="royalties_payable")
    assert s.closing_minor * s.per_minor + s.carried_out_micro == payable.balance_micro
    assert ledger_verify() == []
    call_command("statements", "--period", "2026-09", "--out", str(tmp_path), "--no-dsr")
    out = capsys.readouterr().out
    print(out)
    print("closing minor", s.closing_minor, "earnings", s.earnings_minor)
    from tunemeter.ledger.units import minor_format

    row = next(line for line in out.splitlines() if line.startswith("o0 "))
    assert minor_format(s.closing_minor, cur).split()[0] in row.split(), row
