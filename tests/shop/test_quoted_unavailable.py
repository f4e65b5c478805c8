"""An item refused when quoted (priced at 0) is never handed over free at checkout."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from tests.shop.factories import customer, fund, tracks
from tunemeter.ledger.selectors import balance_minor, ledger_verify
from tunemeter.library.models import Entitlement
from tunemeter.pricing.services import quote_create
from tunemeter.rights.models import RightsHolder
from tunemeter.rights.services import deal_create
from tunemeter.shop.exceptions import QuoteStale
from tunemeter.shop.services import order_place

pytestmark = pytest.mark.usefixtures("ledger_db", "demo_payments")


def test_a_deal_starting_between_quote_and_checkout_makes_the_quote_stale():
    (licensed,) = tracks(1)
    (upcoming,) = tracks(1, territories=None)
    start = timezone.now() + timedelta(minutes=5)
    label = RightsHolder.objects.create(kind="label", name="Soon")
    deal_create(
        licensor=label, release=upcoming.release, territories="Worldwide", starts_at=start,
        sr_share_bps=7000,
    )  # fmt: skip
    buyer = customer()
    fund(buyer, 1_000)
    quote = quote_create(customer=buyer, items=[(licensed, "wav"), (upcoming, "wav")])
    assert [i.available for i in quote.items.all()] == [True, False]
    with (
        mock.patch("django.utils.timezone.now", return_value=start + timedelta(minutes=1)),
        pytest.raises(QuoteStale) as stale,
    ):
        order_place(customer=buyer, quote=quote, idempotency_key="k")
    assert stale.value.fresh is not None and stale.value.fresh.items.count() == 2
    assert not Entitlement.objects.exists()
    assert balance_minor(user=buyer, currency=quote.currency) == 1_000
    assert ledger_verify() == []
