"""The sale gate: deals by territory and date, takedowns, deals never edited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.shop.factories import LONG_AGO, customer, fund, tracks
from tunemeter.ledger.selectors import balance_minor, ledger_verify
from tunemeter.pricing.services import quote_create
from tunemeter.rights.exceptions import DealImmutable, RightsError
from tunemeter.rights.models import Deal, RightsHolder
from tunemeter.rights.selectors import sale_gate, sale_licence
from tunemeter.rights.services import deal_create, deal_replace, takedown_create
from tunemeter.shop.exceptions import NotForSale
from tunemeter.shop.models import Order
from tunemeter.shop.services import order_place

MIDNIGHT = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def track(db):
    (track,) = tracks(1, territories=None)
    return track


@pytest.fixture
def label(db):
    return RightsHolder.objects.create(kind="label", name="Label")


def _deal(label, track, territories, starts_at=LONG_AGO, ends_at=None, **terms):
    return deal_create(
        licensor=label,
        release=track.release,
        territories=territories,
        starts_at=starts_at,
        ends_at=ends_at,
        sr_share_bps=terms.pop("sr_share_bps", 7000),
        **terms,
    )


@pytest.mark.parametrize(
    ("scope", "territory", "allowed"),
    [
        ("Worldwide", "JP", True),
        ("Worldwide -US -CA", "DE", True),
        ("Worldwide -US -CA", "US", False),
        ("Worldwide -US -CA", "CA", False),
        ("DE AT", "AT", True),
        ("DE AT", "FR", False),
        ("DE AT", "", False),
    ],
)
def test_territories(label, track, scope, territory, allowed):
    _deal(label, track, scope)
    at = datetime(2026, 11, 28, tzinfo=UTC)
    assert (sale_gate(track=track, territory=territory, at=at) is None) is allowed


def test_a_deal_ending_at_midnight_utc_does_not_cover_midnight(label, track):
    _deal(label, track, "Worldwide", starts_at=MIDNIGHT - timedelta(days=30), ends_at=MIDNIGHT)
    assert sale_gate(track=track, territory="DE", at=MIDNIGHT - timedelta(microseconds=1)) is None
    assert sale_gate(track=track, territory="DE", at=MIDNIGHT) == "not available in your territory"
    # Nor does it cover anything before it starts.
    assert sale_gate(track=track, territory="DE", at=MIDNIGHT - timedelta(days=31)) is not None


def test_a_track_deal_decides_for_its_track(label, track):
    """A TrackRelease's deal governs that track: what it leaves out is not licensed, whatever
    its release's deal says (DDEX ERN 4.3 Knowledge Base, "Communicating deals": a deal
    applies to the Release it references, and a TrackRelease is the release of that track).
    Before the fix, FR and US fell back to the release's Worldwide deal."""
    _deal(label, track, "Worldwide")
    own = deal_create(
        licensor=label, track=track, territories="DE", starts_at=LONG_AGO, sr_share_bps=5000
    )
    at = datetime(2026, 11, 28, tzinfo=UTC)
    assert sale_licence(track=track, territory="DE", at=at).deal == own
    assert sale_licence(track=track, territory="FR", at=at).deal is None
    excluding = deal_create(
        licensor=label, track=track, territories="Worldwide -US", starts_at=at, sr_share_bps=5000
    )
    later = at + timedelta(days=1)
    assert sale_licence(track=track, territory="FR", at=later).deal == excluding
    assert sale_gate(track=track, territory="US", at=later) == "not available in your territory"


def test_takedowns_withdraw_from_their_moment_on_in_their_territories(label, track):
    _deal(label, track, "Worldwide")
    takedown_create(track=track, territories="Worldwide -GB", effective_at=MIDNIGHT)
    before = MIDNIGHT - timedelta(microseconds=1)
    assert sale_gate(track=track, territory="DE", at=before) is None
    assert (
        sale_gate(track=track, territory="DE", at=MIDNIGHT)
        == "withdrawn from sale in your territory"
    )
    assert sale_gate(track=track, territory="GB", at=MIDNIGHT) is None


def test_deals_are_never_edited_only_end_dated_and_replaced(label, track):
    old = _deal(label, track, "Worldwide")
    old.sr_share_bps = 9000
    with pytest.raises(DealImmutable):
        old.save()
    new = deal_replace(deal=Deal.objects.get(pk=old.pk), starts_at=MIDNIGHT, sr_share_bps=8000)
    old.refresh_from_db()
    assert old.ends_at == MIDNIGHT and old.sr_share_bps == 7000
    assert new.supersedes == old and new.sr_share_bps == 8000
    assert sale_licence(track=track, territory="DE", at=MIDNIGHT).deal == new
    assert sale_licence(track=track, territory="DE", at=MIDNIGHT - timedelta(seconds=1)).deal == old
    # An end-dated deal's end is final too.
    old.ends_at = MIDNIGHT + timedelta(days=1)
    with pytest.raises(DealImmutable):
        old.save()
    with pytest.raises(RightsError):
        _deal(label, track, "Worldwide", starts_at=MIDNIGHT, ends_at=MIDNIGHT)


def test_a_takedown_between_quote_and_checkout_charges_nothing(ledger_db, demo_payments):
    (track,) = tracks(1)
    buyer = customer(country="DE")
    fund(buyer, 1_000)
    quote = quote_create(customer=buyer, items=[(track, "wav")])
    assert quote.items.get().available
    takedown_create(
        release=track.release,
        territories="DE",
        effective_at=datetime.now(UTC) - timedelta(seconds=1),
    )
    with pytest.raises(NotForSale, match="withdrawn"):
        order_place(customer=buyer, quote=quote, idempotency_key="k")
    assert balance_minor(user=buyer, currency=quote.currency) == 1_000
    assert not Order.objects.exists()
    assert ledger_verify() == []


def test_an_unlicensed_territory_sees_the_item_marked_and_cannot_buy(ledger_db, demo_payments):
    (track,) = tracks(1, territories="Worldwide -US")
    buyer = customer(country="US")
    fund(buyer, 1_000)
    quote = quote_create(customer=buyer, items=[(track, "wav")])
    item = quote.items.get()
    assert not item.available and item.unavailable_reason == "not available in your territory"
    assert quote.total_minor == 0
    with pytest.raises(NotForSale):
        order_place(customer=buyer, quote=quote, idempotency_key="k")
    assert balance_minor(user=buyer, currency=quote.currency) == 1_000
