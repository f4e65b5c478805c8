"""A payout reference as long as the field allows still makes a valid transfer id."""

from __future__ import annotations

import pytest

from tests.shop.factories import LONG_AGO, customer, fund, tracks
from tunemeter.pricing.services import quote_create
from tunemeter.rights.models import SOUND_RECORDING, RightsHolder
from tunemeter.rights.services import mandate_register, split_set
from tunemeter.royalties.models import Payout
from tunemeter.royalties.services import payout_record
from tunemeter.shop.services import order_place

pytestmark = pytest.mark.usefixtures("ledger_db", "demo_payments")


def test_a_payout_reference_the_model_accepts_can_be_recorded():
    (track,) = tracks(1)
    h = RightsHolder.objects.create(kind="artist", name="a")
    mandate_register(
        holder=h, right_type=SOUND_RECORDING, territories="Worldwide", starts_at=LONG_AGO
    )
    split_set(track=track, right_type=SOUND_RECORDING, shares=[(h, 10_000)])
    buyer = customer()
    fund(buyer, 10_000)
    order_place(
        customer=buyer,
        quote=quote_create(customer=buyer, items=[(track, "wav")]),
        idempotency_key="k",
    )
    ref = "SEPA-" + "X" * 190  # 195 characters: Payout.reference allows 200
    assert len(ref) <= Payout._meta.get_field("reference").max_length
    payout_record(
        holder=h, amount_minor=1, reference=ref, staff=customer(staff=True), currency="USD"
    )
