"""Never sell at a loss to the rights holders: the price floor from a deal's obligations."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.shop.factories import LONG_AGO, customer, fund, tracks
from tunemeter.pricing.models import ReleaseDiscount
from tunemeter.pricing.services import quote_create
from tunemeter.rights.floors import deal_floor_micro
from tunemeter.rights.models import Deal, RightsHolder
from tunemeter.rights.services import deal_create
from tunemeter.royalties.models import RoyaltyLine
from tunemeter.royalties.terms import deal_right_types, royalty_micro
from tunemeter.shop.exceptions import NotForSale
from tunemeter.shop.services import order_place


@settings(max_examples=300, deadline=None)
@given(
    sr=st.integers(0, 10_000),
    sr_min=st.integers(0, 2_000_000),
    pub=st.integers(0, 10_000),
    pub_amount=st.integers(0, 500_000),
    per_minute=st.booleans(),
    length_ms=st.integers(1, 900_000),
)
def test_no_price_at_or_above_the_floor_owes_more_than_it_earns(
    sr, sr_min, pub, pub_amount, per_minute, length_ms
):
    """The floor is the lowest price at which royalties (royalties/terms.py) fit in it."""
    deal = Deal(
        sr_share_bps=sr, sr_minimum_micro=sr_min, pub_share_bps=pub,
        pub_amount_micro=pub_amount, pub_amount_per="minute" if per_minute else "track",
    )  # fmt: skip

    def owed(price: int) -> int:
        return sum(
            royalty_micro(terms=deal.terms, right_type=r, basis_micro=price, length_ms=length_ms)[0]
            for r in deal_right_types(deal.terms)
        )

    floor = deal_floor_micro(deal, length_ms=length_ms)
    if floor is None:  # no price earns anything for the store
        assert all(owed(p) >= p - 1 for p in (10**6, 10**9, 10**12))
        return
    # Only prices at or above the floor: a large minimum over a small margin can put the
    # floor above 10**9 (Hypothesis found one).
    for price in (floor, floor + 1, floor * 3 + 17, max(floor, 10**9)):
        assert owed(price) <= price


@pytest.mark.usefixtures("ledger_db", "demo_payments")
def test_a_quote_is_raised_to_the_deal_floor_and_the_sale_loses_nothing():
    """A track sold at the 5-cent minimum under 70% plus the 0.12 statutory mechanical
    lost money (0.0035 + 0.12 > 0.05). The quote now raises the price to the floor,
    records the raise for the admin, and the holders' royalties fit in what was paid."""
    (track,) = tracks(1, territories=None)
    label = RightsHolder.objects.create(kind="label", name="L")
    deal_create(licensor=label, release=track.release, territories="Worldwide",
                starts_at=LONG_AGO, sr_share_bps=7000, preset="statutory-per-track")  # fmt: skip
    buyer = customer(country="DE")
    fund(buyer, 10_000)
    quote = quote_create(customer=buyer, items=[(track, "wav")])
    item = quote.items.get()
    # 0.12 / (1 - 0.70) = 0.40: at 40 cents, 28 + 12 cents are owed.
    assert (item.price_minor, item.floor_minor) == (40, 40) and item.raised_minor == 35
    order = order_place(customer=buyer, quote=quote, idempotency_key="floor")
    owed = sum(r.amount_micro for r in RoyaltyLine.objects.filter(order=order))
    assert owed <= order.total_minor * 10_000


@pytest.mark.usefixtures("ledger_db", "demo_payments")
def test_a_fully_discounted_release_still_pays_its_floor_and_a_loss_deal_is_not_for_sale():
    """A 100% release discount follows the same rule: each track still costs its floor.
    A deal whose shares exceed the whole cannot be sold at any price: not for sale."""
    first, second = tracks(2, territories=None)
    release = first.release
    label = RightsHolder.objects.create(kind="label", name="L")
    deal_create(licensor=label, release=release, territories="DE", starts_at=LONG_AGO,
                sr_share_bps=5000, sr_minimum_micro=100_000)  # fmt: skip
    ReleaseDiscount.objects.create(release=release, percent=100)
    buyer = customer(country="DE")
    fund(buyer, 10_000)
    quote = quote_create(customer=buyer, items=[(release, "wav")])
    item = quote.items.get()
    # 0.10 minimum at 50%: the floor is 0.10 a track, whatever the discount.
    assert item.price_minor == 20 and sorted(ln.price_minor for ln in item.lines.all()) == [10, 10]
    order = order_place(customer=buyer, quote=quote, idempotency_key="disc")
    paid = {r.track_id: r.paid_micro for r in RoyaltyLine.objects.filter(order=order)}
    owed = {r.track_id: r.amount_micro for r in RoyaltyLine.objects.filter(order=order)}
    assert all(owed[t] <= paid[t] for t in paid) and len(paid) == 2

    (loss,) = tracks(1, territories=None)
    deal_create(licensor=label, release=loss.release, territories="DE", starts_at=LONG_AGO,
                sr_share_bps=9000, pub_share_bps=2000)  # fmt: skip
    quote = quote_create(customer=buyer, items=[(loss, "wav")])
    assert not quote.items.get().available
    with pytest.raises(NotForSale, match="not for sale: its deal would cost more"):
        order_place(customer=buyer, quote=quote, idempotency_key="loss")
