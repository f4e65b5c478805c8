"""Royalty accrual at checkout: exact splits, escrow without a mandate, returns, payouts."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

import pytest

from tests.shop.factories import LONG_AGO, customer, fund, tracks
from tunemeter.ledger.models import Account
from tunemeter.ledger.selectors import ledger_verify
from tunemeter.pricing.models import ReleaseDiscount
from tunemeter.pricing.services import quote_create
from tunemeter.rights import selectors as rights_selectors
from tunemeter.rights.exceptions import SplitInvalid
from tunemeter.rights.models import PUBLISHING, SOUND_RECORDING, Deal, RightsHolder
from tunemeter.rights.services import mandate_register, split_set
from tunemeter.royalties import services as royalties_services
from tunemeter.royalties.arithmetic import largest_remainder
from tunemeter.royalties.exceptions import PayoutTooLarge
from tunemeter.royalties.models import EscrowRelease, RoyaltyLine
from tunemeter.royalties.services import payout_record
from tunemeter.shop.services import order_place, order_refund

pytestmark = pytest.mark.usefixtures("ledger_db", "demo_payments")
MICRO = 10_000  # micro-units per cent


def test_largest_remainder_splits_exactly_with_ties_to_the_smaller_key():
    assert largest_remainder(10, [(1, 3333), (2, 3333), (3, 3333), (4, 1)]) == {
        1: 4, 2: 3, 3: 3, 4: 0,
    }  # fmt: skip
    seven = largest_remainder(1, [(k, 1) for k in range(7, 0, -1)])
    assert seven == {1: 1, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0}
    assert largest_remainder(-10, [(1, 1), (2, 2)]) == {1: -3, 2: -7}
    for total in range(0, 200):
        parts = largest_remainder(total, [(1, 3333), (2, 3333), (3, 3333), (4, 1)])
        assert sum(parts.values()) == total


def holder(name, mandate=True, right=SOUND_RECORDING, territories="Worldwide"):
    h = RightsHolder.objects.create(kind="artist", name=name)
    if mandate:
        mandate_register(holder=h, right_type=right, territories=territories, starts_at=LONG_AGO)
    return h


def micro_balance(h, kind):
    account = Account.objects.filter(owner=f"holder:{h.pk}", kind=kind, unit="micro").first()
    return account.balance_micro if account else 0


def buy(buyer, items, key):
    return order_place(
        customer=buyer, quote=quote_create(customer=buyer, items=items), idempotency_key=key
    )


def test_shares_that_cannot_divide_evenly_still_sum_exactly():
    (track,) = tracks(1)
    owners = [holder(f"owner {i}") for i in range(4)]
    split_set(
        track=track,
        right_type=SOUND_RECORDING,
        shares=[(owners[0], 3333), (owners[1], 3333), (owners[2], 3333), (owners[3], 1)],
    )
    buyer = customer()
    fund(buyer, 10_000)
    order = buy(buyer, [(track, "wav")], "k")
    lines = list(RoyaltyLine.objects.filter(order=order))
    royalty = lines[0].royalty_micro
    assert royalty == order.total_minor * MICRO * 7000 // 10_000
    assert sum(line.amount_micro for line in lines) == royalty
    assert {line.share_bps for line in lines} == {3333, 1}
    assert all(not line.escrowed for line in lines)
    assert sum(micro_balance(h, Account.ROYALTIES_PAYABLE) for h in owners) == royalty
    assert ledger_verify() == []


def test_splits_must_sum_to_ten_thousand():
    (track,) = tracks(1)
    a, b = holder("a"), holder("b")
    with pytest.raises(SplitInvalid, match="9999"):
        split_set(track=track, right_type=SOUND_RECORDING, shares=[(a, 5000), (b, 4999)])
    with pytest.raises(SplitInvalid):
        split_set(track=track, right_type=SOUND_RECORDING, shares=[(a, 5000), (a, 5000)])
    with pytest.raises(SplitInvalid, match="right type"):
        split_set(track=track, right_type="mechanical", shares=[(a, 10_000)])


def test_a_co_owner_without_a_mandate_is_paid_into_escrow_until_one_arrives():
    (track,) = tracks(1)
    with_mandate, without = holder("signed"), holder("unsigned", mandate=False)
    split_set(
        release=track.release,
        right_type=SOUND_RECORDING,
        shares=[(with_mandate, 5000), (without, 5000)],
    )
    buyer = customer(country="FR")
    fund(buyer, 10_000)
    order = buy(buyer, [(track, "wav")], "k")
    escrowed = RoyaltyLine.objects.get(order=order, holder=without)
    assert escrowed.escrowed and escrowed.mandate is None
    held = escrowed.amount_micro
    assert micro_balance(without, Account.ESCROW) == held
    assert micro_balance(without, Account.ROYALTIES_PAYABLE) == 0

    # A mandate for other territories releases nothing; one covering France does.
    mandate_register(
        holder=without, right_type=SOUND_RECORDING, territories="DE", starts_at=LONG_AGO
    )
    assert micro_balance(without, Account.ESCROW) == held
    mandate = mandate_register(
        holder=without, right_type=SOUND_RECORDING, territories="Worldwide", starts_at=LONG_AGO
    )
    release = EscrowRelease.objects.get(mandate=mandate)
    assert release.amount_micro == held
    assert micro_balance(without, Account.ESCROW) == 0
    assert micro_balance(without, Account.ROYALTIES_PAYABLE) == held
    escrowed.refresh_from_db()
    assert escrowed.escrow_release == release  # the trail stays on the line

    # A refund after the release takes the share back from the payable balance.
    order_refund(order=order, staff=customer(staff=True), reason="test")
    assert micro_balance(without, Account.ROYALTIES_PAYABLE) == 0
    assert micro_balance(with_mandate, Account.ROYALTIES_PAYABLE) == 0
    assert ledger_verify() == []


def test_a_refund_before_release_empties_escrow_and_a_later_mandate_releases_nothing():
    (track,) = tracks(1)
    (label,) = [Deal.objects.get(release=track.release).licensor]
    buyer = customer()
    fund(buyer, 10_000)
    order = buy(buyer, [(track, "wav")], "k")
    assert micro_balance(label, Account.ESCROW) > 0
    order_refund(order=order, staff=customer(staff=True), reason="test")
    assert micro_balance(label, Account.ESCROW) == 0
    returns = RoyaltyLine.objects.filter(order=order, kind=RoyaltyLine.RETURN)
    assert returns.count() == 1 and returns.get().escrowed
    mandate = mandate_register(
        holder=label, right_type=SOUND_RECORDING, territories="Worldwide", starts_at=LONG_AGO
    )
    assert EscrowRelease.objects.get(mandate=mandate).amount_micro == 0
    assert micro_balance(label, Account.ROYALTIES_PAYABLE) == 0
    assert ledger_verify() == []


def test_publishing_is_the_higher_of_a_share_and_a_fixed_amount_and_minimums_apply():
    (track,) = tracks(1, territories=None)
    label, publisher = holder("label"), holder("publisher", right=PUBLISHING)
    from tunemeter.rights.services import deal_create

    deal_create(
        licensor=label,
        release=track.release,
        territories="Worldwide",
        starts_at=LONG_AGO,
        sr_share_bps=100,
        sr_minimum_micro=30_000,
        pub_share_bps=800,
        pub_amount_micro=120_000,
    )
    split_set(track=track, right_type=PUBLISHING, shares=[(publisher, 10_000)])
    buyer = customer()
    fund(buyer, 10_000)
    order = buy(buyer, [(track, "wav")], "k")
    paid = order.total_minor * MICRO
    sr = RoyaltyLine.objects.get(order=order, right_type=SOUND_RECORDING)
    pub = RoyaltyLine.objects.get(order=order, right_type=PUBLISHING)
    assert sr.holder == label and sr.amount_micro == max(paid // 100, 30_000)
    assert pub.holder == publisher and pub.amount_micro == max(paid * 8 // 100, 120_000)
    assert ledger_verify() == []


def test_a_discounted_release_spreads_its_price_over_its_tracks_exactly():
    three = tracks(3)
    release = three[0].release
    ReleaseDiscount.objects.create(release=release, percent=33)
    buyer = customer()
    fund(buyer, 10_000)
    order = buy(buyer, [(release, "wav")], "k")
    lines = RoyaltyLine.objects.filter(order=order)
    assert sum(line.paid_micro for line in lines) == order.total_minor * MICRO
    assert ledger_verify() == []


def test_payouts_never_exceed_the_payable_balance_and_are_idempotent():
    (track,) = tracks(1)
    label = Deal.objects.get(release=track.release).licensor
    mandate_register(
        holder=label, right_type=SOUND_RECORDING, territories="Worldwide", starts_at=LONG_AGO
    )
    buyer = customer()
    fund(buyer, 10_000)
    buy(buyer, [(track, "wav")], "k")
    payable = micro_balance(label, Account.ROYALTIES_PAYABLE)
    staff = customer(staff=True)
    whole = payable // MICRO
    with pytest.raises(PayoutTooLarge):
        payout_record(
            holder=label, amount_minor=whole + 1, reference="r1", staff=staff, currency="USD"
        )
    first = payout_record(
        holder=label, amount_minor=whole, reference="r1", staff=staff, currency="USD"
    )
    again = payout_record(
        holder=label, amount_minor=whole, reference="r1", staff=staff, currency="USD"
    )
    assert first == again
    assert micro_balance(label, Account.ROYALTIES_PAYABLE) == payable - whole * MICRO
    assert micro_balance(label, Account.PAYOUTS) == whole * MICRO
    with pytest.raises(PermissionError):
        payout_record(holder=label, amount_minor=1, reference="r2", staff=buyer, currency="USD")
    assert ledger_verify() == []


def test_sales_in_several_territories_and_dates_record_where_and_when(settings):
    (track,) = tracks(1, territories="Worldwide -US")
    moment = datetime(2026, 11, 30, 23, 59, tzinfo=UTC)
    buyer = customer(country="JP")
    fund(buyer, 10_000)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        order = buy(buyer, [(track, "wav")], "k")
    line = RoyaltyLine.objects.get(order=order)
    assert (line.territory, line.at, line.kind) == ("JP", moment, RoyaltyLine.SALE)
    assert line.deal.release_id == track.release_id


def test_checkout_looks_each_lines_deal_up_once_and_accrues_under_it():
    """The sale gate returns the deal it found; accrual uses it instead of a second lookup."""
    first, second = tracks(2)
    buyer = customer()
    fund(buyer, 10_000)
    quote = quote_create(customer=buyer, items=[(first.release, "wav")])
    real = rights_selectors.deal_for_sale
    with (
        mock.patch.object(rights_selectors, "deal_for_sale", wraps=real) as gate_lookups,
        mock.patch.object(royalties_services, "deal_for_sale", wraps=real) as accrual_lookups,
    ):
        order = order_place(customer=buyer, quote=quote, idempotency_key="once")
    assert gate_lookups.call_count == 2  # one per track, by the gate
    assert accrual_lookups.call_count == 0
    deal = Deal.objects.get(release=first.release)
    lines = RoyaltyLine.objects.filter(order=order)
    assert {line.track_id for line in lines} == {first.pk, second.pk}
    assert {line.deal_id for line in lines} == {deal.pk}
